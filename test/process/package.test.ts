/**
 * The published shape: the packed tarball passes publint and are-the-types-wrong, installs into an
 * empty project, and HoneyHiveHandler imports from both ESM and CommonJS there (with the app's own
 * copy of @langchain/core).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "hh-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 240_000,
  });
}

describe("the packed package", () => {
  it("installs into an empty project and imports from ESM and CommonJS", { timeout: 300_000 }, () => {
    run("npm", ["run", "build"], root);
    const packed = JSON.parse(
      run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], root),
    ) as { filename: string }[];
    const tarball = join(work, packed[0]?.filename ?? "");
    const files = (packed[0] as unknown as { files: { path: string }[] }).files.map((f) => f.path);
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.cjs");
    for (const f of [
      "collector.js",
      "collector.cjs",
      "collector.d.ts",
      "collector.d.cts",
      "viewer/index.html",
      "viewer/viewer.js",
      "viewer/viewer.css",
    ]) {
      expect(files).toContain(`dist/${f}`);
    }
    expect(files.some((f) => f.startsWith("src/") || f.startsWith("test/"))).toBe(false);

    // The tarball's metadata and types resolve for both module systems.
    expect(run("npx", ["--no-install", "publint", "run", tarball], root)).toContain("All good");
    run("npx", ["--no-install", "attw", tarball, "--profile", "node16", "--format", "ascii"], root);

    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "app", version: "1.0.0", private: true }),
    );
    const coreVersion = (
      JSON.parse(readFileSync(join(root, "node_modules/@langchain/core/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, `@langchain/core@${coreVersion}`],
      app,
    );

    const probe = `new HoneyHiveHandler({ apiKey: "k", serverUrl: "http://127.0.0.1:9" })`;
    const cjs = run(
      "node",
      [
        "-e",
        `const { HoneyHiveHandler } = require("honeyhive-langchain"); const { startCollector } = require("honeyhive-langchain/collector"); const h = ${probe}; console.log(h.name, typeof startCollector, h.awaitHandlers)`,
      ],
      app,
    );
    expect(cjs.trim()).toBe("honeyhive_handler function true");
    const esm = run(
      "node",
      [
        "--input-type=module",
        "-e",
        `import { HoneyHiveHandler } from "honeyhive-langchain"; const h = ${probe}; console.log(h.name); await h.shutdown();`,
      ],
      app,
    );
    expect(esm.trim()).toBe("honeyhive_handler");
    const cli = run("npx", ["--no-install", "honeyhive-langchain", "--help"], app);
    expect(cli).toContain("collector");
  });

  it("works with @langchain/core 0.3 (the oldest line in the peer range)", { timeout: 300_000 }, () => {
    const packed = readdirSync(work).find((f) => f.endsWith(".tgz"));
    expect(packed).toBeDefined();
    const app = join(work, "app-core03");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "app03", version: "1.0.0", private: true, type: "module" }),
    );
    run(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        join(work, packed ?? ""),
        "@langchain/core@0.3",
      ],
      app,
    );
    writeFileSync(
      join(app, "trace.js"),
      `import { HoneyHiveHandler } from "honeyhive-langchain";
import { startCollector } from "honeyhive-langchain/collector";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { StringOutputParser } from "@langchain/core/output_parsers";
import core from "@langchain/core/package.json" with { type: "json" };
const collector = await startCollector();
const handler = new HoneyHiveHandler({ apiKey: "k", serverUrl: collector.url });
const chain = ChatPromptTemplate.fromTemplate("hi {x}").pipe(new FakeListChatModel({ responses: ["hello"] })).pipe(new StringOutputParser());
const answer = await chain.invoke({ x: 1 }, { callbacks: [handler] });
const result = await handler.shutdown();
const model = collector.events.find((e) => e.event_type === "model");
const viewer = (await fetch(collector.url + "/viewer/viewer.js")).status;
console.log(JSON.stringify({ core: core.version, answer, sent: result.sent, events: collector.events.length, rejected: collector.requests.filter((r) => r.status !== 200).length, input: model?.inputs, viewer }));
await collector.close();
`,
    );
    const out = JSON.parse(run("node", ["trace.js"], app).trim()) as Record<string, unknown>;
    expect(String(out.core)).toMatch(/^0\.3\./);
    expect(out).toMatchObject({
      answer: "hello",
      events: 4,
      rejected: 0,
      input: { chat_history: [{ role: "user", content: "hi 1" }] },
      viewer: 200,
    });
  });
});
