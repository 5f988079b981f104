/**
 * Delivery under the conditions a real app creates: tight loops, bursts, mutated values, large
 * values, servers that drip, hang, refuse or present a bad certificate, masks that never settle,
 * a handler per request, process exit, a wall clock that steps. Each test names the promise it
 * checks (SPEC §4 capture, §5 delivery).
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { startCollector } from "../src/collector/index.js";
import { HoneyHiveHandler } from "../src/index.js";
import { lastJson, runFixture } from "./helpers/child.js";
import {
  drippingServer,
  hangingServer,
  hugeErrorServer,
  selfSignedServer,
} from "./helpers/faulty-servers.js";
import { ScriptedChatModel } from "./helpers/scripted-model.js";
import { useCollector } from "./helpers/setup.js";
import { closedPort, EVENTS_PER_SMALL_CHAIN, memoryLogger, smallChain } from "./helpers/workloads.js";

const hh = useCollector({ allowRejections: true });

interface LoadResult {
  ms: number;
  before: { sent: number; dropped: number; droppedSessions: number };
  after: { sent: number; dropped: number; droppedSessions: number; failed: number; timedOut: boolean };
}

describe("keeping up with the app", () => {
  it("a tight loop of 20,000 invokes: nothing dropped, every session completed, most of it sent before flush()", async () => {
    const collector = await startCollector();
    try {
      const result = await runFixture(
        "load.ts",
        { COLLECTOR_URL: collector.url, INVOKES: "20000" },
        { killAfterMs: 240_000 },
      );
      expect(result.stderr).toBe("");
      const { before, after } = lastJson<LoadResult>(result);
      expect(after).toMatchObject({ dropped: 0, droppedSessions: 0, failed: 0, timedOut: false });
      expect(collector.events).toHaveLength(20_000 * EVENTS_PER_SMALL_CHAIN);
      expect(collector.sessions).toHaveLength(20_000);
      expect(collector.sessions.every((s) => s.outputs !== undefined)).toBe(true);
      expect(collector.duplicates.size).toBe(0);
      // ≥ 95 % of what was recorded had reached the server when flush() was called.
      expect(before.sent / after.sent).toBeGreaterThanOrEqual(0.95);
      // Coalesced: about one request per root (its session), events travel in batches.
      expect(collector.requests.length / 20_000).toBeLessThanOrEqual(1.2);
    } finally {
      await collector.close();
    }
  }, 300_000);

  it("a burst of 3,000 concurrent invokes against a slow server with a small byte bound: whole sessions kept or dropped", async () => {
    const collector = await startCollector();
    collector.setFaults(() => ({ delayMs: 20 }));
    try {
      const result = await runFixture(
        "load.ts",
        { COLLECTOR_URL: collector.url, INVOKES: "3000", BURST: "1", MAX_QUEUE_BYTES: "40000" },
        { killAfterMs: 240_000 },
      );
      expect(result.stderr).toContain("dropping new sessions");
      const { after } = lastJson<LoadResult>(result);
      expect(after.timedOut).toBe(false);
      expect(after.droppedSessions).toBeGreaterThan(0);
      const kept = collector.sessions.length;
      expect(kept).toBeGreaterThan(0);
      expect(kept + after.droppedSessions).toBe(3000);
      expect(after.dropped).toBe(after.droppedSessions * EVENTS_PER_SMALL_CHAIN);
      // None half: every session that was let in has all its events and its completion.
      expect(collector.events).toHaveLength(kept * EVENTS_PER_SMALL_CHAIN);
      for (const s of collector.sessions) expect(s.outputs).toEqual({ output: "hello" });
    } finally {
      await collector.close();
    }
  }, 300_000);
});

describe("values are captured when the callback reports them", () => {
  it("a chat loop that pushes onto its messages array: each turn records what it saw", async () => {
    const handler = hh.handler({ sessionId: "chat-loop" });
    const model = new ScriptedChatModel({ replies: [{ content: "hi!" }, { content: "fine." }] });
    const turn = RunnableLambda.from(async (messages: { role: string; content: string }[]) => {
      const reply = await model.invoke(messages.map((m) => [m.role, m.content] as [string, string]));
      return reply.content;
    }).withConfig({ runName: "turn" });
    const messages = [{ role: "user", content: "hello" }];
    messages.push({
      role: "assistant",
      content: String(await turn.invoke(messages, { callbacks: [handler] })),
    });
    messages.push({ role: "user", content: "how are you?" });
    await turn.invoke(messages, { callbacks: [handler] });
    await handler.flush();
    const turns = hh.collector.events.filter((e) => e.event_name === "turn");
    expect(turns).toHaveLength(2);
    const first = turns.sort((a, b) => (a.start_time as number) - (b.start_time as number))[0];
    expect(JSON.stringify(first?.inputs)).not.toContain("how are you?");
    expect(JSON.stringify(hh.collector.sessions[0]?.inputs)).not.toContain("how are you?");
  });
});

describe("memory is bounded by bytes", () => {
  it("200 runs with 1 MB inputs against a slow server: the heap stays bounded, new roots are refused", async () => {
    const collector = await startCollector();
    collector.setFaults(() => ({ delayMs: 400 }));
    try {
      const result = await runFixture(
        "large-inputs.ts",
        { COLLECTOR_URL: collector.url },
        { nodeArgs: ["--expose-gc"] },
      );
      const { grownMb, stats } = lastJson<{ grownMb: number; stats: { droppedSessions: number } }>(result);
      expect(stats.droppedSessions).toBeGreaterThan(0);
      // 200 MB of inputs; the bound is 16 MB of serialized text (a JS string may take 2 bytes a char).
      expect(grownMb).toBeLessThan(80);
    } finally {
      await collector.close();
    }
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

  it("a mask that never settles withholds the field after maskTimeoutMs; nothing else waits", async () => {
    const errors: Error[] = [];
    const handler = hh.handler({
      mask: (value, { field }) => (field === "inputs" ? new Promise(() => {}) : value),
      maskTimeoutMs: 200,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 3; i++) await smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] });
    const result = await handler.flush({ timeoutMs: 5_000 });
    expect(result.timedOut).toBe(false);
    expect(hh.collector.events).toHaveLength(3 * EVENTS_PER_SMALL_CHAIN);
    for (const e of hh.collector.events)
      expect(e.inputs).toEqual({ masked: "[masking failed: field withheld]" });
    expect(errors.some((e) => e.message.includes("maskTimeoutMs"))).toBe(true);
  });

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
      const started = Date.now();
      const result = await handler.flush({ timeoutMs: 10_000 });
      expect(result.timedOut).toBe(false);
      expect(Date.now() - started).toBeLessThan(5_000);
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

describe("one pool per server and key", () => {
  it("1,000 requests with a handler each: sockets and file descriptors stay bounded", async () => {
    const collector = await startCollector();
    try {
      const result = await runFixture("handlers-per-request.ts", { COLLECTOR_URL: collector.url });
      expect(result.stderr).toBe("");
      const { peakSockets, fds } = lastJson<{ peakSockets: number; fds: number }>(result);
      expect(collector.sessions).toHaveLength(1000);
      expect(peakSockets).toBeLessThanOrEqual(8);
      expect(fds).toBeLessThan(100);
    } finally {
      await collector.close();
    }
  }, 120_000);
});

describe("exit", () => {
  it("20 invokes against a server that answers in 300 ms: the script exits soon after its last invoke, everything delivered", async () => {
    const collector = await startCollector();
    collector.setFaults(() => ({ delayMs: 300 }));
    try {
      const result = await runFixture(
        "exit-without-flush.ts",
        { COLLECTOR_URL: collector.url, CHAINS: "20" },
        { mark: "done" },
      );
      expect(result.code).toBe(0);
      expect(collector.events).toHaveLength(20 * EVENTS_PER_SMALL_CHAIN);
      expect(collector.sessions.filter((s) => s.outputs !== undefined)).toHaveLength(20);
      // Budget 2 s (README); generous here for a loaded CI machine. It was 6.5 s.
      expect(result.msAfterMark).toBeLessThan(3_000);
    } finally {
      await collector.close();
    }
  });

  it("server down: exits within flushTimeoutMs of returning", async () => {
    const port = await closedPort();
    const result = await runFixture(
      "exit-without-flush.ts",
      { COLLECTOR_URL: `http://127.0.0.1:${port}`, CHAINS: "3", FLUSH_TIMEOUT_MS: "1500" },
      { mark: "done" },
    );
    expect(result.code).toBe(0);
    expect(result.msAfterMark).toBeLessThan(1_500 + 700);
    // Said once, so an app that never calls flush() learns its events were not delivered.
    expect(result.stderr.match(/not delivered/g)).toHaveLength(1);
  });

  for (const kind of ["dead", "hanging"] as const) {
    it(`${kind} server: after a flush() that timed out, exit does not wait again`, async () => {
      const hanging = kind === "hanging" ? await hangingServer() : undefined;
      const url = hanging?.url ?? `http://127.0.0.1:${await closedPort()}`;
      try {
        const result = await runFixture(
          "exit-after-flush.ts",
          { COLLECTOR_URL: url, FLUSH_MS: "800" },
          { mark: "flushed" },
        );
        expect(result.code).toBe(0);
        expect(result.stdout).toContain("flushed true");
        // It was 10 s (dead) and 21 s (hanging).
        expect(result.msAfterMark).toBeLessThan(700);
      } finally {
        await hanging?.close();
      }
    });
  }
});

describe("one clock", () => {
  it("duration equals end_time − start_time, and comes from the monotonic clock, when Date.now steps", async () => {
    const collector = await startCollector();
    try {
      const result = await runFixture("stepped-clock.ts", { COLLECTOR_URL: collector.url });
      expect(result.stderr).toBe("");
      const { longest } = lastJson<{ longest: number }>(result);
      expect(collector.events).toHaveLength(3 * EVENTS_PER_SMALL_CHAIN);
      for (const e of collector.events) {
        expect(e.duration).toBe((e.end_time as number) - (e.start_time as number));
        // No run lasted longer than the longest invoke measured around it (the stepping wall
        // clock would add 7 ms for every Date.now() call in between).
        expect(e.duration).toBeLessThanOrEqual(longest + 0.01);
      }
      for (const s of collector.sessions) {
        expect(s.duration).toBe((s.end_time as number) - (s.start_time as number));
      }
    } finally {
      await collector.close();
    }
  });
});
