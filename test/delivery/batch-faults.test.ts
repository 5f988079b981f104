/**
 * Batching never widens a failure (SPEC §5): storms of 503s, one poison item among many, session
 * items refused, 413 above a byte limit, Retry-After in seconds and as a date, a 200 that says it
 * failed. Each asserts exactly-once by event id, and the request count where the cost is bounded.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import type { HoneyHiveError, HoneyHiveHandler } from "../../src/index.js";
import { postsEvents, useCollector } from "../helpers/setup.js";
import { EVENTS_PER_SMALL_CHAIN, memoryLogger, smallChain } from "../helpers/workloads.js";

const hh = useCollector({ allowRejections: true });

interface Item {
  event_id?: string;
  event_type?: string;
  event_name?: string;
}

function itemsOf(body: unknown): Item[] {
  const b = body as { events?: Item[] };
  return Array.isArray(b.events) ? b.events : [body as Item];
}

async function runChains(handler: HoneyHiveHandler, n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) => smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] })),
  );
}

/** Every event and session of `n` small chains arrived, none twice. */
function expectAllOnce(n: number, extraEvents = 0): void {
  const { events, sessions, duplicates } = hh.collector;
  expect(events).toHaveLength(n * EVENTS_PER_SMALL_CHAIN + extraEvents);
  expect(sessions).toHaveLength(n);
  expect(duplicates.size).toBe(0);
}

describe("storms", () => {
  it("10 consecutive 503s while one batch carries 10 sessions: everything arrives exactly once", async () => {
    let served = 0;
    hh.collector.setFaults(() => (served++ < 10 ? { status: 503 } : undefined));
    // Backoff is capped at a twelfth of the budget, so several probes fit in it.
    const handler = hh.handler({ retryBudgetMs: 8_000, requestTimeoutMs: 2_000 });
    await runChains(handler, 10);
    const result = await handler.flush({ timeoutMs: 20_000 });
    expect(result).toMatchObject({ timedOut: false, failed: 0, dropped: 0 });
    expectAllOnce(10);
    expect(hh.collector.requests.filter((r) => r.status === 503)).toHaveLength(10);
  });

  it("30 consecutive 503s with Retry-After: one probe at a time, then everything exactly once", async () => {
    let served = 0;
    hh.collector.setFaults(() =>
      served++ < 30 ? { status: 503, headers: { "retry-after": "0.15" } } : undefined,
    );
    const handler = hh.handler({ retryBudgetMs: 30_000, requestTimeoutMs: 2_000 });
    await runChains(handler, 10);
    // More roots while the storm is on: they wait behind the probe, not in a retry loop of their own.
    await new Promise((r) => setTimeout(r, 500));
    await runChains(handler, 5);
    const result = await handler.flush({ timeoutMs: 25_000 });
    expect(result).toMatchObject({ timedOut: false, failed: 0, dropped: 0 });
    expectAllOnce(15);
    expect(hh.collector.requests.filter((r) => r.status === 503)).toHaveLength(30);
  });

  it("Retry-After: 3600 (seconds or an HTTP date an hour ahead) is capped to the budget and probed again", async () => {
    for (const header of ["3600", new Date(Date.now() + 3_600_000).toUTCString()]) {
      hh.collector.reset();
      let served = 0;
      hh.collector.setFaults(() =>
        served++ < 1 ? { status: 503, headers: { "retry-after": header } } : undefined,
      );
      const errors: Error[] = [];
      const handler = hh.handler({ retryBudgetMs: 1_500, onError: (e) => errors.push(e) });
      await runChains(handler, 3);
      await new Promise((r) => setTimeout(r, 100));
      await runChains(handler, 3);
      const result = await handler.flush({ timeoutMs: 10_000 });
      expect(result).toMatchObject({ timedOut: false, failed: 0 });
      expect(errors).toEqual([]);
      expectAllOnce(6);
      await handler.shutdown();
    }
  });
});

