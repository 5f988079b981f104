/** One clock: durations come from the monotonic clock even when the wall clock steps. */
import { describe, expect, it } from "vitest";
import { startCollector } from "../../src/collector/index.js";
import { lastJson, runFixture } from "../helpers/child.js";
import { EVENTS_PER_SMALL_CHAIN } from "../helpers/workloads.js";

/** Times and durations are written to the microsecond (a bare difference has a long binary fraction). */
const microseconds = (ms: number) => Math.round(ms * 1000) / 1000;

describe("one clock", () => {
  it("duration equals end_time − start_time (to the µs), and comes from the monotonic clock, when Date.now steps", async () => {
    const collector = await startCollector();
    try {
      const result = await runFixture("stepped-clock.ts", { COLLECTOR_URL: collector.url });
      expect(result.stderr).toBe("");
      const { longest } = lastJson<{ longest: number }>(result);
      expect(collector.events).toHaveLength(3 * EVENTS_PER_SMALL_CHAIN);
      for (const e of collector.events) {
        expect(e.duration).toBe(microseconds((e.end_time as number) - (e.start_time as number)));
        // No run lasted longer than the longest invoke measured around it (the stepping wall
        // clock would add 7 ms for every Date.now() call in between).
        expect(e.duration).toBeLessThanOrEqual(longest + 0.01);
      }
      for (const s of collector.sessions) {
        expect(s.duration).toBe(microseconds((s.end_time as number) - (s.start_time as number)));
      }
    } finally {
      await collector.close();
    }
  });
});
