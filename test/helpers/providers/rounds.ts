/**
 * What every provider test does with its real package: a tool round (the model asks for the
 * weather tool, the tool runs, the model answers with the result in its history), invoked or
 * streamed, and the checks every streamed event gets.
 */
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import {
  type AIMessage,
  type AIMessageChunk,
  type BaseMessage,
  HumanMessage,
} from "@langchain/core/messages";
import { expect } from "vitest";
import { weather } from "../agents.js";
import type { ReceivedRequest } from "./fake-http.js";

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
  history: BaseMessage[];
}

/** Model asks for `get_weather`, the real tool runs on its call, the model answers. */
export async function toolRound(
  model: BaseChatModel,
  handler: BaseCallbackHandler,
  mode: "invoke" | "stream",
): Promise<ToolRound> {
  const tool = weather();
  const bound = (model.bindTools as NonNullable<BaseChatModel["bindTools"]>)([tool]);
  const callbacks = [handler];
  const ask = (messages: BaseMessage[]) =>
    mode === "invoke"
      ? bound.invoke(messages, { callbacks })
      : streamed(bound.stream(messages, { callbacks }));
  const history: BaseMessage[] = [new HumanMessage("Weather in Oslo?")];
  const first = (await ask(history)) as AIMessage;
  const call = first.tool_calls?.[0];
  expect(call, "the package parsed the fake's tool call").toMatchObject({
    name: "get_weather",
    args: { city: "Oslo" },
  });
  const result = await tool.invoke({ ...call, type: "tool_call" } as Parameters<typeof tool.invoke>[0], {
    callbacks,
  });
  history.push(first, result as BaseMessage);
  const second = (await ask(history)) as AIMessage;
  return { first, second, history };
}

/**
 * Time to first token placed by the fake's clock: the first token is stamped no earlier than the
 * first content event was written (not at the provider's empty opening event, written `gap`
 * earlier), and before the run ended. An order, not a duration: 3 ms of slack for the wall clock's
 * rounding against the handler's monotonic one.
 */
export function expectTtftAtFirstContent(
  event: { start_time?: number; end_time?: number; metrics?: Record<string, unknown> | null },
  request: ReceivedRequest,
  firstContent: string,
): void {
  const ttft = event.metrics?.ttft_ms;
  expect(typeof ttft, "ttft_ms recorded").toBe("number");
  const written = request.sent.find((s) => s.event === firstContent);
  if (!written)
    throw new Error(`the fake never wrote ${firstContent}: ${request.sent.map((s) => s.event).join(", ")}`);
  const stamped = (event.start_time as number) + (ttft as number);
  expect(stamped).toBeGreaterThanOrEqual(written.at - 3);
  expect(stamped).toBeLessThanOrEqual((event.end_time as number) + 3);
}
