/**
 * Hostile callers and corner cases (issue "Hardening"): callbacks with missing or repeated run ids,
 * a parent with thousands of children, overlapping shutdowns with their own deadlines.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { useCollector } from "./helpers/setup.js";
import { smallChain } from "./helpers/workloads.js";

const hh = useCollector();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const serialized = { lc: 1, type: "not_implemented", id: ["test", "Direct"] } as never;

describe("callers that break LangChain's own rules", () => {
  it("callbacks without a run id open nothing and send nothing", async () => {
    const handler = hh.handler();
    const call = handler as unknown as Record<string, (...args: unknown[]) => unknown>;
    call.handleChainStart?.(serialized, { q: 1 }, undefined);
    call.handleChainStart?.(serialized, { q: 1 }, "");
    call.handleToolStart?.(serialized, "x", undefined);
    call.handleChainEnd?.({ a: 1 }, undefined);
    expect(handler.stats().openRuns).toBe(0);
    await handler.flush();
    expect(hh.collector.requests).toHaveLength(0);
  });

  it("the same run id started twice is one run: one session, one event", async () => {
    const handler = hh.handler();
    const runId = "0193aaaa-0000-7000-8000-000000000001";
    handler.handleChainStart(serialized, { q: 1 }, runId);
    handler.handleChainStart(serialized, { q: 2 }, runId);
    handler.handleChainEnd({ a: 1 }, runId);
    await handler.flush();
    expect(hh.collector.sessions).toHaveLength(1);
    expect(hh.collector.events).toHaveLength(1);
    expect(hh.collector.events[0]?.inputs).toEqual({ q: 1 });
  });
});

describe("a parent with more than 5,000 children", () => {
  it("lists every child id, and only real ids", async () => {
    const handler = hh.handler();
    const child = RunnableLambda.from((i: number) => i).withConfig({ runName: "child" });
    const parent = RunnableLambda.from(async (n: number, config) => {
      for (let i = 0; i < n; i++) await child.invoke(i, config);
      return n;
    }).withConfig({ runName: "parent" });
    await parent.invoke(5003, { callbacks: [handler] });
    await handler.flush({ timeoutMs: 60_000 });
    const root = hh.collector.events.find((e) => e.event_name === "parent");
    expect(root?.children_ids).toHaveLength(5003);
    for (const id of root?.children_ids ?? []) expect(id).toMatch(UUID);
    expect(hh.collector.events).toHaveLength(5004);
  }, 60_000);
});

describe("overlapping shutdowns", () => {
  it("a second shutdown({ timeoutMs }) returns by its own deadline, not the first one's", async () => {
    hh.collector.setFaults(() => ({ delayMs: 4_000 }));
    const handler = hh.handler({ requestTimeoutMs: 10_000 });
    await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
    const first = handler.shutdown({ timeoutMs: 3_000 });
    const started = Date.now();
    const second = await handler.shutdown({ timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(second.timedOut).toBe(true);
    expect((await first).timedOut).toBe(true);
  });
});
