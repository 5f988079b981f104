/** Streaming a chain with `.stream()`, traced (time to first token is recorded). Run: `npx tsx examples/streaming.ts`. */
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { OfflineChatModel } from "./support/offline-model.js";
import { traceTarget } from "./support/target.js";

const chain = ChatPromptTemplate.fromTemplate("Tell me about {topic}")
  .pipe(new OfflineChatModel())
  .pipe(new StringOutputParser());

const target = await traceTarget("streaming");
for await (const chunk of await chain.stream({ topic: "otters" }, { callbacks: [target.handler] })) {
  process.stdout.write(chunk);
}
process.stdout.write("\n");
await target.finish();
