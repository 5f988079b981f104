/** Shutdown: callbacks after it are no-ops, and overlapping shutdowns each keep their own deadline. */
import { describe, expect, it } from "vitest";
import { useCollector } from "../helpers/setup.js";
import { smallChain } from "../helpers/workloads.js";

const hh = useCollector();

describe("lifecycle", () => {
  it("after shutdown, callbacks are no-ops and nothing more is sent", async () => {
    const handler = hh.handler();
    await smallChain().invoke({ name: "before" }, { callbacks: [handler] });
    await handler.shutdown();
    const count = hh.collector.requests.length;
    expect(await smallChain().invoke({ name: "after" }, { callbacks: [handler] })).toBe("hello");
    await new Promise((r) => setTimeout(r, 50));
    expect(hh.collector.requests.length).toBe(count);
    expect(handler.stats().openRuns).toBe(0);
  });
});

describe("overlapping shutdowns", () => {
  it("a second shutdown({ timeoutMs }) returns by its own deadline, not the first one's", async () => {
    hh.collector.setFaults(() => ({ delayMs: 4_000 }));
    const handler = hh.handler({ requestTimeoutMs: 10_000 });
    await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
    const settled: string[] = [];
    const first = handler.shutdown({ timeoutMs: 3_000 }).then((r) => {
      settled.push("first");
      return r;
    });
    const second = await handler.shutdown({ timeoutMs: 200 });
    settled.push("second");
    // An order, not a time: the 200 ms shutdown returned while the 3 s one was still waiting.
    expect(settled).toEqual(["second"]);
    expect(second.timedOut).toBe(true);
    expect((await first).timedOut).toBe(true);
    expect(settled).toEqual(["second", "first"]);
  });
});

describe("flush from a callback on LangChain's background queue", () => {
  it("an app handler without awaitHandlers that calls flush() is not made to wait for itself", async () => {
    const { BaseCallbackHandler } = await import("@langchain/core/callbacks/base");
    const { awaitAllCallbacks } = await import("@langchain/core/callbacks/promises");
    const handler = hh.handler({ flushTimeoutMs: 5_000 });
    const seen: string[] = [];
    const results: { timedOut: boolean; sent: number }[] = [];
    // LangChain runs this handler's callbacks on its shared queue, one at a time (the default).
    class FlushAtEnd extends BaseCallbackHandler {
      name = "flush_at_end";
      override async handleChainEnd(_o: unknown, _id: string, parentRunId?: string): Promise<void> {
        if (parentRunId !== undefined) return;
        results.push(await handler.flush());
        seen.push("flushed");
      }
      override async handleChainStart(): Promise<void> {
        seen.push("start");
      }
    }
    const app = new FlushAtEnd();
    expect(app.awaitHandlers).toBe(false);
    await smallChain().invoke({ name: "a" }, { callbacks: [handler, app] });
    await smallChain().invoke({ name: "b" }, { callbacks: [handler, app] });
    // Both flushes returned well before flushTimeoutMs (5 s): the queue drains within this hang guard.
    await Promise.race([awaitAllCallbacks(), new Promise((r) => setTimeout(r, 4_000))]);
    expect(seen.filter((s) => s === "flushed")).toHaveLength(2);
    // The truth: each flush delivered what was recorded before it.
    expect(results.map((r) => r.timedOut)).toEqual([false, false]);
    expect(hh.collector.sessions).toHaveLength(2);
  });
});
