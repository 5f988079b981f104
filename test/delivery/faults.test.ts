/**
 * Delivery under faults: a real collector misbehaving the way servers and networks do (and servers
 * that drip, send huge error bodies or present a bad certificate), with real LangChain runs.
 * "Nothing lost that could be delivered, nothing delivered twice, the app never sees an exception,
 * the log stays quiet."
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it, vi } from "vitest";
import { startCollector } from "../../src/collector/index.js";
import { HoneyHiveHandler } from "../../src/index.js";
import { drippingServer, hugeErrorServer, selfSignedServer } from "../helpers/faulty-servers.js";
import { postedEventIds, postsEvents, sessionPrecedesEvents, useCollector } from "../helpers/setup.js";
import { closedPort, EVENTS_PER_SMALL_CHAIN, memoryLogger, smallChain } from "../helpers/workloads.js";

const hh = useCollector({ allowRejections: true });

/** Options that keep retry waits short so the suite stays fast. */
const fast = { requestTimeoutMs: 2000, retryBudgetMs: 20_000, maxRetries: 8 };

async function runChains(handler: HoneyHiveHandler, n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) => smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] })),
  );
}

function expectAllOnce(n: number): void {
  const { events, sessions, duplicates } = hh.collector;
  expect(events).toHaveLength(n * EVENTS_PER_SMALL_CHAIN);
  expect(sessions).toHaveLength(n);
  expect(duplicates.size).toBe(0);
  for (const s of sessions) expect(s.outputs).toEqual({ output: "hello" });
}

