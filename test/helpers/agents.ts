/** A `createAgent` agent with one weather tool and a scripted model: one tool call, then an answer. */
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { z } from "zod";
import { ScriptedChatModel } from "./scripted-model.js";

export const weather = () =>
  tool(async ({ city }) => `sunny in ${city}`, {
    name: "get_weather",
    description: "Weather for a city",
    schema: z.object({ city: z.string() }),
  });

export function namedWeatherAgent(name = "weather_agent") {
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
