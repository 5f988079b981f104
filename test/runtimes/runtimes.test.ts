/**
 * The packed package traced in every runtime LangChain.js runs in, each against the collector
 * running here in Node on loopback: Bun and Deno run it as installed (and must deliver at exit
 * without flush()), a Cloudflare Worker runs it in workerd (via miniflare) bundled the way Wrangler
 * bundles, and a Vercel Edge function runs it in the edge-runtime VM bundled for `edge-light`.
 * Every runtime is a devDependency; one that is missing fails its test with a message saying so.
 * In workerd and Edge, `handler.trace(fn)` around a chain is checked too: nested where the runtime
 * gives AsyncLocalStorage (the README's runtime table), a root beside the chain where it does not.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionIdFor } from "../../src/runs/sessions.js";
import { byName, TEST_KEY, useCollector } from "../helpers/setup.js";
import { importRuntime, type PackedApp, preparePackedApp, run, runtimeBinary } from "./packed-app.js";

const hh = useCollector();
let app: PackedApp;

beforeAll(async () => {
  app = await preparePackedApp();
}, 600_000);
afterAll(() => app?.cleanup());

/** What the fixtures' trace() sends, checked as the collector stored it. */
function expectTraced(sessionKey: string): void {
  const c = hh.collector;
  const sessionId = sessionIdFor(sessionKey);
  expect(c.sessions.map((s) => s.session_id)).toEqual([sessionId]);
  expect(c.requests.filter((r) => r.status !== 200)).toEqual([]);
  expect(c.duplicates.size).toBe(0);
  const tree = c.sessionTree(sessionId);
  expect(tree.session?.session_name).toBe("weather-chain");
  expect(tree.session?.metadata).toMatchObject({ session_key: sessionKey });
  const events = tree.events;
  expect(events.map((e) => `${e.event_type} ${e.event_name}`).sort()).toEqual([
    "chain ChatPromptTemplate",
    "chain StrOutputParser",
    "chain weather-chain",
    "model FakeListChatModel",
    "model look-at-image",
    "tool get_weather",
  ]);
  const chain = byName(events, "weather-chain");
  expect(chain.parent_id).toBe(sessionId);
  expect(chain.inputs).toEqual({ city: "Paris" });
  expect(chain.outputs).toEqual({ output: "Sunny, 24 degrees." });
  const model = byName(events, "FakeListChatModel");
  expect(model.parent_id).toBe(chain.event_id);
  expect(model.inputs).toMatchObject({
    chat_history: [{ role: "user", content: "What is the weather in Paris?" }],
  });
  expect(model.outputs).toMatchObject({ role: "assistant", content: "Sunny, 24 degrees." });
  expect(model.end_time).toBeGreaterThanOrEqual(model.start_time as number);
  expect(chain.children_ids?.sort()).toEqual(
    ["ChatPromptTemplate", "FakeListChatModel", "StrOutputParser"]
      .map((n) => byName(events, n).event_id)
      .sort(),
  );
  const tool = byName(events, "get_weather");
  expect(tool).toMatchObject({
    parent_id: sessionId,
    inputs: { city: "Paris" },
    metadata: { tool_call_id: "call_1" },
  });
  // The key the result goes under is the mapping's business (SPEC: `message`), not the runtime's.
  expect(Object.values(tool.outputs ?? {})).toEqual(["It is sunny in Paris"]);
  // The image as a reference, hashed by the runtime itself (JavaScript SHA-256 in the web build).
  const image = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31 + 7) & 255);
  expect(byName(events, "look-at-image").inputs).toEqual({
    chat_history: [
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          {
            type: "image",
            mime_type: "image/png",
            bytes: 3000,
            sha256: createHash("sha256").update(image).digest("hex"),
          },
        ],
      },
    ],
  });
}

