/**
 * Ids that are numbers. A database id is often an integer, and a JavaScript app (or a loosely
 * typed value) passes it as it is: `honeyhive({ sessionId: 12345 })` used to be ignored without a
 * word (every call a new session, a conversation split apart), and the `sessionId` option refused
 * it, while `thread_id: 12345` in metadata already worked. Integers are now taken as their decimal
 * text (the same session as thread 12345); any other type is warned about once and ignored, as
 * before. (TypeScript still asks for strings: test/types/api.test-d.ts.)
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import type { HoneyHiveCallSettings, HoneyHiveHandlerOptions } from "../../src/index.js";
import { sessionIdFor } from "../../src/runs/sessions.js";
import { useCollector } from "../helpers/setup.js";
import { memoryLogger } from "../helpers/workloads.js";

const hh = useCollector();

/** `metadata.honeyhive` as a JavaScript caller builds it: no types to stop a number. */
const perCall = (settings: Record<string, unknown>) => ({ honeyhive: settings as HoneyHiveCallSettings });

const turn = RunnableLambda.from((text: string) => `echo ${text}`).withConfig({ runName: "chat turn" });

/** The session id of every root event the collector received, in order. */
function rootSessions(): string[] {
  return hh.collector.events.filter((e) => e.event_name === "chat turn").map((e) => e.session_id as string);
}

describe("integer ids", () => {
  it("per call: honeyhive({ sessionId: 12345 }) puts both turns in the session of thread 12345", async () => {
    const handler = hh.handler();
    await turn.invoke("one", { callbacks: [handler], metadata: perCall({ sessionId: 12345 }) });
    await turn.invoke("two", { callbacks: [handler], metadata: perCall({ sessionId: 12345 }) });
    await turn.invoke("three", { callbacks: [handler], metadata: { thread_id: 12345 } });
    await handler.flush();
    expect(rootSessions()).toEqual([sessionIdFor("12345"), sessionIdFor("12345"), sessionIdFor("12345")]);
    expect(hh.collector.sessions).toHaveLength(1);
    expect(hh.collector.sessions[0]?.metadata).toMatchObject({ session_key: "12345" });
  });

  it("a BigInt id (a bigint column) is its decimal text too", async () => {
    const handler = hh.handler();
    await turn.invoke("one", { callbacks: [handler], metadata: perCall({ sessionId: 12345n }) });
    await handler.flush();
    expect(rootSessions()).toEqual([sessionIdFor("12345")]);
  });

  it("the sessionId and userId options take an integer", async () => {
    const handler = hh.handler({ sessionId: 777, userId: 42 } as unknown as HoneyHiveHandlerOptions);
    await turn.invoke("one", { callbacks: [handler] });
    await turn.invoke("two", { callbacks: [handler] });
    await handler.flush();
    expect(rootSessions()).toEqual([sessionIdFor("777"), sessionIdFor("777")]);
    expect(hh.collector.sessions[0]?.user_properties).toMatchObject({ user_id: "42" });
  });

  it('per call: userId 42 is recorded as user_id "42"', async () => {
    const handler = hh.handler();
    await turn.invoke("one", { callbacks: [handler], metadata: perCall({ userId: 42 }) });
    await handler.flush();
    expect(hh.collector.sessions[0]?.user_properties).toMatchObject({ user_id: "42" });
  });
});

describe("ids of other types: ignored as before, and said once", () => {
  for (const [what, value, type] of [
    ["a boolean", true, "a boolean"],
    ["an object", { id: 7 }, "an object"],
    ["NaN", Number.NaN, "NaN"],
    ["a fraction", 1.5, "a number that is not an integer"],
  ] as const) {
    it(`sessionId ${what}: a warning naming the key and the type, once; each call its own session`, async () => {
      const { lines, logger } = memoryLogger();
      const handler = hh.handler({ logger });
      await turn.invoke("one", { callbacks: [handler], metadata: perCall({ sessionId: value }) });
      await turn.invoke("two", { callbacks: [handler], metadata: perCall({ sessionId: value }) });
      await handler.flush();
      const warnings = lines.filter((l) => l.level === "warn").map((l) => l.message);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("metadata.honeyhive.sessionId");
      expect(warnings[0]).toContain(type);
      expect(new Set(rootSessions()).size).toBe(2);
    });
  }

  it("the sessionId option given a boolean is still a config error", () => {
    expect(() => hh.handler({ sessionId: true as unknown as string })).toThrow(/option `sessionId`/);
  });
});
