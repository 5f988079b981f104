/**
 * Sessions in real applications (multi-turn, threads across processes, linking into existing
 * traces), feedback after the fact, masking, hiding, sampling and the kill switch.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { HoneyHiveHandler } from "../src/index.js";
import { ScriptedChatModel } from "./helpers/scripted-model.js";
import { byName, postedEventIds, TEST_KEY, useCollector } from "./helpers/setup.js";
import { smallChain } from "./helpers/workloads.js";

const hh = useCollector();
const run = promisify(execFile);

describe("multi-turn sessions", () => {
  it("per-call session ids keep interleaved conversations of many users apart on one shared handler", async () => {
    const handler = hh.handler();
    const model = new ScriptedChatModel({ replies: [{ content: "sure", delayMs: 3 }] });
    const chat = RunnableLambda.from(async (text: string, config) => model.invoke(text, config)).withConfig({
      runName: "chat_turn",
    });
    const users = ["alice", "bob", "carol"];
    for (let turn = 1; turn <= 3; turn++) {
      await Promise.all(
        users.map((u) =>
          chat.invoke(`${u} says ${turn}`, {
            callbacks: [handler],
            metadata: { honeyhive: { sessionId: `chat-${u}`, userProperties: { user: u } } },
          }),
        ),
      );
    }
    await handler.flush();
    const { sessions, events } = hh.collector;
    expect(sessions).toHaveLength(3);
    for (const u of users) {
      const session = sessions.find((s) => s.metadata?.session_key === `chat-${u}`);
      expect(session?.user_properties).toEqual({ user: u });
      const roots = events.filter(
        (e) => e.session_id === session?.session_id && e.event_name === "chat_turn",
      );
      expect(roots).toHaveLength(3);
      for (const r of roots) expect(String(r.inputs.input)).toMatch(new RegExp(`^${u} says`));
    }
    expect(handler.getSessionId()).toBeDefined();
  });

  it("a LangGraph thread continued in a second process lands in the same session", {
    timeout: 60_000,
  }, async () => {
    const script = join(import.meta.dirname, "fixtures/thread-turn.ts");
    const env = { ...process.env, COLLECTOR_URL: hh.collector.url, THREAD_ID: "user-42" };
    const first = await run(process.execPath, ["--import", "tsx", script], {
      env: { ...env, TURN: "hello" },
    });
    const second = await run(process.execPath, ["--import", "tsx", script], {
      env: { ...env, TURN: "again" },
    });
    expect(first.stdout.trim()).toBe(second.stdout.trim());
    const { sessions, events } = hh.collector;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.session_id).toBe(first.stdout.trim());
    expect(sessions[0]?.metadata?.session_key).toBe("user-42");
    expect(events.filter((e) => e.event_name === "reply")).toHaveLength(2);
    expect(events.every((e) => e.session_id === sessions[0]?.session_id)).toBe(true);
    // Multi-turn across processes (SPEC §3): the session keeps the first turn's inputs, gets the
    // latest turn's outputs, and no client duration (HoneyHive computes it from all the events; a
    // duration from one process would cover only the turns it saw, and would win).
    expect(JSON.stringify(sessions[0]?.inputs)).toContain("hello");
    expect(JSON.stringify(sessions[0]?.outputs)).toContain("reply to again");
    const sessionId = sessions[0]?.session_id;
    const sessionBodies = hh.collector.requests.filter(
      (r) => r.path === "/v1/sessions" || r.path === `/v1/events/${sessionId}`,
    );
    expect(sessionBodies.length).toBeGreaterThanOrEqual(3);
    for (const r of sessionBodies) expect(r.body).not.toHaveProperty("duration");
  });

  it("session name, user properties and metadata apply to a bare chat model root too", async () => {
    const handler = hh.handler({ userProperties: { tier: "pro" }, metadata: { app: "x" } });
    await new ScriptedChatModel({ replies: [{ content: "hi" }] }).invoke("hello", {
      callbacks: [handler],
      metadata: { honeyhive: { sessionName: "bare model", userProperties: { user: "u9" } } },
    });
    await handler.flush();
    expect(hh.collector.sessions[0]).toMatchObject({
      session_name: "bare model",
      user_properties: { tier: "pro", user: "u9" },
      metadata: { app: "x" },
    });
    expect(hh.collector.events[0]?.metadata).not.toHaveProperty("honeyhive");
  });

  it("parentEventId links root runs into an existing trace and leaves that session alone", async () => {
    const sessionId = "7d3f0c1e-2b4a-4c5d-9e8f-0a1b2c3d4e5f";
    const parentEventId = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    const handler = hh.handler({ sessionId, parentEventId });
    await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
    await handler.flush();
    const { events, requests } = hh.collector;
    const root = byName(events, "RunnableSequence");
    expect(root.parent_id).toBe(parentEventId);
    expect(root.session_id).toBe(sessionId);
    expect(requests.filter((r) => r.path === "/v1/sessions" || r.method === "PUT")).toHaveLength(0);
  });
});

describe("feedback and enrichment", () => {
  it("feedback on a model event (after it ended) and on a session, read back from the collector", async () => {
    const handler = hh.handler();
    const modelRunId = "01937b0e-aaaa-7000-8000-0000000000aa";
    const model = new ScriptedChatModel({ replies: [{ content: "Paris" }] });
    const chain = RunnableLambda.from(async (q: string, config) =>
      model.invoke(q, { ...config, runId: modelRunId }),
    );
    await chain.invoke("capital of France?", { callbacks: [handler] });
    const sessionId = handler.getSessionId(modelRunId);
    expect(sessionId).toBe(handler.getSessionId());
    expect(
      handler.enrichEvent(modelRunId, {
        feedback: { rating: 1, comment: "correct" },
        metrics: { accuracy: 1 },
      }),
    ).toBe(true);
    expect(
      handler.enrichSession(sessionId as string, {
        feedback: { thumbs: "up" },
        metadata: { reviewed: true },
      }),
    ).toBe(true);
    await handler.flush();

    const res = await fetch(`${hh.collector.url}/v1/sessions/${sessionId}`, {
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    const tree = (await res.json()) as {
      session: { feedback?: unknown; metadata?: Record<string, unknown> };
      events: { event_id: string; feedback?: unknown; metrics?: unknown }[];
    };
    expect(tree.session.feedback).toEqual({ thumbs: "up" });
    expect(tree.session.metadata?.reviewed).toBe(true);
    const modelEvent = tree.events.find((e) => e.event_id === modelRunId);
    expect(modelEvent?.feedback).toEqual({ rating: 1, comment: "correct" });
    expect(modelEvent?.metrics).toEqual({ accuracy: 1 });
    // The PUT for the event came after the event itself was created.
    const { requests } = hh.collector;
    const post = requests.findIndex((r) => postedEventIds(r).includes(modelRunId as string));
    const put = requests.findIndex((r) => r.method === "PUT" && r.path === `/v1/events/${modelRunId}`);
    expect(post).toBeGreaterThanOrEqual(0);
    expect(put).toBeGreaterThan(post);
  });

  it("feedback given while the run is still open is sent with the event itself", async () => {
    const handler = hh.handler();
    const runId = "01937b0e-bbbb-7000-8000-0000000000bb";
    const step = RunnableLambda.from(async (x: string) => {
      handler.enrichEvent(runId, { metrics: { inner_score: 0.5 }, metadata: { note: "mid-run" } });
      return x;
    });
    await step.invoke("x", { callbacks: [handler], runId });
    await handler.flush();
    const [event] = hh.collector.events;
    expect(event?.metrics).toEqual({ inner_score: 0.5 });
    expect(event?.metadata?.note).toBe("mid-run");
    expect(hh.collector.requests.filter((r) => r.path === `/v1/events/${runId}`)).toHaveLength(0);
  });

  it("bad arguments are refused with a warning, not thrown", () => {
    const warn = vi.fn();
    const handler = hh.handler({ logger: { debug() {}, info() {}, warn, error() {} } });
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong
    expect(handler.enrichEvent("x", { feedback: "good" } as any)).toBe(false);
    expect(warn).toHaveBeenCalledOnce();
  });
});

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
