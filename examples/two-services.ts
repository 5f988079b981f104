/**
 * Two services, one session tree. Service A is an HTTP handler, traced with `handler.trace`, that
 * runs a `createAgent` agent; the agent's tool calls service B over HTTP with
 * `propagationHeaders()`. Service B runs a LangGraph graph inside `continueTrace(req.headers, …)`,
 * so its events land in A's session, under A's tool call. Both services run in this one process
 * here (two handlers, two ports, each its own `source`); in production they are separate
 * deployments, and B could be a Python service using HoneyHive's SDK (it reads baggage `session_id`).
 * Run: `npm run example -- two-services`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tool } from "@langchain/core/tools";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { HoneyHiveHandler, propagationHeaders } from "honeyhive-langchain";
import { createAgent } from "langchain";
import { z } from "zod";
import { localCollectorUnlessKey } from "./support/local-collector.js";
import { OfflineChatModel } from "./support/offline-model.js";

const local = await localCollectorUnlessKey(); // offline only: not part of an app

// ---- service B: a forecast service (Node `http`; Express is the same: `req.headers`) ----------
const serviceB = new HoneyHiveHandler({ source: "forecast-service" });
const Forecast = Annotation.Root({ city: Annotation<string>, forecast: Annotation<string> });
const forecastGraph = new StateGraph(Forecast)
  .addNode("lookup", async (s: { city: string }) => ({ forecast: `${s.city}: 18°C and sunny, light wind` }))
  .addEdge(START, "lookup")
  .addEdge("lookup", END)
  .compile()
  .withConfig({ runName: "forecast_graph" });

const serverB = createServer(async (req, res) => {
  const city = new URL(req.url ?? "/", "http://localhost").searchParams.get("city") ?? "";
  const result = await serviceB.continueTrace(req.headers, () =>
    forecastGraph.invoke({ city }, { callbacks: [serviceB] }),
  );
  res.setHeader("content-type", "text/plain");
  res.end(result.forecast);
});
await new Promise<void>((resolve) => serverB.listen(0, "127.0.0.1", resolve));
const forecastUrl = `http://127.0.0.1:${(serverB.address() as AddressInfo).port}/forecast`;

// ---- service A: the app's request handler, an agent, a tool that calls service B --------------
const serviceA = new HoneyHiveHandler({ source: "chat-api" });
const getWeather = tool(
  async ({ city }) => {
    // The current event (this tool call) travels with the request.
    const res = await fetch(`${forecastUrl}?city=${encodeURIComponent(city)}`, {
      headers: propagationHeaders(),
    });
    return res.text();
  },
  { name: "get_weather", description: "Current weather for a city", schema: z.object({ city: z.string() }) },
);
const agent = createAgent({ model: new OfflineChatModel(), tools: [getWeather], name: "weather_agent" });

const handleChat = serviceA.trace(
  async (message: string) => {
    const result = await agent.invoke(
      { messages: [{ role: "user", content: message }] },
      { callbacks: [serviceA] },
    );
    return String(result.messages.at(-1)?.content);
  },
  { name: "chat_request" },
);

console.log(`Agent: ${await handleChat("What is the weather in Oslo?")}`);

serverB.close();
await serviceB.flush();
await serviceA.flush();
await local.show();
