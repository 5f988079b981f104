/**
 * The tool round every provider test runs with its real package: the model asks for `get_weather`
 * (the one weather tool of the tests, from `../agents.ts`), the tool runs on the call, the model
 * answers with the tool's result in its history; invoked or streamed. Written once so each provider
 * file only scripts its own wire format.
 */
import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import {
  type AIMessage,
  type AIMessageChunk,
  type BaseMessage,
  HumanMessage,
} from "@langchain/core/messages";
import { expect } from "vitest";
import { weather } from "../agents.js";

/** The package's own assembled message of a `.stream()`, by LangChain's chunk concatenation. */
export async function streamed(stream: Promise<AsyncIterable<AIMessageChunk>>): Promise<AIMessageChunk> {
  let full: AIMessageChunk | undefined;
  for await (const chunk of await stream) full = full ? full.concat(chunk) : chunk;
  if (!full) throw new Error("the stream yielded nothing");
  return full;
}

export interface ToolRound {
  first: AIMessage;
  second: AIMessage;
  /** What the second call was given: question, the model's tool call, the tool's message. */
  history: BaseMessage[];
}

/** Model asks for `get_weather` in Oslo, the real tool runs on each call, the model answers. */
export async function toolRound(
  model: BaseChatModel,
  callbacks: Callbacks,
  mode: "invoke" | "stream" = "invoke",
): Promise<ToolRound> {
  if (!model.bindTools) throw new Error(`${model.getName()} cannot bind tools`);
  const tool = weather();
  const bound = model.bindTools([tool]);
  const ask = (messages: BaseMessage[]) =>
    mode === "invoke"
      ? bound.invoke(messages, { callbacks })
      : streamed(bound.stream(messages, { callbacks }));
  const history: BaseMessage[] = [new HumanMessage("Weather in Oslo?")];
  const first = (await ask(history)) as AIMessage;
  expect(first.tool_calls?.[0], "the package parsed the fake's tool call").toMatchObject({
    name: "get_weather",
    args: { city: "Oslo" },
  });
  history.push(first);
  for (const call of first.tool_calls ?? []) {
    history.push((await tool.invoke({ ...call, type: "tool_call" }, { callbacks })) as BaseMessage);
  }
  const second = (await ask(history)) as AIMessage;
  return { first, second, history };
}
