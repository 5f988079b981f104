/**
 * `npm run demo`: a `createAgent` agent with a weather tool, traced into HoneyHive (with HH_API_KEY)
 * or into a local collector (without), then the session tree it recorded.
 * Run: `npm run demo` (builds first), or `npx tsx examples/demo.ts` after `npm run build`.
 */
import { tool } from "@langchain/core/tools";
import { HoneyHiveHandler } from "honeyhive-langchain";
import { createAgent } from "langchain";
import { z } from "zod";
import { localCollectorUnlessKey } from "./support/local-collector.js";
import { OfflineChatModel } from "./support/offline-model.js";

const local = await localCollectorUnlessKey(); // offline only: not part of an app

const getWeather = tool(async ({ city }) => `${city}: 18°C and sunny, light wind`, {
  name: "get_weather",
  description: "Current weather for a city",
  schema: z.object({ city: z.string().describe("City name") }),
});

// Any chat model works here (new ChatOpenAI({ model: "gpt-4o-mini" }), ...); this one runs offline.
const agent = createAgent({ model: new OfflineChatModel(), tools: [getWeather], name: "weather_agent" });

const handler = new HoneyHiveHandler({ sessionName: "weather agent demo" }); // reads HH_API_KEY
const result = await agent.invoke(
  { messages: [{ role: "user", content: "What is the weather in Oslo?" }] },
  { callbacks: [handler] },
);
console.log(`Agent: ${result.messages.at(-1)?.content}`);

// A script may simply end: its events are delivered before it exits. Flushing here lets the local
// collector print them first.
await handler.flush();
await local.show();
