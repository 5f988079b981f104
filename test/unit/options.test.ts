/**
 * Options validation (a bad option throws HoneyHiveConfigError naming it) and resolving options from
 * the environment, without a collector.
 */
import { describe, expect, it } from "vitest";
import { ENV_VARS, resolveOptions } from "../../src/config/options.js";
import { HoneyHiveConfigError, HoneyHiveError, HoneyHiveHandler } from "../../src/index.js";
import { configError, useCollector } from "../helpers/setup.js";

const _hh = useCollector();

describe("handler options", () => {
  it("an invalid option throws an error that names it", () => {
    expect(() => new HoneyHiveHandler({ apiKey: "k", concurrency: -1 })).toThrow(/`concurrency`/);
    expect(() => new HoneyHiveHandler({ apiKey: "k", serverUrl: "ftp://x" })).toThrow(HoneyHiveConfigError);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately passing an unknown option
    expect(() => new HoneyHiveHandler({ apiKey: "k", sesionId: "typo" } as any)).toThrow(
      /`sesionId` is not a known option/,
    );
    const error = configError(() => new HoneyHiveHandler({ apiKey: "k", sampleRate: 1.5 }));
    expect(error).toBeInstanceOf(HoneyHiveError);
    expect(error.code).toBe("config");
    expect(error.setting).toBe("sampleRate");
    expect(error.message).toMatch(/`sampleRate` must be a number from 0 to 1/);
  });

  it("every bad server URL in code is a HoneyHiveConfigError naming serverUrl (not a TypeError or undici's error)", () => {
    for (const serverUrl of ["localhost:8787", "ftp://example.com", "file:///etc/passwd", "not a url", ""]) {
      const error = configError(() => new HoneyHiveHandler({ apiKey: "k", serverUrl }));
      expect(error.setting).toBe("serverUrl");
      expect(error.message).toMatch(/`serverUrl` must be an http:\/\/ or https:\/\/ URL/);
    }
  });

  it("timeouts must fit in a timer: 3e9 ms is a config error, not a flush that returns at once", () => {
    for (const name of ["flushTimeoutMs", "requestTimeoutMs", "retryBudgetMs", "openRunTtlMs"] as const) {
      const error = configError(() => new HoneyHiveHandler({ apiKey: "k", [name]: 3e9 }));
      expect(error.setting).toBe(name);
      expect(error.message).toMatch(/at most 2147483647 ms/);
    }
    expect(() => new HoneyHiveHandler({ apiKey: "k", flushTimeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });

  it("refuses plain http:// to a non-loopback host unless allowInsecureHttp is set", () => {
    expect(() => new HoneyHiveHandler({ apiKey: "k", serverUrl: "http://collector.example.com" })).toThrow(
      /allowInsecureHttp/,
    );
    expect(
      () =>
        new HoneyHiveHandler({
          apiKey: "k",
          serverUrl: "http://collector.example.com",
          allowInsecureHttp: true,
        }),
    ).not.toThrow();
    expect(() => new HoneyHiveHandler({ apiKey: "k", serverUrl: "http://127.0.0.1:1" })).not.toThrow();
  });
});

describe("values read from the environment", () => {
  it("HONEYHIVE_API_KEY is used when HH_API_KEY is blank", () => {
    const resolved = resolveOptions({}, { HH_API_KEY: "  ", HONEYHIVE_API_KEY: "hh-second" });
    expect(resolved.apiKey).toBe("hh-second");
    expect(resolved.sources.apiKey).toBe("HONEYHIVE_API_KEY");
  });

  it("every variable is parsed by the schema of the option it fills", () => {
    const env = {
      HH_API_KEY: "k-123",
      HH_API_URL: "https://example.com///",
      HH_SOURCE: "svc",
      HH_SESSION_NAME: "name",
      HH_ENABLED: "yes",
      HH_HIDE_INPUTS: "on",
      HH_HIDE_OUTPUTS: "1",
      HH_SAMPLE_RATE: ".25",
      HH_ALLOW_INSECURE_HTTP: "no",
      HH_VERBOSE: "Y",
    };
    const resolved = resolveOptions({}, env);
    expect(resolved).toMatchObject({
      apiKey: "k-123",
      serverUrl: "https://example.com",
      source: "svc",
      sessionName: "name",
      enabled: true,
      hideInputs: true,
      hideOutputs: true,
      sampleRate: 0.25,
      allowInsecureHttp: false,
      verbose: true,
      envProblem: undefined,
    });
    const mapped = Object.values(ENV_VARS).flat();
    expect(Object.keys(env).every((name) => mapped.includes(name as never))).toBe(true);
    expect(Object.keys(resolved.sources).sort()).toEqual(Object.keys(ENV_VARS).sort());
  });
});
