/**
 * A chat backend's view: one handler for the whole process, many users, several turns each. Each
 * conversation is one HoneyHive session (`sessionId`), tied to the app's user (`userId`, which
 * HoneyHive filters users by). `honeyhive({ … })` types the per-call settings: a misspelled key
 * does not compile. Run: `npm run example -- multi-turn`.
 */
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import { HoneyHiveHandler, honeyhive } from "honeyhive-langchain";
import { localCollectorUnlessKey } from "./support/local-collector.js";
import { OfflineChatModel } from "./support/offline-model.js";

const local = await localCollectorUnlessKey(); // offline only: not part of an app

const handler = new HoneyHiveHandler(); // one per process, shared by every request
const model = new OfflineChatModel();
const histories = new Map<string, BaseMessage[]>();

async function chatTurn(userId: string, conversationId: string, text: string): Promise<string> {
  const history = histories.get(conversationId) ?? [];
  history.push(new HumanMessage(text));
  const reply = await model.invoke(history, {
    callbacks: [handler],
    runName: "chat_turn",
    metadata: honeyhive({
      sessionId: conversationId, // any string: a non-UUID maps to the same session id every time
      sessionName: "support chat",
      userId,
      userProperties: { plan: userId === "alice" ? "pro" : "free" },
    }),
  });
  // Pushing onto the same array later does not change what was recorded for this turn.
  history.push(new AIMessage(String(reply.content)));
  histories.set(conversationId, history);
  return String(reply.content);
}

for (const text of ["Hi there", "What can you do?"]) {
  console.log(`alice> ${text}\n  bot> ${await chatTurn("alice", "conversation-alice-1", text)}`);
  console.log(`bob>   ${text}\n  bot> ${await chatTurn("bob", "conversation-bob-1", text)}`);
}

await handler.flush(); // a script may simply end; flushed here so the local collector can print it
await local.show();
