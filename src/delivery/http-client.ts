/**
 * One HTTP attempt against the HoneyHive API, over a pooled keep-alive undici connection set.
 * No retries and no knowledge of events here: the exporter decides what a response means.
 */
import { Pool } from "undici";
import type { AttemptResult, Transport } from "./transport.js";

export interface HttpClientOptions {
  serverUrl: string;
  apiKey: string;
  connections: number;
  requestTimeoutMs: number;
}

export type { AttemptResult };

const USER_AGENT = "honeyhive-langchain";

export class HttpClient implements Transport {
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  #closed = false;

  constructor(options: HttpClientOptions) {
    const url = new URL(options.serverUrl);
    this.#basePath = url.pathname.replace(/\/+$/, "");
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      connectTimeout: Math.min(options.requestTimeoutMs, 10_000),
      headersTimeout: options.requestTimeoutMs,
      bodyTimeout: options.requestTimeoutMs,
    });
    this.#headers = {
      authorization: `Bearer ${options.apiKey}`,
      "content-type": "application/json",
      "user-agent": USER_AGENT,
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  async send(method: "POST" | "PUT", path: string, body: string): Promise<AttemptResult> {
    try {
      const res = await this.#pool.request({
        method,
        path: `${this.#basePath}${path}`,
        headers: this.#headers,
        body,
      });
      // Always read the body: an unread body holds the socket and stops keep-alive reuse.
      const text = await res.body.text();
      const retryAfter = res.headers["retry-after"];
      return {
        kind: "response",
        status: res.statusCode,
        body: text,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      };
    } catch (error) {
      return {
        kind: "network-error",
        error: error instanceof Error ? error : new Error(String(error)),
        retryable: true,
      };
    }
  }

  /** Waits for in-flight requests, then closes the sockets. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close().catch(() => undefined);
  }

  /** Aborts whatever is still in flight (used when a shutdown deadline passes). */
  async destroy(): Promise<void> {
    this.#closed = true;
    await this.#pool.destroy().catch(() => undefined);
  }
}
