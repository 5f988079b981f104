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