describe("poison", () => {
  const poison = RunnableLambda.from((x: string) => x).withConfig({ runName: "poison" });

  /** Refuses the `poison` event wherever it is, naming its index in a batch when `named`. */
  function refusePoison(named: boolean): void {
    hh.collector.setFaults(({ body }) => {
      const items = itemsOf(body);
      const index = items.findIndex((e) => e.event_name === "poison" && e.event_type !== "session");
      if (index < 0) return undefined;
      const where = Array.isArray((body as { events?: unknown }).events) && named ? `events[${index}]: ` : "";
      return { status: 400, body: { success: false, message: `${where}metadata.secret is not allowed` } };
    });
  }

  for (const named of [true, false]) {
    for (const at of ["first", "middle", "last"] as const) {
      it(`one refused event ${at} in a batch of 4 traces (index ${named ? "named" : "not named"}): the rest arrive, it is reported once`, async () => {
        refusePoison(named);
        const errors: HoneyHiveError[] = [];
        const { lines, logger } = memoryLogger();
        const handler = hh.handler({ onError: (e) => errors.push(e as HoneyHiveError), logger });
        const runs = [0, 1, 2].map(
          (i) => () => smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] }),
        );
        const poisoned = () => poison.invoke("x", { callbacks: [handler] });
        const order =
          at === "first"
            ? [poisoned, ...runs]
            : at === "middle"
              ? [runs[0], poisoned, runs[1], runs[2]]
              : [...runs, poisoned];
        await Promise.all(order.map((f) => (f as () => Promise<unknown>)()));
        const result = await handler.flush({ timeoutMs: 10_000 });
        expect(result).toMatchObject({ timedOut: false, failed: 1 });
        const { events, sessions, duplicates, requests } = hh.collector;
        expect(events).toHaveLength(3 * EVENTS_PER_SMALL_CHAIN);
        expect(events.some((e) => e.event_name === "poison")).toBe(false);
        // The poisoned root's session itself is fine: it arrives.
        expect(sessions).toHaveLength(4);
        expect(duplicates.size).toBe(0);
        expect(errors).toHaveLength(1);
        expect(errors[0]?.code).toBe("rejected");
        expect(errors[0]?.message).toContain("metadata.secret is not allowed");
        expect(lines.filter((l) => l.level === "error" || l.level === "warn")).toHaveLength(1);
        // One batch of 17 items: the cost of isolating one poison item is bounded.
        const refused = requests.filter((r) => r.status === 400).length;
        const n = 4 + 3 * EVENTS_PER_SMALL_CHAIN + 1;
        expect(refused).toBeLessThanOrEqual(named ? 2 : 2 * Math.ceil(Math.log2(n)) + 1);
        expect(requests.filter((r) => r.path === "/v1/sessions")).toHaveLength(0);
      });
    }
  }

  it("a server that refuses every event but takes session items: sessions ride along, no classic fallback, each event reported once", async () => {
    hh.collector.setFaults(({ body }) => {
      const refused = itemsOf(body).findIndex((e) => e.event_type !== "session");
      return refused < 0 ? undefined : { status: 400, body: { message: `events[${refused}]: not today` } };
    });
    const errors: Error[] = [];
    const handler = hh.handler({ onError: (e) => errors.push(e) });
    await runChains(handler, 3);
    const result = await handler.flush({ timeoutMs: 10_000 });
    expect(result).toMatchObject({ timedOut: false, failed: 3 * EVENTS_PER_SMALL_CHAIN });
    expect(hh.collector.sessions).toHaveLength(3);
    expect(errors).toHaveLength(3 * EVENTS_PER_SMALL_CHAIN);
    const { requests } = hh.collector;
    expect(requests.filter((r) => r.path === "/v1/sessions")).toHaveLength(0);
    // Nothing refused is sent again whole: each request after the first carries less.
    expect(requests.length).toBeLessThanOrEqual(3 * (3 * EVENTS_PER_SMALL_CHAIN + 3));
  });
});

