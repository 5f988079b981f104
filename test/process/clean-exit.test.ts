/**
 * A script that runs a chain and returns must exit promptly with all its events delivered,
 * without calling flush() — and must not hang when the server is down.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startCollector } from "../src/collector/index.js";
import { closedPort, EVENTS_PER_SMALL_CHAIN } from "./helpers/workloads.js";

const script = join(import.meta.dirname, "fixtures/exit-without-flush.ts");

function runScript(
  env: Record<string, string>,
  onStdout?: (text: string) => void,
): Promise<{ code: number | null; ms: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      onStdout?.(stdout);
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(killer);
      resolve({ code, ms: Date.now() - started, stdout, stderr });
    });
  });
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
      // Generous: tsx start-up dominates; a hang on idle sockets or timers would take 10 s or more.
      expect(result.ms).toBeLessThan(8000);
    } finally {
      await collector.close();
    }
  });

  it("exits within its flush deadline when the server is down", async () => {
    const port = await closedPort();
    const result = await runScript({
      COLLECTOR_URL: `http://127.0.0.1:${port}`,
      CHAINS: "1",
      FLUSH_TIMEOUT_MS: "1500",
    });
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(8000);
    expect(result.stdout.trim()).toBe("done");
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

describe("a handler per request", () => {
  it("each handler becomes garbage once its events are delivered", async () => {
    const collector = await startCollector();
    try {
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ["--expose-gc", "--import", "tsx", join(import.meta.dirname, "fixtures/handler-per-request.ts")],
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
