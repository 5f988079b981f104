/**
 * The fetch transport (the one Workers, Edge, Deno and Bun use), driven here with Node's own fetch
 * over real HTTP: against the collector for answers, and against small purpose-made servers for
 * what the collector cannot do (a body that never ends, a self-signed certificate, counting
 * requests in flight).
 */
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FetchTransport } from "../../src/delivery/fetch-transport.js";
import type { TransportOptions } from "../../src/delivery/transport.js";
import { TEST_KEY, useCollector } from "../helpers/setup.js";

const hh = useCollector({ allowRejections: true });
const fixtures = join(import.meta.dirname, "fixtures");

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function transport(options: Partial<TransportOptions> = {}): FetchTransport {
  const t = new FetchTransport({
    serverUrl: hh.collector.url,
    apiKey: TEST_KEY,
    connections: 4,
    requestTimeoutMs: 5_000,
    maxResponseBytes: 64 * 1024,
    ...options,
  });
  closers.push(() => t.destroy());
  return t;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A plain HTTP server on loopback for one test. */
async function server(handler: Handler): Promise<string> {
  const s = createHttpServer(handler);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const session = (id: string): string => JSON.stringify({ session_id: id, session_name: "t", source: "test" });

describe("FetchTransport", () => {
  it("posts with the key and returns status, body and Retry-After", async () => {
    const t = transport();
    const ok = await t.send("POST", "/v1/sessions", session("0b8a3b3c-1d5e-4f6a-8b9c-0d1e2f3a4b5c"));
    expect(ok).toMatchObject({ kind: "response", status: 200 });
    expect(hh.collector.sessions.map((s) => s.session_id)).toEqual(["0b8a3b3c-1d5e-4f6a-8b9c-0d1e2f3a4b5c"]);

    hh.collector.setFaults(() => ({
      status: 429,
      body: { message: "slow down" },
      headers: { "retry-after": "7" },
    }));
    const limited = await t.send("POST", "/v1/sessions", session("1b8a3b3c-1d5e-4f6a-8b9c-0d1e2f3a4b5c"));
    expect(limited).toEqual({
      kind: "response",
      status: 429,
      body: '{"message":"slow down"}',
      retryAfter: "7",
    });
  });

  it("keeps a path prefix of serverUrl", async () => {
    const seen: string[] = [];
    const url = await server((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.end("{}");
    });
    await transport({ serverUrl: `${url}/proxy/hh` }).send("PUT", "/v1/events/abc", "{}");
    expect(seen).toEqual([`PUT /proxy/hh/v1/events/abc Bearer ${TEST_KEY}`]);
  });

  it("reads a response body only up to maxResponseBytes", async () => {
    hh.collector.setFaults(() => ({ status: 500, body: { message: "x".repeat(200_000) } }));
    const result = await transport({ maxResponseBytes: 1000 }).send("POST", "/v1/events", "{}");
    expect(result.kind).toBe("response");
    if (result.kind === "response") {
      expect(result.status).toBe(500);
      expect(result.body.length).toBe(1000);
    }
  });

  it("one deadline covers the body too: headers then a stalled body is a retryable timeout", async () => {
    const url = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"partial":');
      // ...and never finishes.
    });
    const result = await transport({ serverUrl: url, requestTimeoutMs: 300 }).send(
      "POST",
      "/v1/events",
      "{}",
    );
    expect(result).toMatchObject({ kind: "network-error", retryable: true });
    if (result.kind === "network-error") expect(result.error.message).toContain("requestTimeoutMs");
  });

  it("a refused connection is retryable; a self-signed certificate is not", async () => {
    const refused = await transport({ serverUrl: "http://127.0.0.1:9" }).send("POST", "/v1/events", "{}");
    expect(refused).toMatchObject({ kind: "network-error", retryable: true });

    const tls = createHttpsServer(
      {
        key: readFileSync(join(fixtures, "self-signed-key.pem")),
        cert: readFileSync(join(fixtures, "self-signed-cert.pem")),
      },
      (_req, res) => res.end("{}"),
    );
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => tls.close(() => resolve())));
    const port = (tls.address() as AddressInfo).port;
    const result = await transport({ serverUrl: `https://127.0.0.1:${port}` }).send(
      "POST",
      "/v1/events",
      "{}",
    );
    expect(result).toMatchObject({ kind: "network-error", retryable: false });
  });

  it("an API key that is not a valid header value fails every request, unretryably, without quoting it", async () => {
    const result = await transport({ apiKey: "hh-key\nInjected: 1" }).send("POST", "/v1/events", "{}");
    expect(result).toMatchObject({ kind: "network-error", retryable: false });
    if (result.kind === "network-error") expect(result.error.message).not.toContain("hh-key");
    expect(hh.collector.requests).toHaveLength(0);
  });

  it("has at most `connections` requests in flight and completes them all", async () => {
    let inFlight = 0;
    let most = 0;
    const url = await server((_req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end("{}");
      }, 20);
    });
    const t = transport({ serverUrl: url, connections: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, () => t.send("POST", "/v1/events", "{}")));
    expect(results.every((r) => r.kind === "response" && r.status === 200)).toBe(true);
    expect(most).toBe(3);
  });

  it("close() waits for requests in flight; destroy() aborts them", async () => {
    const held: ServerResponse[] = [];
    const url = await server((_req, res) => {
      held.push(res);
    });
    const t = transport({ serverUrl: url, requestTimeoutMs: 30_000 });
    const first = t.send("POST", "/v1/events", "{}");
    while (held.length < 1) await new Promise((r) => setTimeout(r, 5));
    let closed = false;
    const closing = t.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    held[0]?.end("{}");
    expect(await first).toMatchObject({ kind: "response", status: 200 });
    await closing;
    expect(await t.send("POST", "/v1/events", "{}")).toMatchObject({
      kind: "network-error",
      retryable: false,
    });

    const t2 = transport({ serverUrl: url, requestTimeoutMs: 30_000 });
    const stuck = t2.send("POST", "/v1/events", "{}");
    while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
    await t2.destroy();
    expect(await stuck).toMatchObject({ kind: "network-error" });
  });
});
