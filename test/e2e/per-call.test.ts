/**
 * Per-call settings (`metadata.honeyhive`) built with the typed `honeyhive()` helper: sessions,
 * first-class `userId`, and a one-time warning for keys that are not settings.
 */
import { describe, expect, it } from "vitest";
import { honeyhive } from "../../src/index.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { useCollector } from "../helpers/setup.js";
import { memoryLogger, smallChain } from "../helpers/workloads.js";

const hh = useCollector();

describe("honeyhive() per-call settings", () => {
  it("builds metadata.honeyhive: session id, name and userId reach the session", async () => {
    const handler = hh.handler();
    const settings = honeyhive({ sessionId: "chat-7", sessionName: "Support chat", userId: "user-42" });
    expect(settings).toEqual({
      honeyhive: { sessionId: "chat-7", sessionName: "Support chat", userId: "user-42" },
    });
    await smallChain().invoke({ name: "x" }, { callbacks: [handler], metadata: settings });
    await handler.flush();
    const [session] = hh.collector.sessions;
    expect(hh.collector.sessions).toHaveLength(1);
    expect(session).toMatchObject({
      session_name: "Support chat",
      user_properties: { user_id: "user-42" },
      metadata: { session_key: "chat-7" },
    });
    for (const e of hh.collector.events) expect(e.session_id).toBe(session?.session_id);
  });

  it("spreads beside the app's own metadata, which events keep (the handler's key never appears)", async () => {
    const handler = hh.handler();
    await new ScriptedChatModel({ replies: [{ content: "hi" }] }).invoke("hello", {
      callbacks: [handler],
      metadata: { ...honeyhive({ userId: "u-1", userProperties: { plan: "pro" } }), feature: "chat" },
    });
    await handler.flush();
    expect(hh.collector.sessions[0]?.user_properties).toEqual({ plan: "pro", user_id: "u-1" });
    const [event] = hh.collector.events;
    expect(event?.metadata?.feature).toBe("chat");
    expect(event?.metadata).not.toHaveProperty("honeyhive");
  });

  it("the handler option userId applies to every session; a per-call userId wins", async () => {
    const handler = hh.handler({ userId: "default-user", userProperties: { tier: "free" } });
    await smallChain().invoke({ name: "a" }, { callbacks: [handler] });
    await smallChain().invoke(
      { name: "b" },
      { callbacks: [handler], metadata: honeyhive({ userId: "u-9" }) },
    );
    await handler.flush();
    const users = hh.collector.sessions.map((s) => s.user_properties);
    expect(users).toEqual(
      expect.arrayContaining([
        { tier: "free", user_id: "default-user" },
        { tier: "free", user_id: "u-9" },
      ]),
    );
    expect(users).toHaveLength(2);
  });

  it("per-call settings that cannot be read (a throwing Proxy) are ignored; the run is still recorded", async () => {
    const handler = hh.handler();
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("no reading");
        },
        ownKeys() {
          throw new Error("no listing");
        },
      },
    );
    await smallChain().invoke({ name: "x" }, { callbacks: [handler], metadata: { honeyhive: hostile } });
    await handler.flush();
    expect(hh.collector.sessions).toHaveLength(1);
    expect(hh.collector.events).toHaveLength(4);
  });

  it("an unknown key under metadata.honeyhive is warned about once, by name", async () => {
    const { lines, logger } = memoryLogger();
    const handler = hh.handler({ logger });
    const typo = { honeyhive: { sesionId: "chat-1", userId: "u" } };
    for (let i = 0; i < 3; i++)
      await smallChain().invoke({ name: "x" }, { callbacks: [handler], metadata: typo });
    await smallChain().invoke(
      { name: "y" },
      { callbacks: [handler], metadata: honeyhive({ sessionId: "s" }) },
    );
    await handler.flush();
    const warnings = lines.filter((l) => l.level === "warn").map((l) => l.message);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/metadata\.honeyhive\.sesionId is not a per-call setting/);
    expect(warnings[0]).toContain("sessionId");
    // The typo did not pick a session: three separate sessions, plus the one named "s".
    expect(hh.collector.sessions).toHaveLength(4);
  });
});
