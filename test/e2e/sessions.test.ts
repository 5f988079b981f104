/**
 * Sessions: a session per root by default, sessionId / sessionName and per-call session ids,
 * multi-turn conversations and LangGraph threads across processes, linking into existing traces,
 * session names, concurrent roots kept apart, and values captured when each turn reports them.
 */

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { scriptName } from "../../src/mapping/session-name.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, useCollector } from "../helpers/setup.js";
import { smallChain } from "../helpers/workloads.js";

const hh = useCollector();

const echo = RunnableLambda.from((x: string) => `echo ${x}`).withConfig({ runName: "echo" });

const run = promisify(execFile);

describe("session options", () => {
  it("a new session per root run by default, named after the root", async () => {
    const handler = hh.handler();
    await echo.invoke("a", { callbacks: [handler] });
    await echo.invoke("b", { callbacks: [handler] });
    await handler.flush();
    const { sessions, events } = hh.collector;
    expect(sessions).toHaveLength(2);
    expect(sessions.map((s) => s.session_name)).toEqual(["echo", "echo"]);
    expect(new Set(events.map((e) => e.session_id)).size).toBe(2);
  });

  it("sessionId puts every root run in that session; sessionName, userProperties, metadata and tags apply", async () => {
    const sessionId = "0b6f7d5e-8f5a-4f4e-9a51-2a1d1c0e7a11";
    const handler = hh.handler({
      sessionId,
      sessionName: "support chat",
      userProperties: { user_id: "u-1" },
      metadata: { app: "demo" },
      tags: ["beta"],
    });
    await echo.invoke("turn 1", { callbacks: [handler] });
    await new Promise((r) => setTimeout(r, 30));
    await new ScriptedChatModel({ replies: [{ content: "turn 2 reply" }] }).invoke("turn 2", {
      callbacks: [handler],
    });
    await handler.flush();
    const { sessions, events } = hh.collector;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      session_id: sessionId,
      session_name: "support chat",
      user_properties: { user_id: "u-1" },
      metadata: { app: "demo", tags: ["beta"] },
    });
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e.session_id).toBe(sessionId);
      expect(e.parent_id).toBe(sessionId);
      expect(e.metadata).toMatchObject({ app: "demo", tags: ["beta"] });
    }
    // Two turns in one process: the session is created once (with turn 1's inputs) and each turn
    // completes it with a PUT, so its outputs are the latest turn's.
    const { requests } = hh.collector;
    expect(requests.filter((r) => r.path === "/v1/sessions")).toHaveLength(1);
    expect(requests.filter((r) => r.method === "PUT" && r.path === `/v1/events/${sessionId}`)).toHaveLength(
      2,
    );
    expect(sessions[0]?.inputs).toEqual({ input: "turn 1" });
    expect(sessions[0]?.outputs).toEqual({ role: "assistant", content: "turn 2 reply" });
    // A session that may span several roots (and processes) never gets a duration from the
    // handler: a client duration would win over the one HoneyHive computes from all its events.
    for (const r of requests) {
      if (r.path === "/v1/sessions" || r.path === `/v1/events/${sessionId}`) {
        expect((r.body as { duration?: unknown }).duration).toBeUndefined();
      }
    }
  });

  it("a non-UUID sessionId maps to a stable UUIDv5 and keeps the original in session metadata", async () => {
    const first = hh.handler({ sessionId: "user-42" });
    await echo.invoke("x", { callbacks: [first] });
    await first.flush();
    const second = hh.handler({ sessionId: "user-42" });
    await echo.invoke("y", { callbacks: [second] });
    await second.flush();
    const { sessions, events } = hh.collector;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.session_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(sessions[0]?.metadata?.session_key).toBe("user-42");
    expect(events.every((e) => e.session_id === sessions[0]?.session_id)).toBe(true);
  });

  it("every kind of root run starts its own session: a root tool does not join the previous trace", async () => {
    const { tool } = await import("@langchain/core/tools");
    const { z } = await import("zod");
    const handler = hh.handler();
    const ping = tool(async () => "pong", { name: "ping", description: "ping", schema: z.object({}) });
    await echo.invoke("first", { callbacks: [handler] });
    await ping.invoke({}, { callbacks: [handler] });
    await new ScriptedChatModel({ replies: [{ content: "hi" }] }).invoke("x", { callbacks: [handler] });
    await handler.flush();
    const { sessions, events } = hh.collector;
    expect(sessions).toHaveLength(3);
    const toolEvent = events.find((e) => e.event_name === "ping");
    expect(toolEvent?.parent_id).toBe(toolEvent?.session_id);
    expect(new Set(events.map((e) => e.session_id)).size).toBe(3);
    expect(sessions.find((s) => s.session_id === toolEvent?.session_id)?.session_name).toBe("ping");
  });

  it("the handler's own metadata key never reaches event metadata", async () => {
    const handler = hh.handler();
    await echo.invoke("x", {
      callbacks: [handler],
      metadata: { honeyhive: { sessionName: "named per call" }, keep: 1 },
    });
    await handler.flush();
    const [event] = hh.collector.events;
    expect(event?.metadata).toMatchObject({ keep: 1 });
    expect(event?.metadata).not.toHaveProperty("honeyhive");
    expect(hh.collector.sessions[0]?.session_name).toBe("named per call");
  });
});

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
    const script = join(import.meta.dirname, "../fixtures/thread-turn.ts");
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

