/**
 * Privacy: masking (sync, async, throwing, never settling), hideInputs / hideOutputs, per-session
 * sampling and the kill switch.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { HoneyHiveHandler } from "../../src/index.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, useCollector } from "../helpers/setup.js";
import { EVENTS_PER_SMALL_CHAIN, smallChain } from "../helpers/workloads.js";

const hh = useCollector();

describe("privacy", () => {
  const EMAIL = /[\w.+-]+@[\w-]+\.[\w.]+/g;

  async function runWithEmails(handler: HoneyHiveHandler) {
    const lookup = tool(async ({ email }) => `found account for ${email}`, {
      name: "lookup_user",
      description: "Find a user",
      schema: z.object({ email: z.string() }),
    });
    const model = new ScriptedChatModel({
      replies: [
        { toolCalls: [{ id: "c1", name: "lookup_user", args: { email: "jane.doe@example.com" } }] },
        { content: "Mail sent to jane.doe@example.com" },
      ],
    });
    const flow = RunnableLambda.from(async (q: { question: string }, config) => {
      const first = await model.invoke(q.question, config);
      const found = await lookup.invoke(first.tool_calls?.[0] as never, config);
      const answer = await model.invoke([first, found], config);
      return { answer: answer.content, contact: "ops@corp.example.org" };
    }).withConfig({ runName: "support_flow" });
    await flow.invoke(
      { question: "Email me at jane.doe@example.com" },
      { callbacks: [handler], metadata: { requester: "boss@example.com" } },
    );
    await handler.flush();
  }

  it("a mask that redacts e-mail addresses: nothing containing one reaches the collector", async () => {
    const redact = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replace(EMAIL, "[email]"));
    const handler = hh.handler({ mask: (value) => redact(value) });
    await runWithEmails(handler);
    const { requests, events } = hh.collector;
    expect(events.length).toBeGreaterThanOrEqual(4);
    for (const r of requests) expect(JSON.stringify(r.body)).not.toMatch(EMAIL);
    expect(JSON.stringify(byName(events, "lookup_user").inputs)).toContain("[email]");
  });

  it("an async mask works the same way", async () => {
    const handler = hh.handler({
      mask: async (value) => {
        await new Promise((r) => setTimeout(r, 1));
        return JSON.parse(JSON.stringify(value).replace(EMAIL, "[email]"));
      },
    });
    await runWithEmails(handler);
    for (const r of hh.collector.requests) expect(JSON.stringify(r.body)).not.toMatch(EMAIL);
  });

  it("a mask that throws fails closed: the field is withheld, the event still arrives", async () => {
    const errors: Error[] = [];
    const handler = hh.handler({
      mask: (value, ctx) => {
        if (ctx.field === "inputs") throw new Error("mask bug");
        return value;
      },
      onError: (e) => errors.push(e),
    });
    await runWithEmails(handler);
    const { events, sessions } = hh.collector;
    expect(events.length).toBeGreaterThanOrEqual(4);
    for (const e of events) expect(e.inputs).toEqual({ masked: "[masking failed: field withheld]" });
    expect(sessions[0]?.inputs).toEqual({ masked: "[masking failed: field withheld]" });
    expect(errors.length).toBeGreaterThan(0);
  });

  it("hideInputs / hideOutputs (also by env var) drop those fields everywhere", async () => {
    vi.stubEnv("HH_HIDE_OUTPUTS", "true");
    try {
      const handler = hh.handler({ hideInputs: true });
      await runWithEmails(handler);
    } finally {
      vi.unstubAllEnvs();
    }
    const { requests } = hh.collector;
    for (const r of requests) {
      const body = JSON.stringify(r.body);
      expect(body).not.toContain("jane.doe");
      expect(body).not.toContain("Mail sent");
    }
  });
});

describe("never stuck", () => {
  it("a mask that never settles withholds the field after maskTimeoutMs; nothing else waits", async () => {
    const errors: Error[] = [];
    const handler = hh.handler({
      mask: (value, { field }) => (field === "inputs" ? new Promise(() => {}) : value),
      maskTimeoutMs: 200,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 3; i++) await smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] });
    const result = await handler.flush({ timeoutMs: 5_000 });
    expect(result.timedOut).toBe(false);
    expect(hh.collector.events).toHaveLength(3 * EVENTS_PER_SMALL_CHAIN);
    for (const e of hh.collector.events)
      expect(e.inputs).toEqual({ masked: "[masking failed: field withheld]" });
    expect(errors.some((e) => e.message.includes("maskTimeoutMs"))).toBe(true);
  });
});

describe("sampling and the kill switch", () => {
  it("sampleRate 0.5 over 200 sessions keeps roughly half, each one whole", async () => {
    const handler = hh.handler({ sampleRate: 0.5, concurrency: 16 });
    const chain = smallChain();
    for (let i = 0; i < 200; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => chain.invoke({ name: `s${i + j}` }, { callbacks: [handler] })),
      );
    }
    await handler.flush({ timeoutMs: 20_000 });
    const { sessions, events } = hh.collector;
    expect(sessions.length).toBeGreaterThan(70);
    expect(sessions.length).toBeLessThan(130);
    for (const s of sessions) {
      expect(events.filter((e) => e.session_id === s.session_id)).toHaveLength(4);
      expect(s.outputs).toBeDefined();
    }
    expect(new Set(events.map((e) => e.session_id)).size).toBe(sessions.length);
  });

  it("the same session id gets the same decision in every handler (every turn of a thread)", async () => {
    const a = hh.handler({ sampleRate: 0.5 });
    const b = hh.handler({ sampleRate: 0.5 });
    for (let i = 0; i < 20; i++) {
      const meta = { metadata: { honeyhive: { sessionId: `thread-${i}` } } };
      await smallChain().invoke({ name: "a" }, { callbacks: [a], ...meta });
      await smallChain().invoke({ name: "b" }, { callbacks: [b], ...meta });
    }
    await Promise.all([a.flush(), b.flush()]);
    const { sessions, events } = hh.collector;
    // Some threads kept and some dropped (a loop over no sessions would prove nothing).
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.length).toBeLessThan(20);
    for (const s of sessions) {
      expect(events.filter((e) => e.session_id === s.session_id)).toHaveLength(8);
    }
    expect(events).toHaveLength(8 * sessions.length);
  });

  it("enabled: false (or HH_ENABLED=false) makes the handler a no-op", async () => {
    vi.stubEnv("HH_ENABLED", "false");
    try {
      const handler = hh.handler();
      expect(await smallChain().invoke({ name: "x" }, { callbacks: [handler] })).toBe("hello");
      await handler.flush();
    } finally {
      vi.unstubAllEnvs();
    }
    const off = hh.handler({ enabled: false });
    await smallChain().invoke({ name: "x" }, { callbacks: [off] });
    await off.flush();
    expect(hh.collector.requests).toHaveLength(0);
  });
});