/**
 * What the fixtures' traceFunction() sends: the traced call `answer_question` (a root of the
 * session, its inputs by parameter name) and the chain invoked inside it — the call's child where
 * the runtime has AsyncLocalStorage (`nested`), else a second root of the same session. `current`
 * is what getCurrentEvent() returned inside the call.
 */
function expectTracedCall(sessionKey: string, nested: boolean, current: unknown): void {
  const c = hh.collector;
  const sessionId = sessionIdFor(sessionKey);
  expect(c.sessions.map((s) => s.session_id)).toEqual([sessionId]);
  expect(c.requests.filter((r) => r.status !== 200)).toEqual([]);
  const events = c.sessionTree(sessionId).events;
  expect(events.map((e) => `${e.event_type} ${e.event_name}`).sort()).toEqual([
    "chain ChatPromptTemplate",
    "chain StrOutputParser",
    "chain answer_question",
    "chain weather-chain",
    "model FakeListChatModel",
  ]);
  const traced = byName(events, "answer_question");
  expect(traced).toMatchObject({
    parent_id: sessionId,
    inputs: { city: "Paris" },
    outputs: { output: "Sunny, 24 degrees." },
  });
  expect(traced.error ?? null).toBeNull();
  const chain = byName(events, "weather-chain");
  expect(byName(events, "FakeListChatModel").parent_id).toBe(chain.event_id);
  if (nested) {
    expect(chain.parent_id).toBe(traced.event_id);
    expect(traced.children_ids).toEqual([chain.event_id]);
    expect(current).toEqual({ sessionId, eventId: traced.event_id });
  } else {
    // No async context: the call is still recorded, as a root; the chain is a root beside it.
    expect(chain.parent_id).toBe(sessionId);
    expect(current).toBeNull();
  }
}

const TRACE_OUTPUT = { answer: "Sunny, 24 degrees.", toolAnswer: "It is sunny in Paris" };

function runtimeEnv(sessionKey: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HH_API_KEY: TEST_KEY,
    HH_API_URL: hh.collector.url,
    HH_TEST_SESSION: sessionKey,
    NO_COLOR: "1",
  };
}

/** The relative paths of the package's files that went into a bundle. */
function packageInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs)
    .filter((p) => p.includes("node_modules/honeyhive-langchain/"))
    .map((p) => p.slice(p.indexOf("honeyhive-langchain/")));
}

/**
 * Bundles an app file the way a Workers/Edge toolchain does and checks the package's part of it:
 * the web build was picked, and nothing in the bundle is Node (esbuild fails on any `node:` import
 * on the browser platform, and an external one would show in the output's imports) but the
 * `nodeImports` the app's own other imports bring (left to the runtime, as Wrangler does with
 * nodejs_compat).
 */
