/**
 * Shared test wiring: a real collector on 127.0.0.1 and handlers pointed at it. Unhandled
 * rejections and uncaught exceptions fail the vitest run (its default): the handler must never
 * produce one.
 */
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { type Collector, startCollector } from "../../src/collector/index.js";
import { HoneyHiveConfigError, HoneyHiveHandler, type HoneyHiveHandlerOptions } from "../../src/index.js";
import { openApiProblem, schemaFor } from "./openapi.js";

export const TEST_KEY = "hh-test-key-1234567890";

export interface CollectorFixture {
  readonly collector: Collector;
  handler(options?: HoneyHiveHandlerOptions): HoneyHiveHandler;
}

/**
 * A collector for the test file, and handlers pointed at it. After each test every handler is shut
 * down and — unless the file expects rejections — no request may have been refused as invalid:
 * a 400 means the handler sent something HoneyHive's contract does not allow.
 */
export function useCollector(options: { allowRejections?: boolean } = {}): CollectorFixture {
  let collector: Collector | undefined;
  const handlers: HoneyHiveHandler[] = [];
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterEach(async () => {
    await Promise.all(handlers.splice(0).map((h) => h.shutdown({ timeoutMs: 2000 })));
    const rejected = collector?.requests.filter((r) => r.status === 400) ?? [];
    // Whatever the collector accepted must satisfy HoneyHive's published OpenAPI too.
    const invalid = (collector?.requests ?? [])
      .filter((r) => r.status === 200 && schemaFor(r.method, r.path))
      .map((r) => openApiProblem(r.method, r.path, r.body))
      .filter((p) => p !== undefined);
    collector?.setFaults(undefined);
    collector?.reset();
    if (invalid.length) {
      throw new Error(`${invalid.length} accepted request(s) break HoneyHive's OpenAPI: ${invalid[0]}`);
    }
    if (!options.allowRejections && rejected.length) {
      throw new Error(
        `the collector rejected ${rejected.length} request(s): ${JSON.stringify(rejected[0]).slice(0, 500)}`,
      );
    }
  });
  afterAll(async () => {
    await collector?.close();
  });
  return {
    get collector() {
      if (!collector) throw new Error("collector not started");
      return collector;
    },
    handler(handlerOptions: HoneyHiveHandlerOptions = {}) {
      if (!collector) throw new Error("collector not started");
      const h = new HoneyHiveHandler({ apiKey: TEST_KEY, serverUrl: collector.url, ...handlerOptions });
      handlers.push(h);
      return h;
    },
  };
}

/** The one event with this name (fails loudly when there are none or several). */
export function byName<T extends { event_name?: string }>(events: T[], name: string): T {
  const found = events.filter((e) => e.event_name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one event named ${name}, found ${found.length}: ${events.map((e) => e.event_name).join(", ")}`,
    );
  }
  return found[0] as T;
}

/** Whether a received request posted events (one, or a batch). */
export function postsEvents(r: { method: string; path: string }): boolean {
  return r.method === "POST" && (r.path === "/v1/events" || r.path === "/v1/events/batch");
}

type Posted = { event_id?: string; session_id?: string; event_type?: string; event_name?: string };

/** The items a received request posted (one, or each of a batch), sessions riding in a batch included. */
export function postedItems(r: { method: string; path: string; body: unknown }): Posted[] {
  if (!postsEvents(r)) return [];
  const body = r.body as Posted & { events?: Posted[] };
  return r.path === "/v1/events/batch" ? (body.events ?? []) : [body];
}

/** The event ids a received request posted (one, or each of a batch), not counting sessions. */
export function postedEventIds(r: { method: string; path: string; body: unknown }): string[] {
  return postedItems(r)
    .filter((e) => e.event_type !== "session")
    .map((e) => e.event_id)
    .filter((id): id is string => typeof id === "string");
}

/**
 * The sessions a received request created: `POST /v1/sessions`, or session events riding in a
 * batch ahead of their events.
 */
export function createdSessionIds(r: { method: string; path: string; body: unknown }): string[] {
  if (r.method === "POST" && r.path === "/v1/sessions") {
    const id = (r.body as { session_id?: string }).session_id;
    return id ? [id] : [];
  }
  return postedItems(r)
    .filter((e) => e.event_type === "session")
    .map((e) => e.session_id)
    .filter((id): id is string => typeof id === "string");
}

/**
 * Position of the first request that created this session, and of the first that posted one of
 * its events; in a shared request the session must come first in it (else the event's index wins).
 */
export function sessionPrecedesEvents(
  requests: { method: string; path: string; body: unknown }[],
  sessionId: string,
): boolean {
  for (const r of requests) {
    const created = createdSessionIds(r).includes(sessionId);
    const items = postedItems(r);
    const firstEvent = items.findIndex((e) => e.event_type !== "session" && e.session_id === sessionId);
    if (firstEvent >= 0) {
      if (!created) return false;
      const sessionAt = items.findIndex((e) => e.event_type === "session" && e.session_id === sessionId);
      return sessionAt >= 0 && sessionAt < firstEvent;
    }
    if (created) return true;
  }
  return false;
}

/** Events that form one `parent_id` chain `depth` deep (each the parent of the next): trees that recursion cannot walk. */
export function parentChain(sessionId: string, depth: number): Record<string, unknown>[] {
  return Array.from({ length: depth }, (_, i) => ({
    event_type: "chain",
    event_name: `step${i}`,
    event_id: `e${i}`,
    session_id: sessionId,
    parent_id: i === 0 ? sessionId : `e${i - 1}`,
    inputs: {},
    start_time: i,
  }));
}

/** The HoneyHiveConfigError `make` throws (fails the test when it throws nothing, or something else). */
export function configError(make: () => unknown): HoneyHiveConfigError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(HoneyHiveConfigError);
    return error as HoneyHiveConfigError;
  }
  throw new Error("expected a HoneyHiveConfigError");
}
