/**
 * Exact timing under a slow neighbour handler; duck-typed objects from "another copy" of
 * @langchain/core; bookkeeping that stays sane with odd or missing arguments.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { HoneyHiveHandler } from "../src/index.js";
import { ScriptedChatModel } from "./helpers/scripted-model.js";
import { byName, useCollector } from "./helpers/setup.js";
import { memoryLogger } from "./helpers/workloads.js";

const hh = useCollector();

describe("timing", () => {
  it("a 150 ms step is recorded as ~150 ms even when another handler's callbacks take 20 ms each", async () => {
    class SlowHandler extends BaseCallbackHandler {
      name = "slow";
      async slow() {
        await new Promise((r) => setTimeout(r, 20));
      }
      override handleChainStart() {
        return this.slow();
      }
      override handleChainEnd() {
        return this.slow();
      }
    }
    const slow = new SlowHandler();
    expect(slow.awaitHandlers).toBe(false); // the other handler is backgrounded, as by default
    const handler = hh.handler();
    let actualMs = 0;
    const step = RunnableLambda.from(async (x: number) => {
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 150));
      actualMs = performance.now() - t0;
      return x;
    }).withConfig({ runName: "sleep150" });
    const fast = RunnableLambda.from((x: number) => x).withConfig({ runName: "instant" });
    const seq = RunnableLambda.from((x: number) => x)
      .pipe(step)
      .pipe(fast)
      .withConfig({ runName: "outer" });
    await seq.invoke(1, { callbacks: [slow, handler] });
    await handler.flush();
    const { events } = hh.collector;
    const sleep = byName(events, "sleep150");
    // Within a few ms of how long the step really took (a timer can fire late on a busy machine,
    // so compare with the measured time, not with 150). Queued behind the slow handler, the
    // recorded time would be off by 20 ms or more.
    expect(sleep.duration).toBeGreaterThanOrEqual(148);
    expect(sleep.duration).toBeGreaterThanOrEqual(actualMs - 1);
    expect(sleep.duration as number).toBeLessThan(actualMs + 10);
    expect(byName(events, "instant").duration).toBeLessThan(10);
    // start/end stamps agree with the duration.
    expect(
      Math.abs((sleep.end_time as number) - (sleep.start_time as number) - (sleep.duration as number)),
    ).toBeLessThan(3);
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

  it("the callback manager's real dispatch tolerates the handler with no API key (no-op)", async () => {
    const quiet = new HoneyHiveHandler({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const manager = CallbackManager.configure([quiet]);
    const run = await manager?.handleChainStart({ lc: 1, type: "not_implemented", id: ["x"] }, { a: 1 });
    await run?.handleChainEnd({ b: 2 });
    expect(quiet.stats()).toMatchObject({ sent: 0, openRuns: 0 });
  });
});

describe("agents and extras", () => {
  it("agent actions and the agent's finish annotate the chain's event and never create one", async () => {
    const handler = hh.handler();
    const manager = CallbackManager.configure([handler]);
    const run = await manager?.handleChainStart(
      { lc: 1, type: "not_implemented", id: ["langchain", "agents", "AgentExecutor"] },
      { input: "weather?" },
      undefined,
      undefined,
      undefined,
      undefined,
      "AgentExecutor",
    );
    await run?.handleAgentAction({ tool: "search", toolInput: { q: "weather" }, log: "I should search" });
    await run?.handleAgentEnd({ returnValues: { output: "sunny" }, log: "done" });
    await run?.handleChainEnd({ output: "sunny" });
    await handler.flush();
    const { events } = hh.collector;
    expect(events).toHaveLength(1);
    expect(events[0]?.event_name).toBe("AgentExecutor");
    expect(events[0]?.outputs).toEqual({ output: "sunny" });
    expect(events[0]?.metadata?.agent_actions).toEqual([
      { tool: "search", toolInput: { q: "weather" }, log: "I should search" },
    ]);
    expect(events[0]?.metadata?.agent_finish).toEqual([{ returnValues: { output: "sunny" }, log: "done" }]);
  });

  it("dispatchCustomEvent data and handleText are recorded on the run they belong to", async () => {
    const { dispatchCustomEvent } = await import("@langchain/core/callbacks/dispatch");
    const handler = hh.handler();
    const step = RunnableLambda.from(async (x: string, config) => {
      await dispatchCustomEvent("progress", { pct: 50 }, config);
      return x;
    }).withConfig({ runName: "with_progress" });
    await step.invoke("go", { callbacks: [handler] });
    const manager = CallbackManager.configure([handler]);
    const run = await manager?.handleChainStart({ lc: 1, type: "not_implemented", id: ["Texty"] }, { a: 1 });
    await run?.handleText("some verbose text");
    await run?.handleChainEnd({});
    await handler.flush();
    const { events } = hh.collector;
    expect(byName(events, "with_progress").metadata?.custom_events).toEqual([
      { name: "progress", data: { pct: 50 } },
    ]);
    expect(byName(events, "Texty").metadata?.text).toEqual(["some verbose text"]);
  });
});
