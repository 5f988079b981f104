/** A plain LCEL chain (prompt → chat model → parser), traced. Run: `npx tsx examples/lcel-chain.ts`. */
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { OfflineChatModel } from "./support/offline-model.js";
import { traceTarget } from "./support/target.js";

const chain = ChatPromptTemplate.fromMessages([
  ["system", "You answer in one sentence."],
  ["human", "{question}"],
])
  .pipe(new OfflineChatModel())
  .pipe(new StringOutputParser());

const target = await traceTarget("lcel chain");
console.log(await chain.invoke({ question: "Why is the sky blue?" }, { callbacks: [target.handler] }));
await target.finish();
