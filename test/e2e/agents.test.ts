/**
 * Agents: a LangGraph tool-calling agent, langchain's createAgent with a name, and the legacy agent
 * callbacks (actions, finish), custom events and text, annotating the runs they belong to.
 */

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { namedWeatherAgent } from "../helpers/agents.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();

function weatherAgent() {
  const weather = tool(async ({ city }) => `sunny in ${city}`, {
    name: "get_weather",
    description: "Weather for a city",
    schema: z.object({ city: z.string() }),
  });
  const model = new ScriptedChatModel({
    replies: [
      {
        toolCalls: [{ id: "call_w1", name: "get_weather", args: { city: "Oslo" } }],
        usage: { input: 10, output: 5 },
      },
      { content: "It is sunny in Oslo.", usage: { input: 20, output: 6 } },
    ],
  });
  return createReactAgent({ llm: model, tools: [weather] });
}

const _run = promisify(execFile);

describe("a LangGraph tool-calling agent", () => {
  it("produces a clean tree: graph → nodes → model / tool, hidden runs left out", async () => {
    const handler = hh.handler();
    const result = await weatherAgent().invoke(
      { messages: [{ role: "user", content: "Weather in Oslo?" }] },
      { callbacks: [handler] },
    );
    expect(result.messages.at(-1)?.content).toBe("It is sunny in Oslo.");
    await handler.flush();

    const { events, sessions } = hh.collector;
    expect(sessions).toHaveLength(1);
    const ids = new Set(events.map((e) => e.event_id));
    const names = events.map((e) => e.event_name);
    expect(names).not.toContain("__start__");
    expect(names.some((n) => n?.startsWith("ChannelWrite") || n?.startsWith("Branch"))).toBe(false);

    const graph = events.find((e) => e.event_name === "LangGraph");
    expect(graph?.parent_id).toBe(sessions[0]?.session_id);
    // Every parent is a visible event of the same session (or the session itself).
    for (const e of events) {
      expect(e.session_id).toBe(sessions[0]?.session_id);
      if (e !== graph) expect(ids.has(e.parent_id as string)).toBe(true);
      for (const child of e.children_ids ?? []) {
        expect(events.find((x) => x.event_id === child)?.parent_id).toBe(e.event_id);
      }
    }
    const agentNodes = events.filter((e) => e.event_name === "agent");
    const toolNode = events.find((e) => e.event_name === "tools");
    expect(agentNodes).toHaveLength(2);
    for (const node of [...agentNodes, toolNode]) expect(node?.parent_id).toBe(graph?.event_id);
    expect(agentNodes[0]?.metadata?.langgraph_node).toBe("agent");

    const toolEvent = events.find((e) => e.event_type === "tool");
    expect(toolEvent?.event_name).toBe("get_weather");
    expect(toolEvent?.inputs).toEqual({ city: "Oslo" });
    expect(toolEvent?.outputs).toEqual({ message: "sunny in Oslo" });
    expect(toolEvent?.metadata?.tool_call_id).toBe("call_w1");
    let ancestor = toolEvent;
    while (ancestor && ancestor.event_name !== "tools")
      ancestor = events.find((e) => e.event_id === ancestor?.parent_id);
    expect(ancestor?.event_name).toBe("tools");

    const models = events.filter((e) => e.event_type === "model");
    expect(models).toHaveLength(2);
    expect(models.map((m) => m.metadata?.total_tokens).sort()).toEqual([15, 26]);
    const second = models.find((m) => m.metadata?.total_tokens === 26);
    expect(second?.inputs.chat_history).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      expect.objectContaining({
        role: "assistant",
        tool_calls: [expect.objectContaining({ id: "call_w1" })],
      }),
      { role: "tool", content: "sunny in Oslo", tool_call_id: "call_w1", name: "get_weather" },
    ]);
  });
});

describe("agents", () => {
  it("createAgent({name}): config.agent_name on its event, metadata.agent_name inside, no LangChain noise", async () => {
    const handler = hh.handler();
    await namedWeatherAgent().invoke(
      { messages: [{ role: "user", content: "Weather in Oslo?" }] },
      { callbacks: [handler], configurable: { thread_id: "t-1" } },
    );
    await handler.flush();
    const { events, sessions } = hh.collector;
    expect(sessions[0]?.session_name).toBe("weather_agent");
    const agent = byName(events, "weather_agent");
    expect(agent.config).toEqual({ agent_name: "weather_agent" });
    expect(agent.metadata).toEqual({ thread_id: "t-1" });
    const inside = events.filter((e) => e !== agent);
    expect(inside.length).toBeGreaterThan(3);
    for (const e of inside) expect(e.metadata?.agent_name).toBe("weather_agent");
    const nodes = events.filter((e) => e.event_name === "model_request");
    expect(nodes[0]?.metadata).toMatchObject({ langgraph_node: "model_request", thread_id: "t-1" });
    const body = JSON.stringify(events);
    for (const noise of [
      "lc_agent_name",
      "ls_integration",
      "checkpoint_ns",
      "langgraph_triggers",
      "langgraph_path",
      '"versions"',
      "graph:step:",
      "lc_serializable",
      "lc_kwargs",
      "lc_namespace",
      "lg_name",
      "lc_direct_tool_output",
    ])
      expect(body, noise).not.toContain(noise);
  });

  it("a graph the app named: its name is the agent of the runs inside it", async () => {
    const handler = hh.handler();
    const State = Annotation.Root({ q: Annotation<string>(), a: Annotation<string>() });
    const llm = new ScriptedChatModel({ replies: [{ content: "42" }] });
    const graph = new StateGraph(State)
      .addNode("answer", async (s) => ({ a: String((await llm.invoke(s.q)).content) }))
      .addEdge(START, "answer")
      .addEdge("answer", END)
      .compile()
      .withConfig({ runName: "planner" });
    await graph.invoke({ q: "meaning?" }, { callbacks: [handler] });
    await handler.flush();
    const { events } = hh.collector;
    expect(byName(events, "planner").config).toEqual({ agent_name: "planner" });
    expect(byName(events, "answer").metadata?.agent_name).toBe("planner");
    expect(events.find((e) => e.event_type === "model")?.metadata?.agent_name).toBe("planner");
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
