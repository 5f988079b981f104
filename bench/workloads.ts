/**
 * The three benchmark workloads, built from real LangChain pieces with fake (offline) models.
 *
 * The fake models yield to the event loop once per reply (and once per streamed chunk), as any
 * model behind a network does. Without that, a whole benchmark loop is one chain of microtasks:
 * no I/O of any kind — the tracer's included — could happen until the loop ends.
 */

import type { Callbacks } from "@langchain/core/callbacks/manager";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { tool } from "@langchain/core/tools";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { z } from "zod";
import { ScriptedChatModel } from "../test/helpers/scripted-model.js";

export type WorkloadName = "chain" | "agent" | "stream";

export type Workload = (callbacks: Callbacks | undefined) => Promise<unknown>;

export function buildWorkload(name: WorkloadName): Workload {
  if (name === "chain") {
    const chain = ChatPromptTemplate.fromMessages([
      ["system", "You are a helpful assistant."],
      ["human", "Summarize: {text}"],
    ])
      .pipe(
        new ScriptedChatModel({
          replies: [{ content: "A short summary.", usage: { input: 42, output: 5 }, yieldToEventLoop: true }],
        }),
      )
      .pipe(new StringOutputParser());
    return (callbacks) => chain.invoke({ text: "LangChain tracing benchmarks" }, { callbacks });
  }
  if (name === "agent") {
    const lookup = tool(async ({ city }) => `${city}: 21C, clear`, {
      name: "get_weather",
      description: "Weather for a city",
      schema: z.object({ city: z.string() }),
    });
    const model = new ScriptedChatModel({
      replies: [
        {
          toolCalls: [{ id: "call_1", name: "get_weather", args: { city: "Lisbon" } }],
          usage: { input: 60, output: 12 },
          yieldToEventLoop: true,
        },
        {
          content: "It is 21C and clear in Lisbon.",
          usage: { input: 90, output: 10 },
          yieldToEventLoop: true,
        },
      ],
    });
    const agent = createReactAgent({ llm: model, tools: [lookup] });
    return (callbacks) =>
      agent.invoke({ messages: [{ role: "user", content: "Weather in Lisbon?" }] }, { callbacks });
  }
  const words = Array.from({ length: 50 }, (_, i) => `tok${i}`).join(" ");
  const streamingModel = new ScriptedChatModel({
    replies: [{ content: words, usage: { input: 20, output: 50 }, yieldToEventLoop: true }],
  });
  return async (callbacks) => {
    let n = 0;
    for await (const _chunk of await streamingModel.stream("stream please", { callbacks })) n++;
    return n;
  };
}
