/** Timestamps taken when the work happens, even with a slow neighbour handler. */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();

describe("timing", () => {
  it("a 150 ms step is recorded as ~150 ms even when another handler's callbacks take 20 ms each", async () => {
    class SlowHandler extends BaseCallbackHandler {
      name = "slow";
      async slow() {
        await new Promise((r) => setTimeout(r, 20));
      }
      override handleChainStart() {
        return this.slow();
      }
      override handleChainEnd() {
        return this.slow();
      }
    }
    const slow = new SlowHandler();
    expect(slow.awaitHandlers).toBe(false); // the other handler is backgrounded, as by default
    const handler = hh.handler();
    // What the app itself observes, on the clock the handler measures durations with.
    const seen = { firstEnd: 0, stepStart: 0, stepEnd: 0, instantStart: 0 };
    const step = RunnableLambda.from(async (x: number) => {
      seen.stepStart = performance.now();
      await new Promise((r) => setTimeout(r, 150));
      seen.stepEnd = performance.now();
      return x;
    }).withConfig({ runName: "sleep150" });
    const fast = RunnableLambda.from((x: number) => {
      seen.instantStart = performance.now();
      return x;
    }).withConfig({ runName: "instant" });
    const seq = RunnableLambda.from((x: number) => {
      seen.firstEnd = performance.now();
      return x;
    })
      .pipe(step)
      .pipe(fast)
      .withConfig({ runName: "outer" });
    await seq.invoke(1, { callbacks: [slow, handler] });
    const returned = performance.now();
    await handler.flush();
    const { events } = hh.collector;
    const sleep = byName(events, "sleep150");
    const instant = byName(events, "instant");
    // No timed bounds (CONTRIBUTING): the recorded span must lie between what the app saw happen
    // around it, whatever the machine's speed. Stamped inline, sleep150 starts after the step
    // before it returned and ends before the next step began; queued behind the slow handler
    // (20 ms a callback), its stamps would fall outside that window. The lower bounds are the
    // timer's: it never fires early (1 ms of slack for the clock's rounding).
    expect(sleep.duration).toBeGreaterThanOrEqual(148);
    expect(sleep.duration).toBeGreaterThanOrEqual(seen.stepEnd - seen.stepStart - 1);
    expect(sleep.duration as number).toBeLessThanOrEqual(seen.instantStart - seen.firstEnd + 1);
    expect(instant.duration as number).toBeLessThanOrEqual(returned - seen.stepEnd + 1);
    // The same order in the stamps themselves: sleep150 ended before instant started.
    expect(instant.start_time as number).toBeGreaterThanOrEqual((sleep.end_time as number) - 1);
    // start/end stamps agree with the duration.
    expect(
      Math.abs((sleep.end_time as number) - (sleep.start_time as number) - (sleep.duration as number)),
    ).toBeLessThan(3);
  });
});