async function bundle(
  entry: string,
  options: BuildOptions,
  nodeImports: string[] = [],
): Promise<{ code: string; metafile: Metafile }> {
  const result = await build({
    entryPoints: [join(app.dir, entry)],
    absWorkingDir: app.dir,
    bundle: true,
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    ...options,
  });
  const metafile = result.metafile as Metafile;
  expect(packageInputs(metafile)).toEqual(["honeyhive-langchain/dist/web.js"]);
  expect(Object.keys(metafile.inputs).filter((p) => /undici|node:/.test(p))).toEqual([]);
  const imports = Object.values(metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  expect(imports.filter((p) => p.startsWith("node:") || p.includes("undici"))).toEqual(nodeImports);
  const code = result.outputFiles?.[0]?.text ?? "";
  return { code, metafile };
}

describe("the packed package's entries", () => {
  it("each runtime's conditions pick the web build; Node keeps the undici build", async () => {
    const resolved: Record<string, string> = {};
    const cases: [string, BuildOptions][] = [
      ["workerd", { conditions: ["workerd", "worker", "browser"] }],
      ["edge-light", { conditions: ["edge-light", "worker", "browser"] }],
      ["browser", { conditions: [] }],
      ["deno", { platform: "neutral", conditions: ["deno", "node"] }],
      ["bun", { platform: "neutral", conditions: ["bun", "node"] }],
      ["node import", { platform: "node", format: "esm" }],
      ["node require", { platform: "node", format: "cjs" }],
    ];
    for (const [name, options] of cases) {
      const result = await build({
        stdin: {
          contents:
            options.format === "cjs"
              ? 'module.exports = require("honeyhive-langchain");'
              : 'export * from "honeyhive-langchain";',
          resolveDir: app.dir,
        },
        bundle: true,
        platform: "browser",
        write: false,
        metafile: true,
        logLevel: "silent",
        external: ["@langchain/core", "zod", "undici", "node:*"],
        ...options,
      });
      resolved[name] = packageInputs(result.metafile as Metafile).join(",");
    }
    const web = "honeyhive-langchain/dist/web.js";
    expect(resolved).toEqual({
      workerd: web,
      "edge-light": web,
      browser: web,
      deno: web,
      bun: web,
      "node import": "honeyhive-langchain/dist/index.js",
      "node require": "honeyhive-langchain/dist/index.cjs",
    });
  });

  it("the web build exports the Node build's API minus the collector, and imports nothing from Node", async () => {
    const names = JSON.parse(
      await run(
        "node",
        [
          "--input-type=module",
          "-e",
          `const node = await import("honeyhive-langchain");
           const web = await import("./node_modules/honeyhive-langchain/dist/web.js");
           console.log(JSON.stringify({ node: Object.keys(node).sort(), web: Object.keys(web).sort() }));`,
        ],
        { cwd: app.dir },
      ),
    ) as { node: string[]; web: string[] };
    const collectorOnly = ["formatSessionTree", "startCollector"];
    expect(names.web).toEqual(names.node.filter((n) => !collectorOnly.includes(n)));
    const web = readFileSync(join(app.packageDir, "dist/web.js"), "utf8");
    const specifiers = [...web.matchAll(/\bfrom\s*"([^"]+)"|\bimport\s*\(\s*"([^"]+)"/g)].map(
      (m) => m[1] ?? m[2],
    );
    // `@langchain/core/singletons`: LangChain's async context, where a tool's run is read from (SPEC §8).
    expect([...new Set(specifiers)].sort()).toEqual([
      "@langchain/core/callbacks/base",
      "@langchain/core/singletons",
      "zod",
    ]);
    // Node globals only ever behind feature detection (src/runtime/), never called directly.
    expect(web).not.toMatch(/\bBuffer\.|\bprocess\.(on|env)\b/);
  });
});

/**
 * Runs `args` (extra flags, then the script and its arguments) with Deno in the test app. The
 * network is the handler's; --allow-sys and --allow-read are LangChain's (langsmith reads the home
 * directory). Pass --allow-env to let the handler read HH_* defaults.
 */
function runDeno(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return run(
    runtimeBinary("deno"),
    ["run", "--allow-net=127.0.0.1", "--allow-read", "--allow-sys", "--no-prompt", ...args],
    { cwd: app.dir, env: { ...env, DENO_DIR: join(app.dir, ".deno"), DENO_NO_UPDATE_CHECK: "1" } },
  );
}

describe("runtimes", () => {
  it("Bun: traces a chain and a tool, and delivers at exit without flush()", {
    timeout: 120_000,
  }, async () => {
    const bun = runtimeBinary("bun");
    const out = await run(bun, ["main.js"], { cwd: app.dir, env: runtimeEnv("runtime-bun") });
    const result = JSON.parse(out.trim()) as Record<string, string>;
    expect(result).toMatchObject(TRACE_OUTPUT);
    expect(result.entry).toMatch(/honeyhive-langchain\/dist\/web\.js$/);
    expectTraced("runtime-bun");
  });

  it("Deno: traces a chain and a tool, and delivers at exit without flush()", {
    timeout: 120_000,
  }, async () => {
    const out = await runDeno(["--allow-env", "main.js"], runtimeEnv("runtime-deno"));
    const result = JSON.parse(out.trim()) as Record<string, string>;
    expect(result).toMatchObject(TRACE_OUTPUT);
    expect(result.entry).toMatch(/honeyhive-langchain\/dist\/web\.js$/);
    expectTraced("runtime-deno");
  });

  it("Deno without --allow-env: options passed in code are enough (unreadable variables count as unset)", {
    timeout: 120_000,
  }, async () => {
    const out = await runDeno(["deno-no-env.js", TEST_KEY, hh.collector.url, "runtime-deno-no-env"], {
      ...process.env,
      NO_COLOR: "1",
    });
    expect(JSON.parse(out.trim())).toEqual(TRACE_OUTPUT);
    expectTraced("runtime-deno-no-env");
  });

  /**
   * The Worker fixture bundled as Wrangler does (the browser platform; the workerd, worker, browser
   * conditions; with nodejs_compat Wrangler only adds `node:*` as externals, which the web build
   * never imports) and run in workerd with these compatibility flags and date.
   */
  async function runWorker(
    flags: string[],
    sessionKey: string,
    path: string,
    options: { compatibilityDate?: string; entry?: string; nodeImports?: string[] } = {},
  ): Promise<{ body: Record<string, unknown>; flushed: Record<string, unknown> }> {
    const { code } = await bundle(
      options.entry ?? "worker.js",
      {
        format: "esm",
        conditions: ["workerd", "worker", "browser"],
        ...(flags.some((f) => f.startsWith("nodejs_")) ? { external: ["node:*"] } : {}),
      },
      options.nodeImports,
    );
    const { Miniflare } = await importRuntime<typeof import("miniflare")>("miniflare");
    const mf = new Miniflare({
      modules: true,
      script: code,
      compatibilityDate: options.compatibilityDate ?? "2025-06-01",
      compatibilityFlags: flags,
      bindings: { HH_API_KEY: TEST_KEY, HH_API_URL: hh.collector.url, HH_TEST_SESSION: sessionKey },
    });
    try {
      const res = await mf.dispatchFetch(`http://localhost${path}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      const flushed = (await (await mf.dispatchFetch("http://localhost/flushed")).json()) as Record<
        string,
        unknown
      >;
      expect(flushed).toMatchObject({ failed: 0, dropped: 0, timedOut: false, queued: 0, inFlight: 0 });
      return { body, flushed };
    } finally {
      await mf.dispose();
    }
  }

  it("Cloudflare workerd (miniflare): a Worker bundled as Wrangler does, delivered through ctx.waitUntil", {
    timeout: 120_000,
  }, async () => {
    // No nodejs_compat flag: neither the handler nor LangChain's callbacks need Node here.
    const { body } = await runWorker([], "runtime-workerd", "/");
    // No `process` at all in this Worker: the handler got its key and URL as options from `env`.
    expect(body).toEqual({ ...TRACE_OUTPUT, hasProcess: false });
    expectTraced("runtime-workerd");
  });

  it("Cloudflare workerd with nodejs_compat: trace(fn) around a chain nests the chain under the traced call", {
    timeout: 120_000,
  }, async () => {
    // AsyncLocalStorage comes from process.getBuiltinModule("node:async_hooks"), never imported.
    const { body } = await runWorker(["nodejs_compat"], "runtime-workerd-compat", "/traced");
    expect(body).toMatchObject({ answer: "Sunny, 24 degrees.", hasProcess: true });
    expectTracedCall("runtime-workerd-compat", true, body.current);
  });

  it("Cloudflare workerd with nodejs_compat before 2024-09-23 (no `process`): trace(fn) records the call as a root", {
    timeout: 120_000,
  }, async () => {
    // The first nodejs_compat has node:async_hooks to import but no `process` global, so the web
    // build (which never imports node:*) finds no AsyncLocalStorage: the README says so.
    const { body } = await runWorker(["nodejs_compat"], "runtime-workerd-compat-v1", "/traced", {
      compatibilityDate: "2024-09-22",
    });
    expect(body).toMatchObject({ answer: "Sunny, 24 degrees.", hasProcess: false });
    expectTracedCall("runtime-workerd-compat-v1", false, body.current);
  });

  it("Cloudflare workerd with nodejs_compat before 2024-09-23, app importing @langchain/core/context: trace(fn) nests", {
    timeout: 120_000,
  }, async () => {
    // LangChain's own store is then a real AsyncLocalStorage, whose class trace context uses.
    const { body } = await runWorker(["nodejs_compat"], "runtime-workerd-lc-context", "/traced", {
      compatibilityDate: "2024-09-22",
      entry: "worker-langchain-context.js",
      nodeImports: ["node:async_hooks"],
    });
    expect(body).toMatchObject({ answer: "Sunny, 24 degrees.", hasProcess: false });
    expectTracedCall("runtime-workerd-lc-context", true, body.current);
  });

  it("Cloudflare workerd without nodejs_compat (no AsyncLocalStorage): trace(fn) records the call as a root and nothing throws", {
    timeout: 120_000,
  }, async () => {
    const { body } = await runWorker([], "runtime-workerd-no-als", "/traced");
    expect(body).toMatchObject({ answer: "Sunny, 24 degrees.", hasProcess: false });
    expectTracedCall("runtime-workerd-no-als", false, body.current);
  });

  it("Vercel edge-runtime: an Edge function bundled for edge-light, delivered through waitUntil", {
    timeout: 120_000,
  }, async () => {
    const res = await runEdge("runtime-edge", "/", { asyncLocalStorage: false });
    expect(await res.json()).toEqual(TRACE_OUTPUT);
    await res.waitUntil();
    expectTraced("runtime-edge");
  });

  it("Vercel Edge (AsyncLocalStorage as a global): trace(fn) around a chain nests the chain under the traced call", {
    timeout: 120_000,
  }, async () => {
    const res = await runEdge("runtime-edge-als", "/traced", { asyncLocalStorage: true });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.answer).toBe("Sunny, 24 degrees.");
    await res.waitUntil();
    expectTracedCall("runtime-edge-als", true, body.current);
  });

  it("edge-runtime VM without AsyncLocalStorage: trace(fn) records the call as a root and nothing throws", {
    timeout: 120_000,
  }, async () => {
    const res = await runEdge("runtime-edge-no-als", "/traced", { asyncLocalStorage: false });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.answer).toBe("Sunny, 24 degrees.");
    await res.waitUntil();
    expectTracedCall("runtime-edge-no-als", false, body.current);
  });

  /**
   * The Edge fixture bundled for edge-light and run in the edge-runtime VM. Vercel gives Edge
   * functions `process.env` (and nothing else of `process`). The bare VM has no AsyncLocalStorage;
   * Vercel's Edge and Next.js's edge sandbox put Node's on the global object (Next.js:
   * server/web/sandbox/context.ts, `context.AsyncLocalStorage = AsyncLocalStorage`), which
   * `asyncLocalStorage: true` does the same way.
   */
  async function runEdge(sessionKey: string, path: string, options: { asyncLocalStorage: boolean }) {
    const { code } = await bundle("edge.js", {
      format: "iife",
      conditions: ["edge-light", "worker", "browser"],
    });
    const { EdgeRuntime } = await importRuntime<typeof import("edge-runtime")>("edge-runtime");
    const env = { HH_API_KEY: TEST_KEY, HH_API_URL: hh.collector.url, HH_TEST_SESSION: sessionKey };
    const runtime = new EdgeRuntime({
      initialCode: code,
      extend: (context) =>
        Object.assign(context, { process: { env } }, options.asyncLocalStorage ? { AsyncLocalStorage } : {}),
    });
    const res = await runtime.dispatchFetch(`http://localhost${path}`);
    expect(res.status).toBe(200);
    return res;
  }
});
