/**
 * Errors and logging safety in delivery (SPEC §2, §5): every onError payload is a HoneyHiveError
 * with a stable code; the API key never appears, not even in part, in a log line or error; a
 * logger or onError that throws or rejects is contained.
 */
import { createServer, type Server } from "node:http";
import { describe, expect, it } from "vitest";
import {
  type HoneyHiveDeliveryError,
  HoneyHiveError,
  HoneyHiveHandler,
  type Logger,
} from "../../src/index.js";
import { useCollector } from "../helpers/setup.js";
import { closedPort, memoryLogger, smallChain } from "../helpers/workloads.js";

const hh = useCollector({ allowRejections: true });

const fast = { maxRetries: 1, retryBudgetMs: 300, requestTimeoutMs: 1000 };

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
        // The 400s were still counted as failures (the broken callbacks lost nothing but words).
        expect((await handler.flush()).failed).toBeGreaterThan(0);
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
});
