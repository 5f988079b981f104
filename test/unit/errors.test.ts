/**
 * Error classes and codes, the key scrubber and the log throttle, as pure modules.
 */
import { describe, expect, it } from "vitest";
import { asHoneyHiveError } from "../../src/errors.js";
import { HoneyHiveConfigError, HoneyHiveDeliveryError, HoneyHiveError } from "../../src/index.js";
import { LogThrottle } from "../../src/util/log-throttle.js";
import { scrubThenCut } from "../../src/util/logger.js";

describe("error classes", () => {
  it("share a base class and a stable code", () => {
    const config = new HoneyHiveConfigError("bad", "serverUrl");
    expect(config).toBeInstanceOf(HoneyHiveError);
    expect(config).toBeInstanceOf(Error);
    expect([config.code, config.name, config.setting]).toEqual([
      "config",
      "HoneyHiveConfigError",
      "serverUrl",
    ]);
    const codes = [401, 403, 400, 404, 413, 408, 429, 500, 503, undefined].map(
      (s) => new HoneyHiveDeliveryError("x", s).code,
    );
    expect(codes).toEqual([
      "auth",
      "auth",
      "rejected",
      "rejected",
      "rejected",
      "unreachable",
      "unreachable",
      "unreachable",
      "unreachable",
      "unreachable",
    ]);
    expect(new HoneyHiveDeliveryError("x", 400).status).toBe(400);
  });

  it("anything else becomes an internal HoneyHiveError that keeps the original as its cause", () => {
    const original = new TypeError("boom");
    const wrapped = asHoneyHiveError(original);
    expect(wrapped.code).toBe("internal");
    expect(wrapped.cause).toBe(original);
    expect(wrapped.message).toContain("TypeError: boom");
    expect(asHoneyHiveError(wrapped)).toBe(wrapped);
    const unprintable = {
      toString() {
        throw new Error("no");
      },
    };
    expect(asHoneyHiveError(unprintable).code).toBe("internal");
  });
});

describe("the API key never leaks, not even in part", () => {
  it("scrubThenCut scrubs before it cuts", () => {
    const key = "secret-key-0123456789";
    const text = `${"a".repeat(290)}Bearer ${key} and more`;
    const out = scrubThenCut(text, key, 300);
    expect(out).not.toContain("secret-k");
    expect(out.length).toBeLessThanOrEqual(301);
    expect(scrubThenCut(`x ${key} y ${key}`, key, 1000)).toBe("x [REDACTED] y [REDACTED]");
  });
});

describe("log throttle", () => {
  it("logs the first occurrence, then at most once a minute with a count of what it held back", () => {
    let now = 1_000_000;
    const throttle = new LogThrottle({ now: () => now });
    const out: string[] = [];
    const log = (line: string): void => {
      out.push(line);
    };
    throttle.log("503 /v1/events", "server answered 503", log);
    for (let i = 0; i < 10; i++) {
      now += 1000;
      throttle.log("503 /v1/events", "server answered 503", log);
    }
    // A different problem is not held back by the first one.
    throttle.log("401 /v1/events", "key refused", log);
    expect(out).toEqual(["server answered 503", "key refused"]);
    now += 50_000; // 60 s after the first line
    throttle.log("503 /v1/events", "server answered 503", log);
    expect(out[2]).toBe("server answered 503 (10 more like this since the last such line were not logged)");
    now += 59_999;
    throttle.log("503 /v1/events", "server answered 503", log);
    expect(out).toHaveLength(3);
    now += 1;
    throttle.log("503 /v1/events", "server answered 503", log);
    expect(out[3]).toBe("server answered 503 (1 more like this since the last such line were not logged)");
    now += 120_000;
    expect(throttle.line("503 /v1/events", "again")).toBe("again");
  });
});
