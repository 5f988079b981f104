/** The collector CLI: starts on the given port, receives a trace, prints the session tree. */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { HoneyHiveHandler } from "../../src/index.js";
import { parentChain } from "../helpers/setup.js";
import { closedPort } from "../helpers/workloads.js";

const CLI = join(import.meta.dirname, "../../src/cli.ts");

describe("npx honeyhive-langchain collector", () => {
  it("listens on --port and prints each session as a tree", async () => {
    const port = await closedPort();
    const cli = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "../../src/cli.ts"), "collector", "--port", String(port)],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    cli.stdout.on("data", (d) => {
      out += d;
    });
    try {
      await waitFor(() => out.includes("trace viewer:"), 15_000);
      expect(out).toContain(`http://127.0.0.1:${port}`);
      expect(out).toContain(`trace viewer: http://127.0.0.1:${port}/`);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("/viewer/viewer.js");
      // The key writes need is made up at start and printed; a guessed one is refused.
      const key = /HH_API_KEY=(\S+)/.exec(out)?.[1] ?? "";
      expect(key.length).toBeGreaterThanOrEqual(20);
      const guessed = await fetch(`http://127.0.0.1:${port}/v1/sessions`, {
        method: "POST",
        headers: { authorization: "Bearer local", "content-type": "application/json" },
        body: JSON.stringify({ session_name: "x" }),
      });
      expect(guessed.status).toBe(401);
      const handler = new HoneyHiveHandler({ apiKey: key, serverUrl: `http://127.0.0.1:${port}` });
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
      await waitFor(() => /view: http:\/\/127\.0\.0\.1:\d+\/sessions\/\S+/.test(out), 10_000);
    } finally {
      cli.kill("SIGTERM");
    }
  });
});

/** Starts the CLI with `args`; resolves once it printed its key, with a way to stop it. */
async function startCli(args: string[]) {
  const cli = spawn(process.execPath, ["--import", "tsx", CLI, "collector", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { out: "", err: "", exit: undefined as number | null | undefined };
  cli.stdout.on("data", (d) => {
    output.out += d;
  });
  cli.stderr.on("data", (d) => {
    output.err += d;
  });
  cli.on("exit", (code) => {
    output.exit = code;
  });
  await waitFor(() => output.out.includes("HH_API_KEY=") || output.exit !== undefined, 15_000);
  const url = /HH_API_URL=(\S+)/.exec(output.out)?.[1] ?? "";
  const key = /HH_API_KEY=(\S+)/.exec(output.out)?.[1] ?? "";
  return { cli, output, url, key };
}

describe("the CLI's key and bounds", () => {
  it("--key sets the key writes need (any other is refused)", async () => {
    const { cli, url, key } = await startCli(["--port", "0", "--key", "my-own-key-123"]);
    try {
      expect(key).toBe("my-own-key-123");
      const write = (k: string) =>
        fetch(`${url}/v1/sessions`, {
          method: "POST",
          headers: { authorization: `Bearer ${k}`, "content-type": "application/json" },
          body: JSON.stringify({ session_name: "x" }),
        });
      expect((await write("my-own-key-123")).status).toBe(200);
      expect((await write("local")).status).toBe(401);
    } finally {
      cli.kill("SIGTERM");
    }
  });

  it("a parent_id chain 6,000 deep is printed, and the collector keeps running", async () => {
    const { cli, output, url, key } = await startCli(["--port", "0"]);
    try {
      const sid = "cli-deep-session";
      const events = parentChain(sid, 6_000);
      const res = await fetch(`${url}/v1/events/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ events }),
      });
      expect(res.status).toBe(200);
      await waitFor(() => output.out.includes("chain step5999") || output.exit !== undefined, 15_000);
      expect(output.exit).toBeUndefined();
      expect(output.out).toContain(`${"  ".repeat(6_000)}chain step5999`);
      expect((await fetch(`${url}/v1/sessions/${sid}`)).status).toBe(200);
    } finally {
      cli.kill("SIGTERM");
    }
  });

  it("refuses a --max-mb that is not a whole number of megabytes", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", CLI, "collector", "--max-mb", "0"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--max-mb must be a whole number");
  });
});

describe("--port validation", () => {
  // Number() reads "" and " " as 0 (a random port) and "0x50" as 80: each must be refused instead.
  it.each([
    ["--port", ""],
    ["--port", " "],
    ["--port", "0x50"],
    ["--port", "1e3"],
    ["--port=-1"],
    ["--port", "65536"],
    ["--port", "80.5"],
    ["--port", "eighty"],
    ["--port", "+80"],
  ])("refuses %s %j", (...args: string[]) => {
    const value = (args[1] ?? args[0]?.replace("--port=", "")) as string;
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "../../src/cli.ts"), "collector", ...args],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--port must be a decimal port number from 0 to 65535");
    expect(result.stderr).toContain(JSON.stringify(value));
    expect(result.stdout).not.toContain("listening");
  });

  it("a port already in use says to pick another, without a stack trace", async () => {
    const { createServer } = await import("node:net");
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = String((busy.address() as { port: number }).port);
    try {
      const result = spawnSync(
        process.execPath,
        ["--import", "tsx", join(import.meta.dirname, "../../src/cli.ts"), "collector", "--port", port],
        { encoding: "utf8", timeout: 30_000 },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`port ${port} is already in use: pass --port 0`);
      expect(result.stderr).not.toContain("    at ");
    } finally {
      busy.close();
    }
  });

  it("answers a usage mistake (an option without its value, an unknown option) with exit 2", () => {
    for (const args of [["--port"], ["--colour"]]) {
      const result = spawnSync(
        process.execPath,
        ["--import", "tsx", join(import.meta.dirname, "../../src/cli.ts"), "collector", ...args],
        { encoding: "utf8", timeout: 30_000 },
      );
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toContain("usage: honeyhive-langchain collector");
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
