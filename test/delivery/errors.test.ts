/**
 * Errors and logging safety (SPEC §2, §5): every onError payload is a HoneyHiveError with a stable
 * code; the API key never appears, not even in part, in a log line or error (server text is
 * scrubbed before it is cut); a logger or onError that throws or rejects is contained; repeated
 * problems are throttled.
 */
import { createServer, type Server } from "node:http";
import { describe, expect, it } from "vitest";
import { asHoneyHiveError } from "../src/errors.js";
import {
  HoneyHiveConfigError,
  HoneyHiveDeliveryError,
  HoneyHiveError,
  HoneyHiveHandler,
  type Logger,
} from "../src/index.js";
import { LogThrottle } from "../src/util/log-throttle.js";
import { scrubThenCut } from "../src/util/logger.js";
import { useCollector } from "./helpers/setup.js";
import { closedPort, memoryLogger, smallChain } from "./helpers/workloads.js";

const hh = useCollector({ allowRejections: true });
const fast = { maxRetries: 1, retryBudgetMs: 300, requestTimeoutMs: 1000 };

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

describe("onError payloads", () => {
  it("a 400, a 401, an unreachable server and a failing mask each arrive with their code", async () => {
    const errors: Error[] = [];
    const onError = (e: Error): void => {
      errors.push(e);
    };
    const { logger } = memoryLogger();

    hh.collector.setFaults(() => ({ status: 400, body: { success: false, message: "bad field" } }));
    const rejected = hh.handler({ ...fast, onError, logger });
    await smallChain().invoke({ name: "x" }, { callbacks: [rejected] });
    await rejected.flush();

    hh.collector.setFaults(() => ({ status: 401, body: { message: "who are you" } }));
    const auth = hh.handler({ ...fast, onError, logger });
    await smallChain().invoke({ name: "x" }, { callbacks: [auth] });
    await auth.flush();
    hh.collector.setFaults(undefined);

    const down = new HoneyHiveHandler({
      ...fast,
      apiKey: "k-123456",
      serverUrl: `http://127.0.0.1:${await closedPort()}`,
      onError,
      logger,
    });
    await smallChain().invoke({ name: "x" }, { callbacks: [down] });
    await down.shutdown({ timeoutMs: 3000 });

    const masked = hh.handler({
      onError,
      logger,
      mask: () => {
        throw new Error("mask bug");
      },
    });
    await smallChain().invoke({ name: "x" }, { callbacks: [masked] });
    await masked.flush();

    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toBeInstanceOf(HoneyHiveError);
    const codes = new Set(errors.map((e) => (e as HoneyHiveError).code));
    expect([...codes].sort()).toEqual(["auth", "mask", "rejected", "unreachable"]);
    const mask = errors.find((e) => (e as HoneyHiveError).code === "mask");
    expect((mask?.cause as Error | undefined)?.message).toBe("mask bug");
    const auth401 = errors.find((e) => (e as HoneyHiveError).code === "auth") as HoneyHiveDeliveryError;
    expect(auth401.status).toBe(401);
  });
});

describe("callbacks the app supplies are contained", () => {
  it("a logger and an onError that throw or reject never reach the app (no unhandled rejection)", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", onUnhandled);
    let calls = 0;
    const rejecting = async (): Promise<void> => {
      calls++;
      throw new Error("async logger down");
    };
    const throwing = (): void => {
      calls++;
      throw new Error("sync logger down");
    };
    const asyncLogger: Logger = { debug: rejecting, info: rejecting, warn: rejecting, error: rejecting };
    const syncLogger: Logger = { debug: throwing, info: throwing, warn: throwing, error: throwing };
    try {
      hh.collector.setFaults(() => ({ status: 400, body: { message: "no" } }));
      for (const [logger, onError] of [
        [asyncLogger, rejecting],
        [syncLogger, throwing],
      ] as const) {
        const handler = hh.handler({ ...fast, verbose: true, logger, onError });
        expect(await smallChain().invoke({ name: "x" }, { callbacks: [handler] })).toBe("hello");
        await handler.flush();
      }
      // Rejections are reported after a turn of the event loop.
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(calls).toBeGreaterThan(4);
    expect(unhandled).toEqual([]);
  });
});

describe("the API key never leaks, not even in part", () => {
  /** A proxy that answers 400 with an HTML page echoing the request headers, the key just before the cut. */
  async function echoingProxy(): Promise<{ server: Server; url: string }> {
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const headers = Object.entries(req.headers)
          .map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`)
          .join("");
        // The authorization value starts a few characters before 300, where a cut would fall.
        const head = `<html><body><h1>400 Bad Request</h1><p>${"x".repeat(200)}</p>`;
        const auth = `<p>${req.headers.authorization}</p>`;
        const pad = " ".repeat(Math.max(0, 290 - head.length - 3 - "Bearer ".length));
        res.writeHead(400, { "content-type": "text/html" });
        res.end(`${head}${pad}${auth}<table>${headers}</table></body></html>`);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
  }

  it("a 400 HTML page echoing the Authorization header: no 8-character piece of the key in any line or error", async () => {
    const key = "hh_live_7Q2mZ9xKp4Lr8Vt1Nc6Bw3Hy5Ds0Fg2Jk4";
    const { server, url } = await echoingProxy();
    const { lines, logger } = memoryLogger();
    const errors: Error[] = [];
    try {
      const handler = new HoneyHiveHandler({
        ...fast,
        apiKey: key,
        serverUrl: url,
        verbose: true,
        logger,
        onError: (e) => errors.push(e),
      });
      await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
      await handler.shutdown({ timeoutMs: 3000 });
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.message.includes("400 Bad Request"))).toBe(true);
    const texts = [...lines.map((l) => l.message), ...errors.flatMap((e) => [e.message, String(e.stack)])];
    for (let i = 0; i + 8 <= key.length; i++) {
      const piece = key.slice(i, i + 8);
      for (const text of texts) expect(text, `a piece of the key (${piece}) leaked`).not.toContain(piece);
    }
  });

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
