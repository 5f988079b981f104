/**
 * Settings that would fail every request are configuration errors, found at construction: a user
 * name or password in the server URL (HoneyHive authenticates with the API key; `fetch` refuses such
 * a URL outright) and an API key with characters no HTTP header may carry. Neither the URL's
 * userinfo nor the key is ever echoed, in the error or in any log line.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveOptions } from "../../src/config/options.js";
import { HoneyHiveConfigError, HoneyHiveHandler } from "../../src/index.js";
import { redactingLogger, redactor } from "../../src/util/logger.js";
import { TEST_KEY, useCollector } from "../helpers/setup.js";
import { memoryLogger, smallChain } from "../helpers/workloads.js";

const hh = useCollector();

afterEach(() => {
  vi.unstubAllEnvs();
});

const PASSWORD = "pw-9f8e7d6c5b";

/** The collector's URL with `user:PASSWORD@` in it. */
function urlWithCredentials(user = "alice"): string {
  return hh.collector.url.replace("http://", `http://${user}:${PASSWORD}@`);
}

/** Builds a handler from the environment, runs a chain through it, shuts it down; what it said. */
async function runFromEnv(env: Record<string, string>, options: { verbose?: boolean } = {}) {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const { lines, logger } = memoryLogger();
  const errors: Error[] = [];
  const handler = new HoneyHiveHandler({ logger, onError: (e) => errors.push(e), ...options });
  expect(await smallChain().invoke({ name: "x" }, { callbacks: [handler] })).toBe("hello");
  await handler.shutdown({ timeoutMs: 2000 });
  return { lines, warnings: lines.filter((l) => l.level === "warn"), errors, handler };
}

function constructionError(options: ConstructorParameters<typeof HoneyHiveHandler>[0]): HoneyHiveConfigError {
  try {
    new HoneyHiveHandler({ logger: memoryLogger().logger, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(HoneyHiveConfigError);
    return error as HoneyHiveConfigError;
  }
  throw new Error("the handler was constructed");
}

describe("credentials in the server URL", () => {
  for (const [what, user] of [
    ["user and password", "alice"],
    ["password only", ""],
  ] as const) {
    it(`option serverUrl with ${what}: HoneyHiveConfigError that says what to do and never echoes them`, () => {
      const error = constructionError({
        apiKey: TEST_KEY,
        serverUrl: urlWithCredentials(user),
        verbose: true,
      });
      expect(error.setting).toBe("serverUrl");
      expect(error.message).toMatch(/option `serverUrl`.*user name or password/);
      expect(error.message).toMatch(/apiKey/);
      expect(error.message).not.toContain(PASSWORD);
      expect(error.message).not.toContain("alice");
    });
  }

  it("a user name alone is refused too", () => {
    const error = constructionError({
      apiKey: TEST_KEY,
      serverUrl: hh.collector.url.replace("http://", "http://token-abc@"),
    });
    expect(error.message).not.toContain("token-abc");
  });

  it("HH_API_URL with credentials (loopback): one warning without them, handler disabled, nothing sent", async () => {
    const { lines, warnings, errors } = await runFromEnv(
      { HH_API_KEY: TEST_KEY, HH_API_URL: urlWithCredentials() },
      { verbose: true },
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/HH_API_URL.*user name or password.*The handler is disabled/);
    for (const l of lines) {
      expect(l.message).not.toContain(PASSWORD);
      expect(l.message).not.toContain("alice");
    }
    for (const e of errors) expect(e.message).not.toContain(PASSWORD);
    expect(hh.collector.requests).toHaveLength(0);
  });

  it("HH_API_URL with credentials to a host that is not loopback: the plain-http line does not carry them either", async () => {
    const { lines, warnings } = await runFromEnv({
      HH_API_KEY: TEST_KEY,
      HH_API_URL: `http://alice:${PASSWORD}@collector.internal:8787`,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/HH_API_URL/);
    for (const l of lines) expect(l.message).not.toContain(PASSWORD);
    expect(hh.collector.requests).toHaveLength(0);
  });

  it("the logger and the redactor strip a URL's userinfo from any line (defense in depth)", () => {
    const { lines, logger } = memoryLogger();
    const log = redactingLogger(logger, TEST_KEY, true);
    log.warn(`could not reach https://alice:${PASSWORD}@api.example.com/v1/events (ECONNREFUSED)`);
    log.debug(`target http://bob@127.0.0.1:8787, again http://x:y@h.example`);
    expect(lines.map((l) => l.message)).toEqual([
      "could not reach https://***@api.example.com/v1/events (ECONNREFUSED)",
      "target http://***@127.0.0.1:8787, again http://***@h.example",
    ]);
    expect(redactor(TEST_KEY)(`fetch http://alice:${PASSWORD}@h/x failed`)).toBe(
      "fetch http://***@h/x failed",
    );
    // Not userinfo: an @ after the host (path, query) stays.
    expect(redactor(undefined)("see https://h.example/users/@me?x=a@b")).toBe(
      "see https://h.example/users/@me?x=a@b",
    );
  });
});

describe("API key characters", () => {
  const cases: [string, string, RegExp][] = [
    [
      "a zero-width space",
      "hh-test-key\u200b-1234567890",
      /character 12 of the API key is U\+200B \(zero-width space\)/,
    ],
    [
      "a control character",
      "hh-test\u0001key-1234567890",
      /character 8 of the API key is U\+0001 \(a control character\)/,
    ],
    [
      "DEL",
      "hh-test-key-12345\u007f67890",
      /character 18 of the API key is U\+007F \(DEL, a control character\)/,
    ],
    ["a non-ASCII letter", "hh-tést-key-1234567890", /character 5 of the API key is U\+00E9 \(not ASCII\)/],
    [
      "an emoji (one character, two UTF-16 units)",
      "hh-😀-key-1234567890",
      /character 4 of the API key is U\+1F600 \(not ASCII\)/,
    ],
  ];
  for (const [what, key, expected] of cases) {
    it(`option apiKey with ${what}: HoneyHiveConfigError naming the position, never the key`, () => {
      const error = constructionError({ apiKey: key, serverUrl: hh.collector.url });
      expect(error.setting).toBe("apiKey");
      expect(error.message).toMatch(expected);
      expect(error.message).toMatch(/keys are printable ASCII/);
      expect(error.message).not.toContain("hh-t");
      expect(error.message).not.toContain("67890");
    });
  }

  it("surrounding whitespace is still trimmed first; inner whitespace keeps its own message", () => {
    expect(resolveOptions({ apiKey: ` ${TEST_KEY}\n` }, {}).apiKey).toBe(TEST_KEY);
    expect(() => new HoneyHiveHandler({ apiKey: "hh-abc def-0123456789" })).toThrow(
      /must not contain whitespace/,
    );
  });

  it("HH_API_KEY with a zero-width space: one warning naming the position, disabled, nothing sent", async () => {
    const { lines, warnings } = await runFromEnv({
      HH_API_KEY: "hh-test-key\u200b-1234567890",
      HH_API_URL: hh.collector.url,
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(
      /HH_API_KEY .*character 12 of the API key is U\+200B.*The handler is disabled/,
    );
    for (const l of lines) expect(l.message).not.toContain("hh-test-key");
    expect(hh.collector.requests).toHaveLength(0);
  });
});
