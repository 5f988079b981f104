/** Runs a fixture script in its own Node process (the app), with the collector in the test's. */
import { spawn } from "node:child_process";
import { join } from "node:path";

export interface ChildResult {
  code: number | null;
  /** From spawn to exit. */
  ms: number;
  /** From the first stdout line matching `mark` to exit (undefined when it never printed it). */
  msAfterMark: number | undefined;
  stdout: string;
  stderr: string;
}

export function runFixture(
  name: string,
  env: Record<string, string>,
  options: {
    nodeArgs?: string[];
    mark?: string;
    killAfterMs?: number;
    onStdout?: (text: string) => void;
  } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let markedAt: number | undefined;
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), "--import", "tsx", join(import.meta.dirname, "../fixtures", name)],
      { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      if (markedAt === undefined && options.mark && stdout.includes(options.mark)) markedAt = Date.now();
      options.onStdout?.(stdout);
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs ?? 60_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(killer);
      const now = Date.now();
      resolve({
        code,
        ms: now - started,
        msAfterMark: markedAt === undefined ? undefined : now - markedAt,
        stdout,
        stderr,
      });
    });
  });
}

/** The last stdout line, parsed as JSON. */
export function lastJson<T>(result: ChildResult): T {
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "null") as T;
}
