/**
 * User feedback after the fact: a thumbs-down on one answer (the model call's event) and a rating
 * on the whole conversation (its session). Event ids are LangChain run ids, so pass your own
 * `runId` to know an event's id. Run: `npm run example -- feedback`.
 */
import { randomUUID } from "node:crypto";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { HoneyHiveHandler, honeyhive } from "honeyhive-langchain";
import { localCollectorUnlessKey } from "./support/local-collector.js";
import { OfflineChatModel } from "./support/offline-model.js";

const local = await localCollectorUnlessKey(); // offline only: not part of an app

const handler = new HoneyHiveHandler();
const chain = ChatPromptTemplate.fromTemplate("Answer briefly: {question}")
  .pipe(new OfflineChatModel())
  .pipe(new StringOutputParser());

const runId = randomUUID(); // the root run's id = its HoneyHive event id
const answer = await chain.invoke(
  { question: "Which city is the capital of Australia?" },
  { callbacks: [handler], runId, metadata: honeyhive({ sessionId: "ticket-4711", userId: "carol" }) },
);
console.log(`answer: ${answer}`);

// Later, when the user reacts in the UI (another request, same process):
handler.enrichEvent(runId, {
  feedback: { rating: 0, comment: "did not answer the question" },
  metrics: { helpful: false },
});
const sessionId = handler.getSessionId(runId); // HoneyHive's id of "ticket-4711"
console.log(`session: ${sessionId}`);
// enrichSession accepts the key the app used ("ticket-4711") or the session id.
handler.enrichSession("ticket-4711", { feedback: { resolved: false }, metadata: { escalated: true } });

await handler.flush(); // a script may simply end; flushed here so the local collector can print it
await local.show();
