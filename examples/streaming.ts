/**
 * Streaming a chain with `.stream()`: the model event records the full streamed answer and the
 * time to first token (`metrics.ttft_ms`). Run: `npm run example -- streaming`.
 */
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { HoneyHiveHandler } from "honeyhive-langchain";
import { localCollectorUnlessKey } from "./support/local-collector.js";
import { OfflineChatModel } from "./support/offline-model.js";

const local = await localCollectorUnlessKey(); // offline only: not part of an app

const handler = new HoneyHiveHandler({ sessionName: "streaming" });
const chain = ChatPromptTemplate.fromTemplate("Tell me about {topic}")
  .pipe(new OfflineChatModel())
  .pipe(new StringOutputParser());

for await (const chunk of await chain.stream({ topic: "otters" }, { callbacks: [handler] })) {
  process.stdout.write(chunk);
}
process.stdout.write("\n");

await handler.flush(); // a script may simply end; flushed here so the local collector can print it
await local.show();
