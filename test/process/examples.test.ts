/**
 * Every example in examples/ runs as a user runs it — its own Node process, `import … from
 * "honeyhive-langchain"` resolved through the package's `exports` to a fresh build — exits 0, and
 * its sessions arrive at a collector over HTTP with what the example is about.
 *
 * The build goes to a scratch copy of the package (package.json, build config, a link to src/ and
 * node_modules/, a copy of examples/): package.test.ts rebuilds dist/ in the repository at the same
 * time, and one build must not delete the other's files. Each example gets its own collector.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, type StoredEvent, startCollector } from "../../src/collector/index.js";
import { TEST_KEY } from "../helpers/setup.js";

const root = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "hh-examples-"));

beforeAll(() => {
  for (const file of ["package.json", "tsconfig.json", "tsup.config.ts"]) {
    cpSync(join(root, file), join(work, file));
  }
  symlinkSync(join(root, "src"), join(work, "src"), "dir");
  symlinkSync(join(root, "node_modules"), join(work, "node_modules"), "dir");
  // Copied, not linked: Node resolves a linked file to its real path, whose package is the repository's.
  // examples/tsconfig.json (source paths for the type checker) stays behind.
  cpSync(join(root, "examples"), join(work, "examples"), {
    recursive: true,
    filter: (src) => !src.endsWith("tsconfig.json"),
  });
  execFileSync(join(root, "node_modules/.bin/tsup"), ["--silent"], { cwd: work, stdio: "pipe" });
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  collector: Collector;
}

/** Runs examples/<name>.ts against a fresh collector (or, with `offline`, with no key at all). */
async function runExample(name: string, options: { offline?: boolean } = {}): Promise<Run> {
  const collector = await startCollector();
  const env = options.offline
    ? { ...process.env, HH_API_KEY: "", HONEYHIVE_API_KEY: "", HH_API_URL: "" }
    : { ...process.env, HH_API_URL: collector.url, HH_API_KEY: TEST_KEY };
  try {
    return await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", join("examples", `${name}.ts`)], {
        cwd: work,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
      child.on("error", reject);
      child.on("exit", (code) => {
        clearTimeout(killer);
        resolve({ code, stdout, stderr, collector });
      });
    });
  } finally {
    await collector.close();
  }
}

/** Runs the example and checks what every example must do: exit 0, quietly, every request accepted. */
async function ranCleanly(name: string): Promise<Collector> {
  const run = await runExample(name);
  expect(run.code, `${name} exited with ${run.code}\n${run.stdout}\n${run.stderr}`).toBe(0);
  expect(run.stderr).not.toContain("[honeyhive-langchain]");
  expect(run.collector.requests.filter((r) => r.status !== 200)).toEqual([]);
  expect(run.collector.sessions.length).toBeGreaterThan(0);
  return run.collector;
}

function named(events: StoredEvent[], name: string): StoredEvent[] {
  return events.filter((e) => e.event_name === name);
}

