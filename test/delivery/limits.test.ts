/**
 * Bounds and conversions: the queue never blocks or grows without limit, oversized and
 * unserializable values never fail a request, runs that never end do not leak.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, useCollector } from "../helpers/setup.js";
import { EVENTS_PER_SMALL_CHAIN, memoryLogger, smallChain } from "../helpers/workloads.js";

const hh = useCollector();

describe("the queue", () => {
  it("does not hold up the app while the server hangs: invoke returns with requests still in flight", async () => {
    hh.collector.setFaults(() => ({ delayMs: 1500 }));
    const handler = hh.handler({ requestTimeoutMs: 5000 });
    const answer = await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
    expect(answer).toBe("hello");
    await new Promise((r) => setImmediate(r));
    const stats = handler.stats();
    expect(stats.sent).toBe(0);
    expect(stats.queued + stats.inFlight).toBeGreaterThan(0);
    await handler.flush({ timeoutMs: 10_000 });
    expect(handler.stats().sent).toBeGreaterThan(0);
  });

  it("past maxQueueBytes whole new sessions are dropped and counted, started ones kept whole; warns once, never blocks", async () => {
    hh.collector.setFaults(() => ({ delayMs: 1_000 }));
    const { lines, logger } = memoryLogger();
    const handler = hh.handler({ maxQueueBytes: 4_000, concurrency: 1, logger });
    const started = Date.now();
    for (let i = 0; i < 10; i++) await smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] });
    // Hang guard: an invoke that waited for queue space would wait for a request to finish (1 s
    // each, one connection), so the loop would take about 8 s; 10 small chains take milliseconds.
    expect(Date.now() - started).toBeLessThan(5_000);
    const stats = handler.stats();
    expect(stats.droppedSessions).toBeGreaterThan(0);
    expect(stats.droppedSessions).toBeLessThan(10);
    expect(lines.filter((l) => l.message.includes("dropping new sessions"))).toHaveLength(1);
    await handler.flush({ timeoutMs: 20_000 });
    const after = handler.stats();
    const { sessions, events } = hh.collector;
    expect(sessions.length + after.droppedSessions).toBe(10);
    expect(after.dropped).toBe(after.droppedSessions * EVENTS_PER_SMALL_CHAIN);
    // Every session that was let in arrived whole: all its events, and its completion.
    expect(events).toHaveLength(sessions.length * EVENTS_PER_SMALL_CHAIN);
    for (const s of sessions) expect(s.outputs).toEqual({ output: "hello" });
  });
});

describe("size limits", () => {
  it("an 8 MB input is truncated with a visible marker and still delivered under 5 MB", async () => {
    const handler = hh.handler();
    const huge = "x".repeat(8 * 1024 * 1024);
    const step = RunnableLambda.from((doc: { text: string }) => doc.text.length).withConfig({
      runName: "measure",
    });
    expect(await step.invoke({ text: huge }, { callbacks: [handler] })).toBe(huge.length);
    await handler.flush();
    const event = byName(hh.collector.events, "measure");
    expect(String(event.inputs.text)).toContain("…[truncated");
    expect(event.outputs).toEqual({ output: huge.length });
    for (const r of hh.collector.requests) expect(r.bytes).toBeLessThan(5 * 1024 * 1024);
  });

  it("a value with millions of nested objects is cut at a node budget and still delivered", async () => {
    const handler = hh.handler();
    const grid = Array.from({ length: 1500 }, (_, i) => Array.from({ length: 1500 }, (_, j) => ({ i, j })));
    await RunnableLambda.from(() => "ok")
      .withConfig({ runName: "grid" })
      .invoke({ grid }, { callbacks: [handler] });
    const result = await handler.flush();
    expect(result.failed).toBe(0);
    const event = byName(hh.collector.events, "grid");
    expect(JSON.stringify(event.inputs)).toContain("…[truncated: more than 100000 objects in one value]");
  });

  it("maxFieldLength sets the longest string kept", async () => {
    const handler = hh.handler({ maxFieldLength: 1000 });
    await RunnableLambda.from((s: string) => s.length)
      .withConfig({ runName: "len" })
      .invoke("y".repeat(5000), { callbacks: [handler] });
    await handler.flush();
    const input = String(byName(hh.collector.events, "len").inputs.input);
    expect(input.startsWith("y".repeat(1000))).toBe(true);
    expect(input).toContain("…[truncated 4000 characters]");
  });

  it("many medium fields that together exceed the request limit are shrunk until the event fits", async () => {
    const handler = hh.handler({ maxRequestBytes: 200_000 });
    const fields = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, "z".repeat(20_000)]));
    await RunnableLambda.from(() => "ok")
      .withConfig({ runName: "wide" })
      .invoke(fields, { callbacks: [handler] });
    await handler.flush();
    const event = byName(hh.collector.events, "wide");
    expect(Object.keys(event.inputs)).toHaveLength(50);
    const request = hh.collector.requests.find(
      (r) => (r.body as { event_id?: string })?.event_id === event.event_id,
    );
    expect(request?.bytes).toBeLessThanOrEqual(200_000);
  });
});

describe("values JSON cannot carry", () => {
  it("are converted, never allowed to fail the request or poison the queue", async () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
      norm() {
        return Math.hypot(this.x, this.y);
      }
    }
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const input = {
      cyclic,
      big: 12345678901234567890n,
      map: new Map<unknown, unknown>([
        ["a", 1],
        [2, "two"],
      ]),
      set: new Set([1, 2]),
      date: new Date("2026-01-02T03:04:05.000Z"),
      error: new TypeError("bad thing"),
      buffer: Buffer.from("hello"),
      typed: new Float32Array(4),
      point: new Point(3, 4),
      fn: function helper() {},
      sym: Symbol("s"),
      undef: undefined,
      nan: Number.NaN,
      list: [undefined, () => 1],
    };
    const handler = hh.handler();
    const step = RunnableLambda.from(() => ({ again: input, when: new Date(0) })).withConfig({
      runName: "weird",
    });
    await step.invoke(input, { callbacks: [handler] });
    await smallChain().invoke({ name: "after" }, { callbacks: [handler] });
    const result = await handler.flush();
    expect(result.failed).toBe(0);
    const event = byName(hh.collector.events, "weird");
    const i = event.inputs as Record<string, unknown>;
    expect(i.cyclic).toEqual({ name: "loop", self: "[Circular]" });
    expect(i.big).toBe("12345678901234567890");
    expect(i.map).toEqual({ a: 1, "2": "two" });
    expect(i.set).toEqual([1, 2]);
    expect(i.date).toBe("2026-01-02T03:04:05.000Z");
    expect(i.error).toMatchObject({ name: "TypeError", message: "bad thing" });
    expect(i.buffer).toBe("[Buffer 5 bytes]");
    expect(i.typed).toBe("[Float32Array 16 bytes]");
    expect(i.point).toEqual({ x: 3, y: 4 });
    // As JSON (SPEC §4): NaN is null, a function in an array is null.
    expect(i.nan).toBeNull();
    expect(i.list).toEqual([null, null]);
    expect(i).not.toHaveProperty("fn");
    expect(i).not.toHaveProperty("sym");
    expect(i).not.toHaveProperty("undef");
    expect((event.outputs as { when: string }).when).toBe("1970-01-01T00:00:00.000Z");
    // The queue carried on: the next chain arrived whole.
    expect(hh.collector.events.filter((e) => e.event_name === "RunnableSequence")).toHaveLength(1);
  });
});

describe("runs that never end", () => {
  it("an abandoned stream is sent as unfinished on shutdown", async () => {
    const handler = hh.handler();
    const model = new ScriptedChatModel({ replies: [{ content: "one two three four five six" }] });
    for await (const _chunk of await model.stream("count", { callbacks: [handler] })) break;
    expect(handler.stats().openRuns).toBe(1);
    await handler.shutdown();
    const [event] = hh.collector.events;
    expect(event?.event_type).toBe("model");
    expect(event?.error).toMatch(/^RunNotEnded: /);
    expect(event?.metadata?.unfinished).toBe(true);
    expect(hh.collector.sessions[0]?.metadata?.error).toMatch(/^RunNotEnded: /);
  });

  it("open-run state is bounded by age and by count", async () => {
    const handler = hh.handler({ openRunTtlMs: 50, maxOpenRuns: 3 });
    const model = new ScriptedChatModel({ replies: [{ content: "a b c d" }] });
    for await (const _chunk of await model.stream("first", { callbacks: [handler] })) break;
    await new Promise((r) => setTimeout(r, 80));
    // Starting any run gives up on the stale one.
    await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
    expect(handler.stats().openRuns).toBe(0);
    for (let i = 0; i < 5; i++) {
      for await (const _chunk of await model.stream(`s${i}`, { callbacks: [handler] })) break;
    }
    expect(handler.stats().openRuns).toBeLessThanOrEqual(3);
    await handler.flush();
    const unfinished = hh.collector.events.filter((e) => e.metadata?.unfinished === true);
    expect(unfinished.length).toBeGreaterThanOrEqual(3);
  });
});
