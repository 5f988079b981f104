/**
 * An AWS Lambda function (Node.js runtime) running an agent with a tool. Lambda freezes the process as soon as
 * the handler's promise settles, so events still waiting would sit frozen (and may be lost when the
 * instance is recycled): `await handler.flush()` before returning. The handler is created once per
 * instance, outside the function, and reused by every invocation. Run: `npm run example -- lambda`.
 */
import { tool } from "@langchain/core/tools";
import { HoneyHiveHandler, honeyhive } from "honeyhive-langchain";
import { createAgent } from "langchain";
import { z } from "zod";
import { localCollectorUnlessKey } from "./support/local-collector.js";
import { OfflineChatModel } from "./support/offline-model.js";

const local = await localCollectorUnlessKey(); // offline only: not part of an app

const tracer = new HoneyHiveHandler({ sessionName: "weather lambda" });
const getWeather = tool(async ({ city }) => `${city}: 12°C and rain`, {
  name: "get_weather",
  description: "Current weather for a city",
  schema: z.object({ city: z.string().describe("City name") }),
});
const agent = createAgent({ model: new OfflineChatModel(), tools: [getWeather], name: "weather_agent" });

interface ApiGatewayEvent {
  body: string | null;
  requestContext?: { requestId?: string };
}

export async function handler(event: ApiGatewayEvent): Promise<{ statusCode: number; body: string }> {
  const { question, userId } = JSON.parse(event.body ?? "{}") as { question: string; userId: string };
  try {
    const result = await agent.invoke(
      { messages: [{ role: "user", content: question }] },
      { callbacks: [tracer], metadata: honeyhive({ userId }) },
    );
    return { statusCode: 200, body: JSON.stringify({ answer: result.messages.at(-1)?.content }) };
  } finally {
    // Bounded by flushTimeoutMs (10 s by default): keep it below the function's timeout.
    await tracer.flush({ timeoutMs: 3000 });
  }
}

// What Lambda does: invoke the function (here twice, as a warm instance would).
for (const question of ["What is the weather in Bergen?", "And in Tromso?"]) {
  console.log(await handler({ body: JSON.stringify({ question, userId: "frank" }) }));
}

await local.show();
