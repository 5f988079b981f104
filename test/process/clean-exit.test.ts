/**
 * A script that runs a chain and returns must exit promptly with all its events delivered,
 * without calling flush() — and must not hang when the server is down.
 */
import { describe, expect, it } from "vitest";
import { startCollector } from "../../src/collector/index.js";
import { runFixture } from "../helpers/child.js";
import { closedPort, EVENTS_PER_SMALL_CHAIN } from "../helpers/workloads.js";

/** The app: runs CHAINS small chains, prints "done", returns without flush(). */
function runScript(env: Record<string, string>, onStdout?: (text: string) => void) {
  return runFixture("exit-without-flush.ts", env, { mark: "done", killAfterMs: 30_000, onStdout });
}

describe("a script that never calls flush()", () => {
  it("exits promptly with every event delivered", async () => {
    const collector = await startCollector();
    try {
      const result = await runScript({ COLLECTOR_URL: collector.url, CHAINS: "3" });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe("done");
      expect(collector.events).toHaveLength(3 * EVENTS_PER_SMALL_CHAIN);
      expect(collector.sessions).toHaveLength(3);
      expect(collector.sessions.every((s) => s.outputs !== undefined)).toBe(true);
      // Hang guard, counted from "done" (not from spawn: tsx start-up is the machine's business):
      // a drain held by an idle socket or timer would wait out the 10 s flushTimeoutMs.
      expect(result.msAfterMark).toBeLessThan(10_000);
    } finally {
      await collector.close();
    }
  });

  it("keeps retrying on exit (within the deadline) and delivers once the server comes back", async () => {
    const port = await closedPort();
    let late: Awaited<ReturnType<typeof startCollector>> | undefined;
    let starting: Promise<void> | undefined;
    try {
      const result = await runScript(
        { COLLECTOR_URL: `http://127.0.0.1:${port}`, CHAINS: "2", FLUSH_TIMEOUT_MS: "6000" },
        (out) => {
          // The chains have run and their first sends were refused: now bring the server up.
          if (out.includes("done") && !starting) {
            starting = new Promise((r) => setTimeout(r, 300)).then(async () => {
              late = await startCollector({ port });
            });
          }
        },
      );
      await starting;
      expect(result.code).toBe(0);
      expect(late?.events).toHaveLength(2 * EVENTS_PER_SMALL_CHAIN);
      expect(late?.sessions).toHaveLength(2);
    } finally {
      await late?.close();
    }
  });
});