describe("transient failures", () => {
  it("503 bursts: every request fails twice, then everything arrives exactly once", async () => {
    hh.collector.setFaults(({ attempt }) => (attempt <= 2 ? { status: 503 } : undefined));
    const handler = hh.handler(fast);
    await runChains(handler, 3);
    const result = await handler.flush({ timeoutMs: 15_000 });
    expect(result).toMatchObject({ timedOut: false, failed: 0, dropped: 0 });
    // Every request (sessions, single events, batches) was retried exactly twice.
    const failures = hh.collector.requests.filter((r) => r.status === 503).length;
    const successes = hh.collector.requests.filter((r) => r.status === 200).length;
    expect(successes).toBeGreaterThan(0);
    expect(failures).toBe(2 * successes);
    expect(result.retried).toBe(failures);
    expectAllOnce(3);
  });

  it("429 with Retry-After in seconds and as an HTTP date is honoured", async () => {
    hh.collector.setFaults(({ attempt, path }) => {
      if (attempt > 1) return undefined;
      const retryAfter = path === "/v1/sessions" ? "1" : new Date(Date.now() + 1500).toUTCString();
      return { status: 429, headers: { "retry-after": retryAfter } };
    });
    // A session that may span roots (a fixed id) is created on its own, with POST /v1/sessions.
    const handler = hh.handler({ ...fast, sessionId: "429-check" });
    await runChains(handler, 1);
    await handler.flush({ timeoutMs: 15_000 });
    const { requests } = hh.collector;
    expect(hh.collector.events).toHaveLength(EVENTS_PER_SMALL_CHAIN);
    expect(hh.collector.duplicates.size).toBe(0);
    const sessionTries = requests.filter((r) => r.path === "/v1/sessions");
    expect(sessionTries).toHaveLength(2);
    expect((sessionTries[1]?.at ?? 0) - (sessionTries[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    // HTTP dates have 1 s resolution: at least ~0.5 s must have been waited.
    const event = requests.find((r) => postsEvents(r) && r.status === 429);
    const id = event ? postedEventIds(event)[0] : undefined;
    expect(id).toBeDefined();
    const tries = requests.filter((r) => postedEventIds(r).includes(id as string));
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(450);
  });

  it("connection resets are retried and nothing is duplicated", async () => {
    hh.collector.setFaults(({ attempt }) => (attempt === 1 ? { reset: true } : undefined));
    const handler = hh.handler(fast);
    await runChains(handler, 2);
    const result = await handler.flush({ timeoutMs: 15_000 });
    expect(result.failed).toBe(0);
    expectAllOnce(2);
  });

  it("responses slower than the timeout are retried; ids keep the server's copy single", async () => {
    hh.collector.setFaults(({ attempt, path }) =>
      attempt === 1 && path === "/v1/events" ? { delayMs: 700 } : undefined,
    );
    const handler = hh.handler({ ...fast, requestTimeoutMs: 250 });
    await runChains(handler, 1);
    const result = await handler.flush({ timeoutMs: 15_000 });
    expect(result.failed).toBe(0);
    const { events } = hh.collector;
    expect(events).toHaveLength(EVENTS_PER_SMALL_CHAIN);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(EVENTS_PER_SMALL_CHAIN);
  });

  it("a server that is down and then comes up receives everything", async () => {
    const port = await closedPort();
    const handler = new HoneyHiveHandler({
      apiKey: "k-123456",
      serverUrl: `http://127.0.0.1:${port}`,
      ...fast,
    });
    await runChains(handler, 2);
    await new Promise((r) => setTimeout(r, 400));
    const late = await startCollector({ port });
    try {
      const result = await handler.flush({ timeoutMs: 15_000 });
      expect(result).toMatchObject({ timedOut: false, failed: 0 });
      expect(late.events).toHaveLength(2 * EVENTS_PER_SMALL_CHAIN);
      expect(late.sessions).toHaveLength(2);
      expect(late.duplicates.size).toBe(0);
    } finally {
      await handler.shutdown();
      await late.close();
    }
  });

  it("a 500 after the server stored the batch is retried without duplicating events", async () => {
    hh.collector.setFaults(({ attempt, path }) =>
      path === "/v1/events/batch" && attempt === 1 ? { status: 500, afterStore: true } : undefined,
    );
    const handler = hh.handler({ ...fast, batchSize: 50 });
    await runChains(handler, 5);
    const result = await handler.flush({ timeoutMs: 15_000 });
    expect(result.failed).toBe(0);
    const { events, requests, sessions } = hh.collector;
    expect(events).toHaveLength(5 * EVENTS_PER_SMALL_CHAIN);
    expect(sessions).toHaveLength(5);
    expect(requests.some((r) => r.path === "/v1/events/batch" && r.status === 200)).toBe(true);
    expect(requests.filter((r) => r.path === "/v1/events")).toHaveLength(0);
  });
});

describe("verbose logging", () => {
  it("verbose: the target at start and one line per delivered session and batch; quiet otherwise", async () => {
    const quiet = memoryLogger();
    const q = hh.handler({ logger: quiet.logger });
    await runChains(q, 2);
    await q.flush();
    expect(quiet.lines).toEqual([]);

    const loud = memoryLogger();
    const earlier = hh.collector.requests.length;
    const v = hh.handler({ logger: loud.logger, verbose: true });
    await runChains(v, 2);
    await v.flush();
    const info = loud.lines.filter((l) => l.level === "info").map((l) => l.message);
    expect(info[0]).toContain(hh.collector.url);
    const delivered = info.filter((m) => m.startsWith("delivered"));
    // Each request the collector answered is one line, which says what it carried (two sessions, in batches).
    expect(delivered).toHaveLength(hh.collector.requests.length - earlier);
    const sessionsSaid = delivered.map((m) => Number(/with (\d+) sessions?$/.exec(m)?.[1] ?? 0));
    expect(sessionsSaid.reduce((a, b) => a + b, 0)).toBe(2);
    for (const l of loud.lines) expect(l.message).not.toContain("hh-test-key");
  });

  it("HH_VERBOSE=true logs each retry at debug level; without it nothing is said about retries", async () => {
    hh.collector.setFaults(({ attempt }) => (attempt === 1 ? { status: 503 } : undefined));
    const quiet = memoryLogger();
    const q = hh.handler({ ...fast, logger: quiet.logger });
    await runChains(q, 1);
    await q.flush({ timeoutMs: 10_000 });
    expect(quiet.lines.filter((l) => l.message.includes("retrying"))).toEqual([]);

    const verbose = memoryLogger();
    vi.stubEnv("HH_VERBOSE", "true");
    try {
      const v = hh.handler({ ...fast, logger: verbose.logger });
      await runChains(v, 1);
      await v.flush({ timeoutMs: 10_000 });
    } finally {
      vi.unstubAllEnvs();
    }
    const retries = verbose.lines.filter((l) => l.level === "debug" && l.message.includes("retrying"));
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]?.message).toContain("503");
  });
});

describe("outages", () => {
  it("while the server is unavailable one request probes it and the rest wait, then all arrive", async () => {
    const until = Date.now() + 1200;
    hh.collector.setFaults(() => (Date.now() < until ? { status: 503 } : undefined));
    const handler = hh.handler(fast);
    await runChains(handler, 5);
    const result = await handler.flush({ timeoutMs: 15_000 });
    expect(result).toMatchObject({ timedOut: false, failed: 0 });
    expectAllOnce(5);
    // 30 items queued; without the gate each would fail several times on its own (>= 30 refusals).
    const refused = hh.collector.requests.filter((r) => r.status === 503).length;
    expect(refused).toBeLessThan(16);
  });
});

describe("ordering under a backlog", () => {
  it("sessions are created before their events and events before their updates, across gathered batches", async () => {
    // A slow server lets a backlog build, so batches gather events past session starts and updates.
    hh.collector.setFaults(() => ({ delayMs: 20 }));
    const handler = hh.handler({ ...fast, concurrency: 4 });
    const runIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const runId = `01937b0e-cccc-7000-8000-${String(i).padStart(12, "0")}`;
      runIds.push(runId);
      await smallChain().invoke({ name: `b${i}` }, { callbacks: [handler], runId });
      handler.enrichEvent(runId, { feedback: { rating: i } });
    }
    const result = await handler.flush({ timeoutMs: 15_000 });
    expect(result).toMatchObject({ failed: 0, dropped: 0, timedOut: false });
    const { requests, events, sessions } = hh.collector;
    expect(events).toHaveLength(12 * EVENTS_PER_SMALL_CHAIN);
    expect(sessions).toHaveLength(12);
    for (const [i, id] of runIds.entries())
      expect(events.find((e) => e.event_id === id)?.feedback).toEqual({ rating: i });
    // Gathering worked: fewer batch requests than chains.
    const batches = requests.filter((r) => r.path === "/v1/events/batch");
    expect(batches.length).toBeLessThan(12);
    // Order on arrival: each event's session came first; each update came after its event.
    const arrival = (pred: (r: (typeof requests)[number]) => boolean) => requests.findIndex(pred);
    for (const s of sessions) expect(sessionPrecedesEvents(requests, s.session_id)).toBe(true);
    for (const id of runIds) {
      const eventAt = arrival((r) => postedEventIds(r).includes(id));
      expect(eventAt).toBeGreaterThanOrEqual(0);
      expect(arrival((r) => r.method === "PUT" && r.path === `/v1/events/${id}`)).toBeGreaterThan(eventAt);
    }
  });
});

