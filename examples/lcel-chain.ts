/**
 * An LCEL chain (prompt → chat model → parser) with the handler bound once, so every call is traced
 * without passing callbacks each time. Run: `npm run example -- lcel-chain`.
 */
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { HoneyHiveHandler } from "honeyhive-langchain";
import { localCollectorUnlessKey } from "./support/local-collector.js";
import { OfflineChatModel } from "./support/offline-model.js";

const local = await localCollectorUnlessKey(); // offline only: not part of an app

const handler = new HoneyHiveHandler(); // reads HH_API_KEY (and HH_API_URL, HH_SESSION_NAME, …)

const chain = ChatPromptTemplate.fromMessages([
  ["system", "You answer in one sentence."],
  ["human", "{question}"],
])
  .pipe(new OfflineChatModel())
  .pipe(new StringOutputParser())
  // Bound once: every invoke, stream or batch of the chain is traced, each call its own session.
  .withConfig({ runName: "answer_question", callbacks: [handler] });

console.log(await chain.invoke({ question: "Why is the sky blue?" }));
console.log(await chain.invoke({ question: "Why is the sea salty?" }));

await handler.flush(); // a script may simply end; flushed here so the local collector can print it
await local.show();
