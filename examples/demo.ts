/**
 * `npm run demo`: a LangGraph tool-calling agent, traced by HoneyHiveHandler.
 * Runs offline (a rule-based chat model) and prints the session tree it recorded.
 */
import { tool } from "@langchain/core/tools";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { z } from "zod";
import { OfflineChatModel } from "./support/offline-model.js";
import { traceTarget } from "./support/target.js";

const getWeather = tool(async ({ city }) => `${city}: 18°C and sunny, light wind`, {
  name: "get_weather",
  description: "Current weather for a city",
  schema: z.object({ city: z.string().describe("City name") }),
});

const agent = createReactAgent({ llm: new OfflineChatModel(), tools: [getWeather] });

const target = await traceTarget("weather agent demo");
const result = await agent.invoke(
  { messages: [{ role: "user", content: "What is the weather in Oslo?" }] },
  { callbacks: [target.handler] },
);
console.log(`Agent: ${result.messages.at(-1)?.content}`);
await target.finish();
