/**
 * The tool round every provider test runs: the model asks for a tool, a real `tool()` runs, the
 * model answers with the tool's result in its history. Written once so each provider file only
 * scripts its own wire format.
 */

import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { type AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";

export const weather = tool(async ({ city }) => `sunny in ${city}`, {
  name: "get_weather",
  description: "Weather for a city",
  schema: z.object({ city: z.string() }),
});

export interface ToolRound {
  first: AIMessage;
  second: AIMessage;
  /** What the second call was given: question, the model's tool call, the tool's message. */
  history: BaseMessage[];
}

export async function toolRound(model: BaseChatModel, callbacks: Callbacks): Promise<ToolRound> {
  if (!model.bindTools) throw new Error(`${model.getName()} cannot bind tools`);
  const bound = model.bindTools([weather]);
  const history: BaseMessage[] = [new HumanMessage("Weather in Oslo?")];
  const first = (await bound.invoke(history, { callbacks })) as AIMessage;
  history.push(first);
  for (const call of first.tool_calls ?? []) {
    history.push(await weather.invoke({ ...call, type: "tool_call" }, { callbacks }));
  }
  const second = (await bound.invoke(history, { callbacks })) as AIMessage;
  return { first, second, history };
}
