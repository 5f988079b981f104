/**
 * HoneyHive fidelity (issue 11): tools, providers, session names, agents, message content, LangChain
 * internals, namespaces, requested vs answered model, retriever document ids — asserted on what
 * the collector received.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Document } from "@langchain/core/documents";
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel, FakeRetriever } from "@langchain/core/utils/testing";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { scriptName, sessionNameFor } from "../src/mapping/session-name.js";
import { ScriptedChatModel } from "./helpers/scripted-model.js";
import { byName, useCollector } from "./helpers/setup.js";
import { ShapedChatModel } from "./helpers/shaped-model.js";

const hh = useCollector();
const run = promisify(execFile);

const weather = () =>
  tool(async ({ city }) => `sunny in ${city}`, {
    name: "get_weather",
    description: "Weather for a city",
    schema: z.object({ city: z.string() }),
  });

function weatherAgent(name = "weather_agent") {
  const model = new ScriptedChatModel({
    model: "gpt-4o-mini",
    provider: "openai",
    replies: [
      {
        toolCalls: [{ id: "call_w1", name: "get_weather", args: { city: "Oslo" } }],
        usage: { input: 10, output: 5 },
      },
      { content: "It is sunny in Oslo.", usage: { input: 20, output: 6 } },
    ],
  });
  return createAgent({ model, tools: [weather()], name, systemPrompt: "Be brief." });
}

describe("tools", () => {
  it("config.tool_name / tool_description / tool_type, outputs.message, metadata.tool_call_id", async () => {
    const handler = hh.handler();
    await weatherAgent().invoke(
      { messages: [{ role: "user", content: "Weather in Oslo?" }] },
      { callbacks: [handler] },
    );
    await handler.flush();
    const t = byName(hh.collector.events, "get_weather");
    expect(t.event_type).toBe("tool");
    expect(t.config).toEqual({
      tool_name: "get_weather",
      tool_description: "Weather for a city",
      tool_type: "DynamicStructuredTool",
    });
    expect(t.inputs).toEqual({ city: "Oslo" });
    expect(t.outputs).toEqual({ message: "sunny in Oslo" });
    expect(t.metadata?.tool_call_id).toBe("call_w1");
  });

  it("a tool called directly: name and type, no description guessed; a returned object is the message", async () => {
    const handler = hh.handler();
    const lookup = tool(async ({ id }) => ({ id, found: true }), {
      name: "lookup",
      description: "Find a record",
      schema: z.object({ id: z.number() }),
    });
    await lookup.invoke({ id: 7 }, { callbacks: [handler] });
    await handler.flush();
    const t = byName(hh.collector.events, "lookup");
    expect(t.config).toEqual({ tool_name: "lookup", tool_type: "DynamicStructuredTool" });
    expect(t.outputs).toEqual({ message: { id: 7, found: true } });
  });

  it("a ToolMessage with status error is an error", async () => {
    const handler = hh.handler();
    const failing = tool(
      async (_args, config) =>
        new ToolMessage({
          content: "city not found",
          status: "error",
          tool_call_id: String(config.toolCall?.id),
        }),
      { name: "get_city", description: "A city", schema: z.object({ q: z.string() }) },
    );
    await failing.invoke(
      { id: "call_e1", name: "get_city", args: { q: "Atlantis" }, type: "tool_call" },
      { callbacks: [handler] },
    );
    await handler.flush();
    const t = byName(hh.collector.events, "get_city");
    expect(t.error).toBe("ToolError: city not found");
    expect(t.outputs).toEqual({ message: "city not found" });
    expect(t.metadata?.tool_call_id).toBe("call_e1");
  });
});

describe("providers", () => {
  const cases: [string, string][] = [
    ["openai", "openai"],
    ["azure", "azure"],
    ["anthropic", "anthropic"],
    ["google_genai", "google"],
    ["google_vertexai", "google"],
    ["amazon_bedrock", "bedrock"],
    ["mistral", "mistral"],
    ["groq", "groq"],
    ["cohere", "cohere"],
    ["ollama", "ollama"],
    ["deepseek", "deepseek"],
    ["xai", "xai"],
  ];
  it.each(cases)(
    "ls_provider %s → config.provider %s (LangChain's name kept in metadata)",
    async (ls, hhName) => {
      const handler = hh.handler();
      await new ScriptedChatModel({ provider: ls, replies: [{ content: "hi" }] }).invoke("hello", {
        callbacks: [handler],
      });
      await handler.flush();
      const [e] = hh.collector.events;
      expect(e?.config?.provider).toBe(hhName);
      expect(e?.metadata?.ls_provider).toBe(ls);
    },
  );

  it("a provider LangChain only derived from the class name is not reported", async () => {
    const handler = hh.handler();
    await new FakeListChatModel({ responses: ["hi"] }).invoke("hello", { callbacks: [handler] });
    await handler.flush();
    const [e] = hh.collector.events;
    expect(e?.config).not.toHaveProperty("provider");
    expect(e?.metadata).not.toHaveProperty("ls_provider");
  });
});

describe("session names", () => {
  it("pure rule: chosen → app-given run name → script name → langchain; class defaults never", () => {
    const base = { chosen: undefined, className: "RunnableSequence", script: "/app/src/chat-bot.ts" };
    expect(sessionNameFor({ ...base, chosen: "mine", runName: "qa" })).toBe("mine");
    expect(sessionNameFor({ ...base, runName: "qa" })).toBe("qa");
    expect(sessionNameFor({ ...base, runName: "RunnableSequence" })).toBe("chat-bot");
    expect(sessionNameFor({ ...base, runName: "LangGraph", className: "CompiledStateGraph" })).toBe(
      "chat-bot",
    );
    expect(sessionNameFor({ ...base, runName: "ScriptedChatModel", className: "ScriptedChatModel" })).toBe(
      "chat-bot",
    );
    expect(sessionNameFor({ ...base, runName: "RunnableLambda", script: "" })).toBe("langchain");
  });

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
    const script = join(import.meta.dirname, "fixtures/thread-turn.ts");
    await run(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, COLLECTOR_URL: hh.collector.url, THREAD_ID: "fidelity-name", TURN: "hi" },
    });
    expect(hh.collector.sessions[0]?.session_name).toBe("thread-turn");
  });
});

describe("agents", () => {
  it("createAgent({name}): config.agent_name on its event, metadata.agent_name inside, no LangChain noise", async () => {
    const handler = hh.handler();
    await weatherAgent().invoke(
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

describe("message content", () => {
  it("Anthropic-shaped output: text blocks become a string, tool_use blocks are not repeated", async () => {
    const handler = hh.handler();
    const message = new AIMessage({
      content: [
        { type: "text", text: "Let me check. " },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } },
      ],
      tool_calls: [{ id: "toolu_1", name: "get_weather", args: { city: "Oslo" }, type: "tool_call" }],
    });
    await new ShapedChatModel(
      () => ({ generations: [{ message, text: "" }] }),
      {},
      { ls_provider: "anthropic" },
    ).invoke(
      [
        new HumanMessage({
          content: [
            { type: "text", text: "What is in " },
            { type: "text", text: "this picture?" },
          ],
        }),
        new HumanMessage({
          content: [
            { type: "text", text: "And this one?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } },
          ],
        }),
      ],
      { callbacks: [handler] },
    );
    await handler.flush();
    const [e] = hh.collector.events;
    expect(e?.outputs).toEqual({
      role: "assistant",
      content: "Let me check. ",
      tool_calls: [
        { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
      ],
    });
    expect(e?.inputs.chat_history).toEqual([
      { role: "user", content: "What is in this picture?" },
      {
        role: "user",
        content: [
          { type: "text", text: "And this one?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBOR" } },
        ],
      },
    ]);
  });

  it("plain message shapes in chain inputs map to the right role, under the app's key", async () => {
    const handler = hh.handler();
    const echo = RunnableLambda.from((v: { messages: unknown[] }) => v.messages.length).withConfig({
      runName: "count",
    });
    await echo.invoke(
      {
        messages: [
          ["system", "Be brief."],
          { type: "human", content: "hi" },
          { role: "ai", content: "hello" },
          { role: "assistant", content: "again" },
          "plain string",
        ],
      },
      { callbacks: [handler] },
    );
    await handler.flush();
    expect(byName(hh.collector.events, "count").inputs).toEqual({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "assistant", content: "again" },
        { role: "user", content: "plain string" },
      ],
    });
  });
});

describe("retrievers", () => {
  it("documents keep their id", async () => {
    const handler = hh.handler();
    const retriever = new FakeRetriever({
      output: [new Document({ pageContent: "Oslo is in Norway.", metadata: { src: "wiki" }, id: "doc-17" })],
    });
    await retriever.invoke("where is Oslo", { callbacks: [handler] });
    await handler.flush();
    expect(hh.collector.events[0]?.outputs).toEqual({
      documents: [{ page_content: "Oslo is in Norway.", metadata: { src: "wiki" }, id: "doc-17" }],
    });
  });
});
