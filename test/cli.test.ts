/** The collector CLI: starts on the given port, receives a trace, prints the session tree. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { HoneyHiveHandler } from "../src/index.js";
import { closedPort } from "./helpers/workloads.js";

describe("npx honeyhive-langchain collector", () => {
  it("listens on --port and prints each session as a tree", async () => {
    const port = await closedPort();
    const cli = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "../src/cli.ts"), "collector", "--port", String(port)],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    cli.stdout.on("data", (d) => {
      out += d;
    });
    try {
      await waitFor(() => out.includes("listening on"), 15_000);
      expect(out).toContain(`http://127.0.0.1:${port}`);
      const handler = new HoneyHiveHandler({ apiKey: "cli-key", serverUrl: `http://127.0.0.1:${port}` });
      const chain = RunnableLambda.from((x: number) => x * 2)
        .withConfig({ runName: "double" })
        .pipe(RunnableLambda.from((x: number) => x + 1).withConfig({ runName: "add_one" }))
        .withConfig({ runName: "cli_root" });
      expect(await chain.invoke(1, { callbacks: [handler] })).toBe(3);
      await handler.shutdown();
      await waitFor(() => out.includes("add_one"), 10_000);
      const lines = out.split("\n");
      const session = lines.findIndex((l) => l.startsWith("session cli_root"));
      expect(session).toBeGreaterThanOrEqual(0);
      expect(lines[session + 1]).toMatch(/^ {2}chain cli_root/);
      expect(lines[session + 2]).toMatch(/^ {4}chain double/);
      expect(lines[session + 3]).toMatch(/^ {4}chain add_one/);
    } finally {
      cli.kill("SIGTERM");
    }
  });
});

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}