describe("permanent failures", () => {
  it("an event the server always rejects with 400 is not retried and is reported once, by id", async () => {
    const { lines, logger } = memoryLogger();
    const failing = RunnableLambda.from((x: string) => x).withConfig({ runName: "rejected_step" });
    hh.collector.setFaults(({ body }) =>
      (body as { event_name?: string })?.event_name === "rejected_step"
        ? { status: 400, body: { success: false, message: "inputs too strange" } }
        : undefined,
    );
    const errors: Error[] = [];
    // A fixed session id: the session is created on its own and the event goes alone (a session
    // riding in the event's batch would be refused with it; that fallback has its own test).
    const handler = hh.handler({ ...fast, logger, onError: (e) => errors.push(e), sessionId: "s-400" });
    await failing.invoke("x", { callbacks: [handler] });
    const result = await handler.flush();
    expect(result.failed).toBe(1);
    const attempts = hh.collector.requests.filter(
      (r) => (r.body as { event_name?: string })?.event_name === "rejected_step",
    );
    expect(attempts).toHaveLength(1);
    const id = String((attempts[0]?.body as { event_id?: string } | undefined)?.event_id);
    const reported = lines.filter((l) => l.level === "error");
    expect(reported).toHaveLength(1);
    expect(reported[0]?.message).toContain("400");
    expect(reported[0]?.message).toContain("inputs too strange");
    expect(reported[0]?.message).toContain(id);
    expect(errors).toHaveLength(1);
    // The session itself still went through.
    expect(hh.collector.sessions).toHaveLength(1);
  });

  it("a server that refuses sessions inside batches gets everything again the classic way, once, and quietly", async () => {
    hh.collector.setFaults(({ path, body }) =>
      path === "/v1/events/batch" &&
      (body as { events?: { event_type?: string }[] }).events?.some((e) => e.event_type === "session")
        ? { status: 400, body: { message: "event_type session is not accepted in a batch" } }
        : undefined,
    );
    const { lines, logger } = memoryLogger();
    const errors: Error[] = [];
    const handler = hh.handler({ ...fast, logger, onError: (e) => errors.push(e) });
    await runChains(handler, 3);
    await handler.flush();
    // Later roots go the classic way from the start.
    await runChains(handler, 2);
    const result = await handler.flush();
    expect(result).toMatchObject({ failed: 0, timedOut: false, dropped: 0 });
    expectAllOnce(5);
    expect(errors).toEqual([]);
    expect(lines.filter((l) => l.level === "warn" || l.level === "error")).toEqual([]);
    const { requests } = hh.collector;
    // The batch, then its first session item alone: that shows the server takes no session items
    // (SPEC §5: fall back to POST /v1/sessions only when the session item itself is refused).
    expect(requests.filter((r) => r.status === 400)).toHaveLength(2);
    expect(requests.filter((r) => r.path === "/v1/sessions" && r.status === 200)).toHaveLength(5);
    for (const s of hh.collector.sessions) {
      expect(
        sessionPrecedesEvents(
          requests.filter((r) => r.status === 200),
          s.session_id,
        ),
      ).toBe(true);
    }
  });

  it("after one refused batch, sessions still waiting to ride along are created the classic way too", async () => {
    hh.collector.setFaults(({ path, body }) =>
      path === "/v1/events/batch" &&
      (body as { events?: { event_type?: string }[] }).events?.some((e) => e.event_type === "session")
        ? { status: 400, delayMs: 50, body: { message: "event_type session is not accepted in a batch" } }
        : undefined,
    );
    // One request at a time and one root per batch: the other roots wait while the first is refused.
    const handler = hh.handler({ ...fast, concurrency: 1, batchSize: EVENTS_PER_SMALL_CHAIN + 1 });
    await runChains(handler, 6);
    const result = await handler.flush({ timeoutMs: 15_000 });
    expect(result).toMatchObject({ failed: 0, timedOut: false });
    expectAllOnce(6);
    // The first batch and its session item alone; the sessions waiting behind it never ride along.
    expect(hh.collector.requests.filter((r) => r.status === 400)).toHaveLength(2);
  });

  it("401 is reported once as a key problem, and the key appears in no log line, error or event", async () => {
    const key = "sk-super-secret-key-0042";
    const { lines, logger } = memoryLogger();
    hh.collector.setFaults(() => ({ status: 401, body: { message: `invalid key ${key}` } }));
    const errors: Error[] = [];
    const handler = hh.handler({
      ...fast,
      apiKey: key,
      logger,
      verbose: true,
      onError: (e) => errors.push(e),
    });
    await runChains(handler, 2);
    const result = await handler.flush();
    expect(result.sent).toBe(0);
    // Each root: its events and one session creation (complete: no separate update).
    // Both roots' sessions ride in their events' batch (complete: no separate update).
    expect(result.failed).toBe(2 * EVENTS_PER_SMALL_CHAIN + 2);
    const keyLines = lines.filter((l) => l.message.includes("API key"));
    expect(keyLines).toHaveLength(1);
    expect(keyLines[0]?.message).toContain("401");
    for (const l of lines) expect(l.message).not.toContain(key);
    for (const e of errors) expect(`${e.message} ${e.stack}`).not.toContain(key);
    for (const r of hh.collector.requests) expect(JSON.stringify(r.body)).not.toContain(key);
  });

  it("with the server down for good, giving up is warned once, not once per event (onError still gets each)", async () => {
    const port = await closedPort();
    const { lines, logger } = memoryLogger();
    const errors: Error[] = [];
    const handler = new HoneyHiveHandler({
      apiKey: "k-123456",
      serverUrl: `http://127.0.0.1:${port}`,
      logger,
      retryBudgetMs: 400,
      maxRetries: 2,
      onError: (e) => errors.push(e),
    });
    // Apart in time, so each root is a request of its own (together they would share one batch).
    for (let i = 0; i < 3; i++) {
      await smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] });
      await new Promise((r) => setTimeout(r, 50));
    }
    const result = await handler.flush({ timeoutMs: 10_000 });
    await handler.shutdown({ timeoutMs: 100 });
    expect(result.failed).toBe(3 * (EVENTS_PER_SMALL_CHAIN + 1));
    const warnings = lines.filter((l) => l.level === "warn" || l.level === "error");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain("giving up");
    expect(errors.length).toBeGreaterThanOrEqual(3);
  });

  it("with the server down for good, the app is unaffected and flush() returns by its deadline", async () => {
    const port = await closedPort();
    const { logger } = memoryLogger();
    const handler = new HoneyHiveHandler({
      apiKey: "k-123456",
      serverUrl: `http://127.0.0.1:${port}`,
      logger,
    });
    const answer = await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
    expect(answer).toBe("hello");
    const started = Date.now();
    const result = await handler.flush({ timeoutMs: 400 });
    const took = Date.now() - started;
    expect(result.timedOut).toBe(true);
    expect(result.sent).toBe(0);
    // Hang guard: flush() gave up at its own 400 ms deadline, not at the 10 s default
    // flushTimeoutMs or the 60 s retry budget it would wait out otherwise.
    expect(took).toBeLessThan(10_000);
    const shut = await handler.shutdown({ timeoutMs: 200 });
    expect(shut.timedOut).toBe(true);
    // Idempotent and never rejects.
    await expect(handler.shutdown()).resolves.toBeDefined();
    await expect(handler.flush()).resolves.toBeDefined();
  });
});