const CHECKS: Record<string, (collector: Collector) => void> = {
  demo(c) {
    expect(c.sessions.map((s) => s.session_name)).toEqual(["weather agent demo"]);
    const [agent] = named(c.events, "weather_agent");
    expect(agent?.config).toMatchObject({ agent_name: "weather_agent" });
    expect(named(c.events, "get_weather")).toHaveLength(1);
    expect(c.events.filter((e) => e.event_type === "model")).toHaveLength(2);
  },
  "lcel-chain"(c) {
    // Bound once with withConfig: both calls traced, each its own session, named by the runName.
    expect(c.sessions.map((s) => s.session_name)).toEqual(["answer_question", "answer_question"]);
    const models = c.events.filter((e) => e.event_type === "model");
    expect(models).toHaveLength(2);
    expect(models[0]?.config?.template).toBeDefined();
  },
  streaming(c) {
    const [model] = c.events.filter((e) => e.event_type === "model");
    expect(model?.metrics?.ttft_ms).toEqual(expect.any(Number));
    expect(String(model?.outputs?.content)).toContain("otters");
  },
  "multi-turn"(c) {
    expect(c.sessions).toHaveLength(2);
    const users = c.sessions.map((s) => s.user_properties?.user_id).sort();
    expect(users).toEqual(["alice", "bob"]);
    for (const session of c.sessions) {
      const turns = c.events
        .filter((e) => e.session_id === session.session_id)
        .sort((a, b) => (a.start_time ?? 0) - (b.start_time ?? 0));
      expect(turns.map((e) => e.event_name)).toEqual(["chat_turn", "chat_turn"]);
      // Each turn recorded as it was, though the app kept pushing onto the same history array.
      expect(turns.map((e) => (e.inputs?.chat_history as unknown[] | undefined)?.length)).toEqual([1, 3]);
    }
  },
  "langgraph-thread"(c) {
    // Both invocations of thread "order-1138" (the pause and the resume) in one session.
    expect(c.sessions).toHaveLength(1);
    expect(named(c.events, "refunds")).toHaveLength(2);
    const approvals = named(c.events, "approval");
    expect(approvals.some((e) => e.metadata?.interrupted === true)).toBe(true);
    expect(c.events.every((e) => e.error === null || e.error === undefined)).toBe(true);
  },
  feedback(c) {
    const root = c.events.find((e) => e.parent_id === e.session_id);
    expect(root?.feedback).toMatchObject({ rating: 0, comment: "did not answer the question" });
    expect(c.sessions[0]?.metadata).toMatchObject({ escalated: true, session_key: "ticket-4711" });
    expect(c.sessions[0]?.user_properties).toMatchObject({ user_id: "carol" });
  },
  masking(c) {
    const sent = JSON.stringify(c.requests.map((r) => r.body));
    expect(sent).not.toContain("dana@example.com");
    expect(sent).not.toContain("4111");
    expect(sent).toContain("[email]");
    expect(sent).toContain("[card]");
  },
  "nextjs-route"(c) {
    expect(c.sessions).toHaveLength(1);
    expect(c.sessions[0]?.user_properties).toMatchObject({ user_id: "erin" });
    expect(c.events.filter((e) => e.event_type === "model")).toHaveLength(1);
  },
  "two-services"(c) {
    // One session: service B's graph (its own source) under service A's tool call.
    expect(c.sessions.map((s) => s.session_name)).toEqual(["chat_request"]);
    expect(new Set(c.events.map((e) => e.session_id)).size).toBe(1);
    const [toolCall] = named(c.events, "get_weather");
    const [graph] = named(c.events, "forecast_graph");
    expect(graph?.parent_id).toBe(toolCall?.event_id);
    expect(graph?.source).toBe("forecast-service");
    expect(toolCall?.source).toBe("chat-api");
    expect(named(c.events, "chat_request")[0]?.parent_id).toBe(c.sessions[0]?.session_id);
  },
  lambda(c) {
    // Two invocations of a warm instance, each flushed before it returned.
    expect(c.sessions.map((s) => s.session_name)).toEqual(["weather lambda", "weather lambda"]);
    expect(c.sessions.every((s) => s.user_properties?.user_id === "frank")).toBe(true);
    expect(named(c.events, "get_weather")).toHaveLength(2);
  },
};

const examples = readdirSync(join(root, "examples"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();

describe("the examples", () => {
  it("are each checked here", () => {
    expect(examples).toEqual(Object.keys(CHECKS).sort());
  });

  it("import honeyhive-langchain from the build, as an app does", () => {
    // Run the way the examples are (tsx, which would also apply a tsconfig's `paths`).
    const probe = join(work, "examples", "support", "resolve-probe.ts");
    writeFileSync(
      probe,
      'console.log(import.meta.resolve("honeyhive-langchain"), import.meta.resolve("honeyhive-langchain/collector"));',
    );
    const resolved = execFileSync(process.execPath, ["--import", "tsx", probe], {
      cwd: work,
      encoding: "utf8",
    });
    const dist = pathToFileURL(join(work, "dist")).href;
    expect(resolved.trim()).toBe(`${dist}/index.js ${dist}/collector.js`);
  });

  describe.concurrent("run and deliver their sessions", () => {
    for (const name of examples) {
      it(name, { timeout: 120_000 }, async () => {
        const check = CHECKS[name];
        expect(check, `no check for examples/${name}.ts`).toBeDefined();
        check?.(await ranCleanly(name));
      });
    }
  });

  it("run offline without HH_API_KEY, printing the session tree", { timeout: 120_000 }, async () => {
    const run = await runExample("demo", { offline: true });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("tracing into a local collector");
    expect(run.stdout).toMatch(/session weather agent demo .* events/);
    expect(run.stdout).toContain("tool  get_weather");
    expect(run.collector.requests).toEqual([]); // nothing went to the test's collector
  });
});