describe("413", () => {
  it("a root with 60 children of 40k CJK characters behind a 1 MB proxy: split by bytes, all 61 events arrive", async () => {
    const LIMIT = 1_000_000;
    hh.collector.setFaults(({ body }) =>
      Buffer.byteLength(JSON.stringify(body)) > LIMIT
        ? { status: 413, body: "Request Entity Too Large" }
        : undefined,
    );
    const child = RunnableLambda.from((i: number) => "漢".repeat(40_000) + i).withConfig({ runName: "cjk" });
    const root = RunnableLambda.from(async (_: string, config) => {
      for (let i = 0; i < 60; i++) await child.invoke(i, config);
      return "done";
    }).withConfig({ runName: "root" });
    const errors: Error[] = [];
    const handler = hh.handler({ onError: (e) => errors.push(e) });
    await root.invoke("go", { callbacks: [handler] });
    const result = await handler.flush({ timeoutMs: 20_000 });
    expect(errors).toEqual([]);
    expect(result).toMatchObject({ timedOut: false, failed: 0 });
    const { events, sessions, duplicates, requests } = hh.collector;
    expect(events).toHaveLength(61);
    expect(sessions).toHaveLength(1);
    expect(duplicates.size).toBe(0);
    for (const r of requests.filter((r) => r.status === 200)) expect(r.bytes).toBeLessThanOrEqual(LIMIT);
  });

  it("the same with the default limit: no request is over 5 MB in bytes (sized in UTF-8, not characters)", async () => {
    const child = RunnableLambda.from((i: number) => "漢".repeat(40_000) + i).withConfig({ runName: "cjk" });
    const root = RunnableLambda.from(async (_: string, config) => {
      for (let i = 0; i < 60; i++) await child.invoke(i, config);
      return "done";
    }).withConfig({ runName: "root" });
    const handler = hh.handler();
    await root.invoke("go", { callbacks: [handler] });
    const result = await handler.flush({ timeoutMs: 20_000 });
    expect(result).toMatchObject({ timedOut: false, failed: 0 });
    expect(hh.collector.events).toHaveLength(61);
    for (const r of hh.collector.requests) expect(r.bytes).toBeLessThanOrEqual(5 * 1024 * 1024);
  });
});

describe("answers that are not what they seem", () => {
  it('a 200 whose body says {"success": false} is not a delivery: retried, said once, everything exactly once', async () => {
    let served = 0;
    hh.collector.setFaults(({ path }) =>
      postsEvents({ method: "POST", path }) && served++ < 3
        ? { status: 200, body: { success: false } }
        : undefined,
    );
    const { lines, logger } = memoryLogger();
    const handler = hh.handler({ logger, retryBudgetMs: 10_000 });
    for (let i = 0; i < 4; i++) {
      await runChains(handler, 2);
      await new Promise((r) => setTimeout(r, 40));
    }
    const result = await handler.flush({ timeoutMs: 15_000 });
    expect(result).toMatchObject({ timedOut: false, failed: 0 });
    expectAllOnce(8);
    expect(lines.filter((l) => l.message.includes('"success": false'))).toHaveLength(1);
  });
});

describe("a redirect", () => {
  it("is reported as what it is: the URL is not the API's (code unreachable, not 'rejected')", async () => {
    hh.collector.setFaults(() => ({
      status: 301,
      headers: { location: "https://elsewhere.example/v1/events" },
    }));
    const errors: HoneyHiveError[] = [];
    const handler = hh.handler({ onError: (e) => errors.push(e as HoneyHiveError) });
    await runChains(handler, 1);
    await handler.flush({ timeoutMs: 5_000 });
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.code).toBe("unreachable");
      expect(e.message).toContain("redirect");
      expect(e.message).not.toContain("rejected");
    }
  });
});
