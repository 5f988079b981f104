import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { ScriptedChatModel } from "./helpers/scripted-model.js";
import { useCollector } from "./helpers/setup.js";

const hh = useCollector();
const echo = RunnableLambda.from((x: string) => `echo ${x}`).withConfig({ runName: "echo" });

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
