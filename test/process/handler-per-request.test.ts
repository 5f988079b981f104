/**
 * A handler per request (as a web app may create them): each becomes garbage once delivered, and
 * all share one connection pool per server and key.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startCollector } from "../../src/collector/index.js";
import { lastJson, runFixture } from "../helpers/child.js";
import { EVENTS_PER_SMALL_CHAIN } from "../helpers/workloads.js";

describe("a handler per request", () => {
  it("each handler becomes garbage once its events are delivered", async () => {
    const collector = await startCollector();
    try {
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ["--expose-gc", "--import", "tsx", join(import.meta.dirname, "../fixtures/handler-per-request.ts")],
          { env: { ...process.env, COLLECTOR_URL: collector.url }, stdio: ["ignore", "pipe", "inherit"] },
        );
        let stdout = "";
        child.stdout.on("data", (d) => {
          stdout += d;
        });
        child.on("error", reject);
        child.on("exit", () => resolve(stdout));
      });
      expect(collector.events).toHaveLength(20 * EVENTS_PER_SMALL_CHAIN);
      const { alive } = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { alive: number };
      expect(alive).toBe(0);
    } finally {
      await collector.close();
    }
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
