/**
 * Configuration from the environment (SPEC §2): every variable goes through the schema of the
 * option it fills; a bad one never crashes the app — one warning naming it, the handler disables
 * itself, nothing is sent.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ENV_FALSE_WORDS, ENV_TRUE_WORDS, resolveOptions } from "../../src/config/options.js";
import { HoneyHiveHandler } from "../../src/index.js";
import { TEST_KEY, useCollector } from "../helpers/setup.js";
import { memoryLogger, smallChain } from "../helpers/workloads.js";

const hh = useCollector();

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Runs a chain through a handler built from the environment (plus `options`); returns what it said. */
async function runFromEnv(env: Record<string, string>, options: { sampleRate?: number } = {}) {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const { lines, logger } = memoryLogger();
  let handler: HoneyHiveHandler | undefined;
  expect(() => {
    handler = new HoneyHiveHandler({ logger, ...options });
  }).not.toThrow();
  const result = await smallChain().invoke({ name: "x" }, { callbacks: [handler as HoneyHiveHandler] });
  expect(result).toBe("hello");
  await handler?.shutdown({ timeoutMs: 2000 });
  return { lines, warnings: lines.filter((l) => l.level === "warn" || l.level === "error"), handler };
}

describe("invalid environment variables warn once and disable; the app runs", () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      "HH_API_URL without a scheme",
      { HH_API_URL: "localhost:8787" },
      /HH_API_URL="localhost:8787" must be an http/,
    ],
    [
      // The collector's suggested key is "local": the line must not be garbled by hiding it.
      "HH_API_URL without a scheme, with the collector's short key",
      { HH_API_URL: "localhost:8787", HH_API_KEY: "local" },
      /HH_API_URL="localhost:8787" must be an http/,
    ],
    [
      "HH_API_URL ftp://",
      { HH_API_URL: "ftp://files.example.com" },
      /HH_API_URL="ftp:\/\/files.example.com"/,
    ],
    ["HH_API_URL file://", { HH_API_URL: "file:///etc/passwd" }, /HH_API_URL="file:\/\/\/etc\/passwd"/],
    [
      "HH_API_URL plain http to a non-loopback host",
      { HH_API_URL: "http://collector:8787" },
      /HH_API_URL="http:\/\/collector:8787" is plain http:\/\/.*HH_ALLOW_INSECURE_HTTP=true/,
    ],
    ["HH_SAMPLE_RATE=50%", { HH_SAMPLE_RATE: "50%" }, /HH_SAMPLE_RATE="50%" must be a plain number/],
    ["HH_SAMPLE_RATE=2", { HH_SAMPLE_RATE: "2" }, /HH_SAMPLE_RATE="2" must be a number from 0 to 1/],
    ["HH_ENABLED=maybe", { HH_ENABLED: "maybe" }, /HH_ENABLED="maybe" must be one of true, 1, yes/],
    ["HH_HIDE_INPUTS=sometimes", { HH_HIDE_INPUTS: "sometimes" }, /HH_HIDE_INPUTS="sometimes"/],
    [
      "HH_API_KEY with a space inside",
      { HH_API_KEY: "hh-abc def-0123456789" },
      /HH_API_KEY must not contain whitespace/,
    ],
  ];

  for (const [what, env, expected] of cases) {
    it(what, async () => {
      const { warnings, lines, handler } = await runFromEnv({
        HH_API_KEY: TEST_KEY,
        HH_API_URL: hh.collector.url,
        ...env,
      });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toMatch(expected);
      expect(warnings[0]?.message).toMatch(/The handler is disabled/);
      for (const l of lines) expect(l.message).not.toContain("hh-abc");
      expect(handler?.stats()).toMatchObject({ sent: 0, queued: 0, openRuns: 0 });
      expect(hh.collector.requests).toHaveLength(0);
    });
  }

  it("two bad variables: still one line, naming both", async () => {
    const { warnings } = await runFromEnv({
      HH_API_KEY: TEST_KEY,
      HH_API_URL: "localhost:8787",
      HH_SAMPLE_RATE: "half",
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/HH_API_URL=.*; HH_SAMPLE_RATE=/);
  });

  it("a handler per request says it once per logger", async () => {
    vi.stubEnv("HH_API_KEY", TEST_KEY);
    vi.stubEnv("HH_SAMPLE_RATE", "50%");
    const { lines, logger } = memoryLogger();
    for (let i = 0; i < 5; i++) new HoneyHiveHandler({ logger });
    expect(lines).toHaveLength(1);
  });

  it("an option given in code wins over a bad variable (nothing to complain about)", async () => {
    const { warnings } = await runFromEnv(
      { HH_API_KEY: TEST_KEY, HH_API_URL: hh.collector.url, HH_SAMPLE_RATE: "50%" },
      { sampleRate: 1 },
    );
    expect(warnings).toHaveLength(0);
    expect(hh.collector.events).toHaveLength(4);
  });
});

