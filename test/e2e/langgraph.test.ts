/**
 * LangGraph patterns: subgraphs nest, Send fan-out, interrupt() + resume on one thread (one
 * session, not errors), langchain's createAgent, and interrupts raised inside tools.
 */
import { tool } from "@langchain/core/tools";
import {
  Annotation,
  Command,
  END,
  interrupt,
  MemorySaver,
  Send,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { createAgent } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { StoredEvent } from "../../src/collector/index.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();

const State = Annotation.Root({
  items: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  topic: Annotation<string>,
});

function parentOf(events: StoredEvent[], e: StoredEvent | undefined): StoredEvent | undefined {
  return events.find((x) => x.event_id === e?.parent_id);
}

function expectConsistentTree(events: StoredEvent[], sessionIds: Set<string>): void {
  const ids = new Set(events.map((e) => e.event_id));
  for (const e of events) {
    expect(ids.has(e.parent_id as string) || sessionIds.has(e.parent_id as string)).toBe(true);
    for (const c of e.children_ids ?? [])
      expect(events.find((x) => x.event_id === c)?.parent_id).toBe(e.event_id);
    const children = events.filter((x) => x.parent_id === e.event_id).map((x) => x.event_id);
    expect(new Set(e.children_ids)).toEqual(new Set(children));
  }
}

describe("LangGraph", () => {
  it("subgraphs nest (node → subgraph → inner node → model) and Send fan-out gives one event per branch", async () => {
    const model = new ScriptedChatModel({
      replies: [{ content: "inner answer", usage: { input: 2, output: 2 } }],
    });
    const inner = new StateGraph(State)
      .addNode("inner_step", async (s, config) => {
        const reply = await model.invoke(`about ${s.topic}`, config);
        return { items: [String(reply.content)] };
      })
      .addEdge(START, "inner_step")
      .addEdge("inner_step", END)
      .compile();
    const graph = new StateGraph(State)
      .addNode("plan", async () => ({}))
      .addNode("worker", async (s: { topic: string }) => ({ items: [`w:${s.topic}`] }))
      .addNode("sub", inner)
      .addEdge(START, "plan")
      .addConditionalEdges("plan", () => ["a", "b", "c"].map((t) => new Send("worker", { topic: t })))
      .addEdge("worker", "sub")
      .addEdge("sub", END)
      .compile();
    const handler = hh.handler();
    await graph.invoke({ topic: "x" }, { callbacks: [handler] });
    await handler.flush();
    const { events, sessions } = hh.collector;
    expect(sessions).toHaveLength(1);
    expectConsistentTree(events, new Set([sessions[0]?.session_id as string]));
    const workers = events.filter((e) => e.event_name === "worker");
    expect(workers).toHaveLength(3);
    expect(workers.map((w) => w.inputs.topic).sort()).toEqual(["a", "b", "c"]);
    const modelEvent = events.find((e) => e.event_type === "model");
    const innerStep = parentOf(events, modelEvent);
    expect(innerStep?.event_name).toBe("inner_step");
    const subgraph = parentOf(events, innerStep);
    const subNode = parentOf(events, subgraph);
    expect(subNode?.event_name).toBe("sub");
    const root = parentOf(events, subNode);
    expect(root?.parent_id).toBe(sessions[0]?.session_id);
    expect(events.some((e) => e.event_name === "__start__")).toBe(false);
  });

  it("interrupt() is not an error, and the resume with Command({resume}) lands in the same session", async () => {
    const graph = new StateGraph(State)
      .addNode("draft", async () => ({ items: ["draft"] }))
      .addNode("approve", async (s) => {
        const answer = interrupt({ question: "Ship it?", items: s.items });
        return { items: [`approved:${answer}`] };
      })
      .addEdge(START, "draft")
      .addEdge("draft", "approve")
      .addEdge("approve", END)
      .compile({ checkpointer: new MemorySaver() });
    const handler = hh.handler();
    const config = { configurable: { thread_id: "review-7" }, callbacks: [handler] };
    const paused = await graph.invoke({ topic: "t" }, config);
    expect((paused as { __interrupt__?: unknown }).__interrupt__).toBeDefined();
    const done = await graph.invoke(new Command({ resume: "yes" }), config);
    expect(done.items).toContain("approved:yes");
    await handler.flush();

    const { events, sessions } = hh.collector;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.metadata?.session_key).toBe("review-7");
    expect(events.every((e) => e.session_id === sessions[0]?.session_id)).toBe(true);
    expect(events.filter((e) => e.error !== null)).toEqual([]);
    const approvals = events.filter((e) => e.event_name === "approve");
    expect(approvals).toHaveLength(2);
    const paused1 = approvals.find((e) => e.metadata?.interrupted === true);
    expect(paused1?.metadata?.interrupt).toEqual([
      expect.objectContaining({ value: { question: "Ship it?", items: ["draft"] } }),
    ]);
    const resumed = approvals.find((e) => e !== paused1);
    expect(resumed?.outputs).toEqual({ items: ["approved:yes"] });
    // Two graph roots (turns) under the one session.
    expect(events.filter((e) => e.parent_id === sessions[0]?.session_id)).toHaveLength(2);
  });

  it("an interrupt raised inside a tool is recorded on the tool without an error", async () => {
    const ask = tool(
      async ({ q }) => {
        const answer = interrupt({ ask: q });
        return `human said ${answer}`;
      },
      { name: "ask_human", description: "ask", schema: z.object({ q: z.string() }) },
    );
    const model = new ScriptedChatModel({
      replies: [
        { toolCalls: [{ id: "c_ask", name: "ask_human", args: { q: "ok?" } }] },
        { content: "thanks" },
      ],
    });
    const agent = createReactAgent({ llm: model, tools: [ask], checkpointer: new MemorySaver() });
    const handler = hh.handler();
    await agent.invoke(
      { messages: [{ role: "user", content: "go" }] },
      { configurable: { thread_id: "tool-int" }, callbacks: [handler] },
    );
    await handler.flush();
    const toolEvent = byName(hh.collector.events, "ask_human");
    expect(toolEvent.error).toBeNull();
    expect(toolEvent.metadata?.interrupted).toBe(true);
    expect(hh.collector.events.filter((e) => e.error !== null)).toEqual([]);
  });

  it("langchain's createAgent produces a clean tree with model and tool events", async () => {
    const weather = tool(async ({ city }) => `sunny in ${city}`, {
      name: "get_weather",
      description: "Weather",
      schema: z.object({ city: z.string() }),
    });
    const model = new ScriptedChatModel({
      replies: [
        {
          toolCalls: [{ id: "c_1", name: "get_weather", args: { city: "Rome" } }],
          usage: { input: 5, output: 3 },
        },
        { content: "Sunny in Rome.", usage: { input: 9, output: 4 } },
      ],
    });
    const agent = createAgent({ model, tools: [weather] });
    const handler = hh.handler();
    const result = await agent.invoke(
      { messages: [{ role: "user", content: "Rome?" }] },
      { callbacks: [handler] },
    );
    expect(result.messages.at(-1)?.content).toBe("Sunny in Rome.");
    await handler.flush();
    const { events, sessions } = hh.collector;
    expect(sessions).toHaveLength(1);
    expectConsistentTree(events, new Set([sessions[0]?.session_id as string]));
    expect(events.filter((e) => e.event_type === "model")).toHaveLength(2);
    expect(byName(events, "get_weather").outputs).toEqual({ message: "sunny in Rome" });
    expect(events.filter((e) => e.parent_id === sessions[0]?.session_id)).toHaveLength(1);
    expect(events.some((e) => e.event_name === "__start__" || e.event_name?.startsWith("ChannelWrite"))).toBe(
      false,
    );
  });
});
