import { tool } from "@langchain/core/tools";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedChatModel } from "./helpers/scripted-model.js";
import { useCollector } from "./helpers/setup.js";

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
