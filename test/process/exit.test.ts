/**
 * Exit timing of an app that never calls flush() (or whose flush() timed out): it exits soon after
 * its work, with everything delivered, and never waits out a dead or hanging server twice.
 */
import { describe, expect, it } from "vitest";
import { startCollector } from "../../src/collector/index.js";
import { runFixture } from "../helpers/child.js";
import { hangingServer } from "../helpers/faulty-servers.js";
import { closedPort, EVENTS_PER_SMALL_CHAIN } from "../helpers/workloads.js";

describe("exit", () => {
  it("20 invokes against a server that answers in 300 ms: the script exits soon after its last invoke, everything delivered", async () => {
    const collector = await startCollector();
    collector.setFaults(() => ({ delayMs: 300 }));
    try {
      const result = await runFixture(
        "exit-without-flush.ts",
        { COLLECTOR_URL: collector.url, CHAINS: "20", FLUSH_TIMEOUT_MS: "20000" },
        { mark: "done" },
      );
      expect(result.code).toBe(0);
      expect(collector.events).toHaveLength(20 * EVENTS_PER_SMALL_CHAIN);
      expect(collector.sessions.filter((s) => s.outputs !== undefined)).toHaveLength(20);
      // Hang guard, not a timing budget (the README's 2 s figure is the bench's business): the
      // exit drain ends when everything is delivered, not at its 20 s deadline.
      expect(result.msAfterMark).toBeLessThan(10_000);
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
    expect(result.stdout.trim()).toBe("done");
    // Hang guard: well past its own 1.5 s deadline, but short of the 10 s default flushTimeoutMs
    // and of the retry budget, which an exit that ignored the option would wait out.
    expect(result.msAfterMark).toBeLessThan(10_000);
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
          { COLLECTOR_URL: url, FLUSH_MS: "800", FLUSH_TIMEOUT_MS: "20000" },
          { mark: "flushed" },
        );
        expect(result.code).toBe(0);
        expect(result.stdout).toContain("flushed true");
        // Hang guard: a second drain at exit would wait out flushTimeoutMs (20 s here; it was
        // 10 s dead and 21 s hanging with the default 10 s), so under 10 s means it did not.
        expect(result.msAfterMark).toBeLessThan(10_000);
      } finally {
        await hanging?.close();
      }
    });
  }
});
