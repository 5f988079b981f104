/**
 * The callback surface under callers that break LangChain's rules: missing or repeated run ids,
 * unknown run ids, missing serialized objects, duck-typed objects from another copy of
 * @langchain/core, a handler attached only to an inner runnable.
 */

import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { useCollector } from "../helpers/setup.js";
import { memoryLogger } from "../helpers/workloads.js";

const hh = useCollector();

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

describe("duck typing across copies of @langchain/core", () => {
  it("plain objects shaped like another copy's messages and results give the same event", async () => {
    // A real run, for reference.
    const real = hh.handler();
    const model = new ScriptedChatModel({
      model: "dup-1",
      replies: [
        { content: "", toolCalls: [{ id: "c1", name: "f", args: { a: 1 } }], usage: { input: 3, output: 2 } },
      ],
    });
    await model.invoke([new SystemMessage("s"), new HumanMessage("h")], { callbacks: [real] });
    await real.flush();
    const reference = hh.collector.events[0];
    hh.collector.reset();

    // The same run as a second copy of core would report it: objects that are not instances of
    // this copy's classes, only shaped like them (_getType, lc serialized ids, plain usage).
    const foreign = hh.handler();
    const fakeMessage = (type: string, content: string, extra: Record<string, unknown> = {}) => ({
      _getType: () => type,
      content,
      additional_kwargs: {},
      ...extra,
    });
    const runId = "01937b0e-0000-7000-8000-000000000001";
    foreign.handleChatModelStart(
      {
        lc: 1,
        type: "constructor",
        id: ["langchain", "chat_models", "scripted", "ScriptedChatModel"],
        kwargs: {},
      },
      // biome-ignore lint/suspicious/noExplicitAny: foreign objects on purpose
      [[fakeMessage("system", "s"), fakeMessage("human", "h")] as any],
      runId,
      undefined,
      { invocation_params: { model: "dup-1", temperature: 0.2 } },
      [],
      { ls_provider: "scripted", ls_model_name: "dup-1", ls_temperature: 0.2, ls_model_type: "chat" },
    );
    foreign.handleLLMEnd(
      {
        generations: [
          [
            {
              text: "",
              message: {
                lc: 1,
                type: "constructor",
                id: ["langchain_core", "messages", "AIMessage"],
                kwargs: {
                  content: "",
                  tool_calls: [{ id: "c1", name: "f", args: { a: 1 }, type: "tool_call" }],
                  usage_metadata: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
                  response_metadata: { model_name: "dup-1", finish_reason: "tool_calls" },
                },
              },
            },
          ],
        ],
      },
      runId,
    );
    await foreign.flush();
    const event = hh.collector.events[0];
    expect(event?.inputs).toEqual(reference?.inputs);
    expect(event?.outputs).toEqual(reference?.outputs);
    expect(event?.config).toMatchObject({ model: "dup-1", provider: "scripted", temperature: 0.2 });
    expect(event?.event_name).toBe(reference?.event_name);
    for (const key of ["prompt_tokens", "completion_tokens", "total_tokens", "finish_reason"]) {
      expect(event?.metadata?.[key]).toEqual(reference?.metadata?.[key]);
    }
  });
});

describe("bookkeeping robustness", () => {
  it("end/error for unknown run ids, missing serialized, empty extraParams: no throw, no noise, sane events", async () => {
    const { lines, logger } = memoryLogger();
    const handler = hh.handler({ logger });
    expect(() => {
      handler.handleChainEnd({ x: 1 }, "never-started");
      handler.handleLLMError(new Error("x"), "never-started-2");
      handler.handleToolEnd("out", "never-started-3");
      // biome-ignore lint/suspicious/noExplicitAny: LangChain may pass undefined serialized objects
      handler.handleChainStart(undefined as any, { q: 1 }, "r1");
      // biome-ignore lint/suspicious/noExplicitAny: as above
      handler.handleChatModelStart(undefined as any, undefined as any, "r2", undefined, undefined);
      // biome-ignore lint/suspicious/noExplicitAny: as above
      handler.handleLLMEnd(undefined as any, "r2");
      // biome-ignore lint/suspicious/noExplicitAny: as above
      handler.handleToolStart(null as any, undefined as any, "r3");
      handler.handleToolEnd(undefined, "r3");
      handler.handleChainEnd(undefined as never, "r1");
    }).not.toThrow();
    await handler.flush();
    expect(lines.filter((l) => l.level !== "debug")).toEqual([]);
    const { events } = hh.collector;
    expect(events.map((e) => e.event_name).sort()).toEqual(["ChatModel", "chain", "tool"]);
    expect(events.find((e) => e.event_name === "tool")?.inputs).toEqual({ input: null });
  });

  it("a handler attached only to an inner runnable still produces a sane tree", async () => {
    const handler = hh.handler();
    const inner = RunnableLambda.from((x: number) => x * 2).withConfig({
      runName: "inner",
      callbacks: [handler],
    });
    const outer = RunnableLambda.from(async (x: number, config) => inner.invoke(x + 1, config)).withConfig({
      runName: "outer",
    });
    expect(await outer.invoke(1)).toBe(4);
    await handler.flush();
    const { events, sessions } = hh.collector;
    // Only the inner run is seen (LangChain may carry the outer runName into it: we record what it reports).
    expect(events).toHaveLength(1);
    expect(events[0]?.inputs).toEqual({ input: 2 });
    expect(events[0]?.outputs).toEqual({ output: 4 });
    expect(sessions).toHaveLength(1);
    expect(events[0]?.parent_id).toBe(sessions[0]?.session_id);
  });

  it("copying the handler (as LangChain may) yields the same handler, sharing runs and queue", () => {
    const handler = hh.handler();
    expect(handler.copy()).toBe(handler);
  });
});