describe("session names", () => {
  it("an unnamed sequence is named after the script, not RunnableSequence; a runName wins", async () => {
    const handler = hh.handler();
    const seq = RunnableLambda.from((x: string) => x).pipe(RunnableLambda.from((x: string) => `${x}!`));
    await seq.invoke("a", { callbacks: [handler] });
    await seq.invoke("b", { callbacks: [handler], runName: "shout" });
    await new ScriptedChatModel({ replies: [{ content: "hi" }] }).invoke("hello", { callbacks: [handler] });
    await handler.flush();
    const names = hh.collector.sessions.map((s) => s.session_name);
    const script = scriptName() ?? "langchain";
    expect(names).toEqual([script, "shout", script]);
  });

  it("an unnamed LangGraph graph in its own process is named after the script", {
    timeout: 60_000,
  }, async () => {
    const script = join(import.meta.dirname, "../fixtures/thread-turn.ts");
    await run(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, COLLECTOR_URL: hh.collector.url, THREAD_ID: "fidelity-name", TURN: "hi" },
    });
    expect(hh.collector.sessions[0]?.session_name).toBe("thread-turn");
  });
});

describe("concurrency", () => {
  it("20 concurrent root invocations on one handler make 20 separate sessions with no cross-links", async () => {
    const handler = hh.handler();
    const model = new ScriptedChatModel({
      replies: [{ content: "ok", delayMs: 5, usage: { input: 1, output: 1 } }],
    });
    const chain = RunnableLambda.from(async (i: number, config) => {
      await new Promise((r) => setTimeout(r, (i * 7) % 13));
      return model.invoke(`question ${i}`, config);
    }).withConfig({ runName: "turn" });
    await Promise.all(Array.from({ length: 20 }, (_, i) => chain.invoke(i, { callbacks: [handler] })));
    await handler.flush();

    const { events, sessions } = hh.collector;
    expect(sessions).toHaveLength(20);
    expect(events).toHaveLength(40);
    for (const session of sessions) {
      const own = events.filter((e) => e.session_id === session.session_id);
      expect(own).toHaveLength(2);
      const root = own.find((e) => e.event_name === "turn");
      const child = own.find((e) => e.event_type === "model");
      expect(root?.parent_id).toBe(session.session_id);
      expect(child?.parent_id).toBe(root?.event_id);
      expect(root?.children_ids).toEqual([child?.event_id]);
      // The model's input is the question of this turn, not another one's.
      expect(session.inputs).toEqual({ input: root?.inputs.input });
      expect(child?.inputs.chat_history).toEqual([
        { role: "user", content: `question ${root?.inputs.input}` },
      ]);
    }
  });
});

describe("values are captured when the callback reports them", () => {
  it("a chat loop that pushes onto its messages array: each turn records what it saw", async () => {
    const handler = hh.handler({ sessionId: "chat-loop" });
    const model = new ScriptedChatModel({ replies: [{ content: "hi!" }, { content: "fine." }] });
    const turn = RunnableLambda.from(async (messages: { role: string; content: string }[]) => {
      const reply = await model.invoke(messages.map((m) => [m.role, m.content] as [string, string]));
      return reply.content;
    }).withConfig({ runName: "turn" });
    const messages = [{ role: "user", content: "hello" }];
    messages.push({
      role: "assistant",
      content: String(await turn.invoke(messages, { callbacks: [handler] })),
    });
    messages.push({ role: "user", content: "how are you?" });
    await turn.invoke(messages, { callbacks: [handler] });
    await handler.flush();
    const turns = hh.collector.events.filter((e) => e.event_name === "turn");
    expect(turns).toHaveLength(2);
    const first = turns.sort((a, b) => (a.start_time as number) - (b.start_time as number))[0];
    expect(JSON.stringify(first?.inputs)).not.toContain("how are you?");
    expect(JSON.stringify(hh.collector.sessions[0]?.inputs)).not.toContain("how are you?");
  });
});
