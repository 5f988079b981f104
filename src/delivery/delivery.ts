/**
 * Delivery's wiring in one place: the transport, the exporter that retries on it, and the
 * pipeline that feeds the exporter — built together, shut down together.
 */

import { createTransport } from "../runtime/platform.js";
import type { Logger } from "../util/logger.js";
import { DeliveryCounters, type FlushResult } from "./counters.js";
import { Exporter } from "./exporter.js";
import { DeliveryPipeline } from "./pipeline.js";
import type { TransportFactory } from "./transport.js";

export interface DeliveryOptions {
  serverUrl: string;
  apiKey: string;
  concurrency: number;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBudgetMs: number;
  flushTimeoutMs: number;
  batchSize: number;
  maxRequestBytes: number;
  maxQueueBytes: number;
  verbose: boolean;
  logger: Logger;
  onError: (error: Error) => void;
  redact: (text: string) => string;
  /** Default: the platform's (undici's shared pool on Node, `fetch` elsewhere). */
  transport?: TransportFactory;
}

/** Response bodies are only read for an error message: 64 KB is plenty. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface Delivery {
  pipeline: DeliveryPipeline;
  /** Flushes until the deadline, then releases (or, past it, aborts) the connections. */
  shutdown(timeoutMs: number): Promise<FlushResult>;
}

export function createDelivery(o: DeliveryOptions): Delivery {
  const transport = (o.transport ?? createTransport)({
    serverUrl: o.serverUrl,
    apiKey: o.apiKey,
    connections: o.concurrency,
    requestTimeoutMs: o.requestTimeoutMs,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  });
  const counters = new DeliveryCounters();
  const exporter = new Exporter(transport, {
    retryBudgetMs: o.retryBudgetMs,
    logger: o.logger,
    onError: o.onError,
    counters,
    redact: o.redact,
    apiKey: o.apiKey,
  });
  const pipeline = new DeliveryPipeline(
    exporter,
    counters,
    {
      concurrency: o.concurrency,
      batchSize: o.batchSize,
      maxRequestBytes: o.maxRequestBytes,
      maxQueueBytes: o.maxQueueBytes,
      flushTimeoutMs: o.flushTimeoutMs,
      verbose: o.verbose,
      logger: o.logger,
    },
    () => transport.destroy(),
  );
  const p = pipeline;
  return {
    pipeline: p,
    async shutdown(timeoutMs) {
      const result = await p.shutdown(timeoutMs);
      if (!result.timedOut) await transport.close();
      return result;
    },
  };
}
