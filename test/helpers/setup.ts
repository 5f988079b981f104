/**
 * Shared test wiring: a real collector on 127.0.0.1 and a handler pointed at it. Any unhandled
 * rejection or uncaught exception during the suite fails it: the handler must never produce one.
 */
import { afterAll, afterEach, beforeAll } from "vitest";
import {
  type Collector,
  HoneyHiveHandler,
  type HoneyHiveHandlerOptions,
  startCollector,
} from "../../src/index.js";

export const TEST_KEY = "hh-test-key-1234567890";

export function useCollector(): {
  get collector(): Collector;
  handler(options?: HoneyHiveHandlerOptions): HoneyHiveHandler;
} {
  let collector: Collector | undefined;
  const handlers: HoneyHiveHandler[] = [];
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterEach(async () => {
    await Promise.all(handlers.splice(0).map((h) => h.shutdown({ timeoutMs: 2000 })));
    collector?.setFaults(undefined);
    collector?.reset();
  });
  afterAll(async () => {
    await collector?.close();
  });
  return {
    get collector() {
      if (!collector) throw new Error("collector not started");
      return collector;
    },
    handler(options: HoneyHiveHandlerOptions = {}) {
      if (!collector) throw new Error("collector not started");
      const h = new HoneyHiveHandler({ apiKey: TEST_KEY, serverUrl: collector.url, ...options });
      handlers.push(h);
      return h;
    },
  };
}

/** Events of one type/name, for terse assertions. */
export function byName<T extends { event_name?: string }>(events: T[], name: string): T {
  const found = events.filter((e) => e.event_name === name);
  if (found.length !== 1)
    throw new Error(
      `expected one event named ${name}, found ${found.length}: ${events.map((e) => e.event_name).join(", ")}`,
    );
  return found[0] as T;
}