describe("HH_ENABLED and the other boolean variables", () => {
  for (const word of [...ENV_FALSE_WORDS, "OFF", " Disabled "]) {
    it(`HH_ENABLED="${word}" disables, silently`, async () => {
      const { lines } = await runFromEnv({
        HH_API_KEY: TEST_KEY,
        HH_API_URL: hh.collector.url,
        HH_ENABLED: word,
      });
      expect(lines).toHaveLength(0);
      expect(hh.collector.requests).toHaveLength(0);
    });
  }

  it("every true word keeps it enabled", async () => {
    for (const word of ENV_TRUE_WORDS) {
      const { lines } = await runFromEnv({
        HH_API_KEY: TEST_KEY,
        HH_API_URL: hh.collector.url,
        HH_ENABLED: word,
      });
      expect(lines).toHaveLength(0);
    }
    expect(hh.collector.events).toHaveLength(4 * ENV_TRUE_WORDS.length);
  });

  it("HH_ALLOW_INSECURE_HTTP=true allows a non-loopback http:// URL (a compose sidecar)", () => {
    const resolved = resolveOptions(
      {},
      { HH_API_KEY: TEST_KEY, HH_API_URL: "http://collector:8787/", HH_ALLOW_INSECURE_HTTP: "true" },
    );
    expect(resolved).toMatchObject({
      enabled: true,
      envProblem: undefined,
      serverUrl: "http://collector:8787",
      allowInsecureHttp: true,
      sources: { serverUrl: "HH_API_URL", allowInsecureHttp: "HH_ALLOW_INSECURE_HTTP", apiKey: "HH_API_KEY" },
    });
  });

  it("HH_VERBOSE=true logs the target at start", async () => {
    const { lines } = await runFromEnv({
      HH_API_KEY: TEST_KEY,
      HH_API_URL: hh.collector.url,
      HH_VERBOSE: "true",
    });
    expect(lines.map((l) => l.message)).toContain(
      `sending events to ${hh.collector.url} (key from HH_API_KEY)`,
    );
    for (const l of lines) expect(l.message).not.toContain(TEST_KEY);
  });
});

describe("values read from the environment", () => {
  it("reads the key, URL, source, session name and sample rate", async () => {
    const { warnings } = await runFromEnv({
      HH_API_KEY: TEST_KEY,
      HH_API_URL: `${hh.collector.url}/`,
      HH_SOURCE: "my-service",
      HH_SESSION_NAME: "from-env",
      HH_SAMPLE_RATE: " 1.0 ",
    });
    expect(warnings).toHaveLength(0);
    expect(hh.collector.events[0]?.source).toBe("my-service");
    expect(hh.collector.sessions[0]?.session_name).toBe("from-env");
  });

  for (const [what, key] of [
    ["a trailing newline (a Kubernetes secret file)", `${TEST_KEY}\n`],
    ["CRLF (a Windows .env file)", `${TEST_KEY}\r\n`],
    ["a leading space", ` ${TEST_KEY}`],
  ] as const) {
    it(`an API key with ${what} is trimmed and delivers`, async () => {
      const { warnings, handler } = await runFromEnv({ HH_API_KEY: key, HH_API_URL: hh.collector.url });
      expect(warnings).toHaveLength(0);
      expect(handler?.stats()).toMatchObject({ failed: 0 });
      expect(hh.collector.events).toHaveLength(4);
      expect(hh.collector.requests.every((r) => r.status === 200)).toBe(true);
    });
  }

  it("the handler stays a no-op for a chain run after a disabled construction (no open runs kept)", async () => {
    vi.stubEnv("HH_API_KEY", TEST_KEY);
    vi.stubEnv("HH_ENABLED", "maybe");
    const { logger } = memoryLogger();
    const handler = new HoneyHiveHandler({ logger });
    await RunnableLambda.from((x: number) => x + 1).invoke(1, { callbacks: [handler] });
    expect(handler.stats()).toMatchObject({ openRuns: 0, queued: 0 });
  });
});
