/**
 * Handlers share one connection pool per server and key (a handler per request costs no sockets),
 * but a pool is built from options: a second handler with other options must get what it asked
 * for, not the first handler's timeouts and connection count.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { RunnableLambda } from "@langchain/core/runnables";
import { afterEach, describe, expect, it } from "vitest";
import { HoneyHiveHandler } from "../../src/index.js";
import { useCollector } from "../helpers/setup.js";
import { smallChain } from "../helpers/workloads.js";

const hh = useCollector();

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A key no other test uses, so no pool made elsewhere in this process can be picked up. */
const freshKey = (): string => `hh-pool-${crypto.randomUUID()}`;

function handler(options: ConstructorParameters<typeof HoneyHiveHandler>[0]): HoneyHiveHandler {
  const h = new HoneyHiveHandler(options);
  closers.push(() => h.shutdown({ timeoutMs: 1000 }));
  return h;
}

describe("a pool shared by handlers with different options", () => {
  it("a server answering in 3 s: the 8 s handler delivers although a 1 s handler made the pool first", async () => {
    const apiKey = freshKey();
    handler({ apiKey, serverUrl: hh.collector.url, requestTimeoutMs: 1000 });
    const errors: Error[] = [];
    const slow = handler({
      apiKey,
      serverUrl: hh.collector.url,
      requestTimeoutMs: 8000,
      onError: (e) => errors.push(e),
    });
    hh.collector.setFaults(() => ({ delayMs: 3000 }));
    await smallChain().invoke({ name: "x" }, { callbacks: [slow] });
    const result = await slow.flush({ timeoutMs: 20_000 });
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(result).toMatchObject({ timedOut: false, failed: 0 });
    expect(hh.collector.events).toHaveLength(4);
  }, 30_000);

  it("concurrency is the handler's own: 4 requests in flight although a concurrency-1 handler made the pool first", async () => {
    let inFlight = 0;
    let most = 0;
    const server = createServer(async (req: IncomingMessage, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      for await (const _ of req);
      await new Promise((r) => setTimeout(r, 300));
      inFlight--;
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"success":true}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    closers.push(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(r);
        }),
    );
    const serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const apiKey = freshKey();
    handler({ apiKey, serverUrl, concurrency: 1 });
    const wide = handler({ apiKey, serverUrl, concurrency: 4 });
    // Four sessions, each a fixed session id: four POST /v1/sessions that can go out at once.
    const step = RunnableLambda.from((x: number) => x + 1).withConfig({ runName: "step" });
    await Promise.all(
      [1, 2, 3, 4].map((i) => step.invoke(i, { callbacks: [wide], metadata: { thread_id: `t-${i}` } })),
    );
    expect(await wide.flush({ timeoutMs: 10_000 })).toMatchObject({ timedOut: false, failed: 0 });
    expect(most).toBeGreaterThan(1);
  });

  it("a handler per request, each shut down: the next one reuses the warm connection", async () => {
    let connections = 0;
    const server = createServer(async (req: IncomingMessage, res) => {
      for await (const _ of req);
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"success":true}');
    });
    server.on("connection", () => connections++);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    closers.push(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(r);
        }),
    );
    const serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const apiKey = freshKey();
    const step = RunnableLambda.from((x: number) => x + 1).withConfig({ runName: "step" });
    for (let i = 0; i < 5; i++) {
      const h = new HoneyHiveHandler({ apiKey, serverUrl, concurrency: 1 });
      await step.invoke(i, { callbacks: [h] });
      expect(await h.shutdown()).toMatchObject({ timedOut: false, failed: 0 });
    }
    expect(connections).toBe(1);
  });
});
