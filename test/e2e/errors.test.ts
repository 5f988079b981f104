import { Document } from "@langchain/core/documents";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { FakeRetriever } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedChatModel } from "./helpers/scripted-model.js";
import { byName, useCollector } from "./helpers/setup.js";

const hh = useCollector();

describe("retrievers", () => {
  it("become tool events with {query} in and {documents: [{page_content, metadata}]} out", async () => {
    const handler = hh.handler();
    const retriever = new FakeRetriever({
      output: [
        new Document({ pageContent: "Oslo is in Norway.", metadata: { source: "atlas" } }),
        new Document({ pageContent: "Bergen is rainy.", metadata: { source: "almanac" } }),
      ],
    });
    const docs = await retriever.invoke("norway facts", { callbacks: [handler] });
    expect(docs).toHaveLength(2);
    await handler.flush();
    const [event] = hh.collector.events;
    expect(event?.event_type).toBe("tool");
    expect(event?.event_name).toBe("FakeRetriever");
    expect(event?.inputs).toEqual({ query: "norway facts" });
    expect(event?.outputs).toEqual({
      documents: [
        { page_content: "Oslo is in Norway.", metadata: { source: "atlas" } },
        { page_content: "Bergen is rainy.", metadata: { source: "almanac" } },
      ],
    });
  });
});

describe("errors", () => {
  it("a failing tool is recorded with its error; the app sees its own exception unchanged", async () => {
    const handler = hh.handler();
    class QuotaError extends Error {
      override name = "QuotaError";
    }
    const thrown = new QuotaError("daily quota used up");
    const flaky = tool(
      async () => {
        throw thrown;
      },
      { name: "flaky", description: "fails", schema: z.object({ q: z.string() }) },
    );
    const chain = RunnableLambda.from(async (q: string, config) => flaky.invoke({ q }, config)).withConfig({
      runName: "outer",
    });
    await expect(chain.invoke("x", { callbacks: [handler] })).rejects.toBe(thrown);
    await handler.flush();
    const { events, sessions } = hh.collector;
    const toolEvent = byName(events, "flaky");
    const outer = byName(events, "outer");
    expect(toolEvent.error).toBe("QuotaError: daily quota used up");
    expect(toolEvent.inputs).toEqual({ q: "x" });
    expect(toolEvent.parent_id).toBe(outer.event_id);
    expect(outer.error).toBe("QuotaError: daily quota used up");
    expect(String(outer.metadata?.error_stack)).toContain("QuotaError");
    // The session records that its root failed (UpdateEventRequest has no error field).
    expect(sessions[0]?.metadata?.error).toBe("QuotaError: daily quota used up");
  });

  it("a failing chain step marks that step and its ancestors, not its finished siblings", async () => {
    const handler = hh.handler();
    const ok = RunnableLambda.from((x: number) => x + 1).withConfig({ runName: "add_one" });
    const bad = RunnableLambda.from((_x: number): number => {
      throw new TypeError("not a number");
    }).withConfig({ runName: "explode" });
    const seq = ok.pipe(bad).withConfig({ runName: "pipeline" });
    await expect(seq.invoke(1, { callbacks: [handler] })).rejects.toThrow(TypeError);
    await handler.flush();
    const { events } = hh.collector;
    expect(byName(events, "add_one").error).toBeNull();
    expect(byName(events, "add_one").outputs).toEqual({ output: 2 });
    expect(byName(events, "explode").error).toBe("TypeError: not a number");
    expect(byName(events, "pipeline").error).toBe("TypeError: not a number");
  });
});

describe("tool messages", () => {
  it("a tool that returns a ToolMessage with status error is recorded as an error, with its tool_call_id", async () => {
    const { ToolMessage } = await import("@langchain/core/messages");
    const handler = hh.handler();
    const picky = tool(
      async (_input, config) =>
        new ToolMessage({
          content: "city not found",
          tool_call_id: config.toolCall?.id ?? "call_x",
          status: "error",
        }),
      { name: "picky", description: "fails softly", schema: z.object({ city: z.string() }) },
    );
    const result = await picky.invoke(
      { id: "call_42", name: "picky", args: { city: "Atlantis" }, type: "tool_call" },
      { callbacks: [handler] },
    );
    expect(result.status).toBe("error");
    await handler.flush();
    const event = byName(hh.collector.events, "picky");
    expect(event.error).toBe("ToolError: city not found");
    expect(event.outputs).toEqual({ message: "city not found" });
    expect(event.metadata?.tool_call_id).toBe("call_42");
    expect(event.inputs).toEqual({ city: "Atlantis" });
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
