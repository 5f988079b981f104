/**
 * Load in a child process (the app) against the collector: a tight loop and a burst keep up with
 * the app without dropping or splitting sessions; memory stays bounded by bytes.
 */
import { describe, expect, it } from "vitest";
import { startCollector } from "../../src/collector/index.js";
import { lastJson, runFixture } from "../helpers/child.js";
import { EVENTS_PER_SMALL_CHAIN } from "../helpers/workloads.js";

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

describe("nothing of a root's values is kept once it is delivered, completed or refused", () => {
  for (const mode of ["thread", "linked", "refused"] as const) {
    it(`2,000 roots with 100 KB inputs (${mode}): the retained heap does not grow with them`, async () => {
      const collector = await startCollector();
      // Slow enough that roots are refused for memory in the refused mode.
      if (mode === "refused") collector.setFaults(() => ({ delayMs: 50 }));
      try {
        const result = await runFixture(
          "retained-roots.ts",
          { COLLECTOR_URL: collector.url, MODE: mode },
          { nodeArgs: ["--expose-gc"], killAfterMs: 240_000 },
        );
        const { grownMb, stats } = lastJson<{
          grownMb: number;
          stats: { timedOut: boolean; droppedSessions: number };
        }>(result);
        expect(stats.timedOut).toBe(false);
        if (mode === "refused") expect(stats.droppedSessions).toBeGreaterThan(0);
        // 2,000 × 100 KB = 200 MB of inputs (400 MB as JS strings) if each root kept its text.
        expect(grownMb).toBeLessThan(20);
      } finally {
        await collector.close();
      }
    }, 300_000);
  }
});