describe("never stuck", () => {
  it("a server that sends headers and then drips the body: each request ends at its deadline, delivery goes on", async () => {
    // Fewer drips than attempts: every chain's first request drips (a root is one request now).
    const server = await drippingServer(3);
    try {
      const handler = new HoneyHiveHandler({
        apiKey: "drip-key",
        serverUrl: server.url,
        requestTimeoutMs: 600,
        concurrency: 8,
        logger: memoryLogger().logger,
      });
      for (let i = 0; i < 3; i++) await smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] });
      const result = await handler.flush({ timeoutMs: 15_000 });
      expect(server.dripped).toBe(3);
      expect(result.timedOut).toBe(false);
      expect(result.failed).toBe(0);
      const eventIds = new Set<string>();
      for (const b of server.bodies as {
        event_id?: string;
        events?: { event_id: string; event_type: string }[];
      }[]) {
        if (b.event_id) eventIds.add(b.event_id);
        for (const e of b.events ?? []) if (e.event_type !== "session") eventIds.add(e.event_id);
      }
      expect(eventIds.size).toBe(3 * EVENTS_PER_SMALL_CHAIN);
      await handler.shutdown();
    } finally {
      await server.close();
    }
  }, 30_000);

  it("a 500 with a 50 MB body: only the first bytes are read, on every retry", async () => {
    const server = await hugeErrorServer(3);
    try {
      const handler = new HoneyHiveHandler({
        apiKey: "big-key",
        serverUrl: server.url,
        logger: memoryLogger().logger,
      });
      await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
      const result = await handler.flush({ timeoutMs: 15_000 });
      expect(result.failed).toBe(0);
      expect(server.ok).toBeGreaterThan(0);
      expect(server.taken).toHaveLength(3);
      // Written as fast as the client read it: a client reading the whole body would take 50 MB each time.
      for (const bytes of server.taken) expect(bytes).toBeLessThan(16 * 1024 * 1024);
      await handler.shutdown();
    } finally {
      await server.close();
    }
  }, 30_000);

  it("a self-signed certificate is not retried: reported once, flush returns at once", async () => {
    const server = await selfSignedServer();
    try {
      const { lines, logger } = memoryLogger();
      const handler = new HoneyHiveHandler({
        apiKey: "tls-key",
        serverUrl: server.url,
        logger,
        maxRetries: 6,
      });
      await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
      const result = await handler.flush({ timeoutMs: 10_000 });
      // "At once" without a clock (the deadline is the hang guard): it ended before its deadline
      // with nothing retried; a certificate error taken for a transient one would retry until
      // the deadline (timedOut).
      expect(result.timedOut).toBe(false);
      expect(result.retried).toBe(0);
      expect(result.failed).toBeGreaterThan(0);
      // One attempt per request: the session, then its events (nothing retried).
      expect(server.connections()).toBeLessThanOrEqual(2);
      const errorLines = lines.filter((l) => l.level === "error" || l.level === "warn");
      expect(errorLines.map((l) => l.message)).toHaveLength(1);
      expect(errorLines[0]?.message).toMatch(/certificate|CERT/i);
      await handler.shutdown();
    } finally {
      await server.close();
    }
  });
});

describe("quiet logs", () => {
  it("a 400 for every event is logged once (with a count later), not once per event; onError gets each", async () => {
    hh.collector.setFaults(({ path }) =>
      path.startsWith("/v1/events") ? { status: 400, body: { message: "bad" } } : undefined,
    );
    const { lines, logger } = memoryLogger();
    const errors: Error[] = [];
    const handler = hh.handler({ logger, onError: (e) => errors.push(e) });
    for (let i = 0; i < 100; i++) await smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] });
    await handler.flush();
    const printed = lines.filter((l) => l.level === "error" || l.level === "warn");
    expect(printed).toHaveLength(1);
    expect(printed[0]?.message).toContain("400");
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });

  it("a wrong path (an extra /v1 in the URL) prints one line that says what to check", async () => {
    const { lines, logger } = memoryLogger();
    const handler = hh.handler({ serverUrl: `${hh.collector.url}/v1`, logger });
    for (let i = 0; i < 100; i++) await smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] });
    await handler.flush();
    const printed = lines.filter((l) => l.level === "error" || l.level === "warn");
    expect(printed.length).toBeLessThanOrEqual(2);
    expect(printed[0]?.message).toMatch(/HH_API_URL|serverUrl/);
  });
});
