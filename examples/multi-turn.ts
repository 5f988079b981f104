/**
 * A chat server's view: one shared handler, many users, several turns each. Each user's turns land
 * in one HoneyHive session (per-call `metadata.honeyhive.sessionId`), and a thumbs-up is attached
 * to the session afterwards. Run: `npx tsx examples/multi-turn.ts`.
 */
import { HumanMessage } from "@langchain/core/messages";
import { OfflineChatModel } from "./support/offline-model.js";
import { traceTarget } from "./support/target.js";

const target = await traceTarget("support chat");
const model = new OfflineChatModel();

async function chatTurn(userId: string, text: string): Promise<string> {
  const reply = await model.invoke([new HumanMessage(text)], {
    callbacks: [target.handler],
    metadata: {
      honeyhive: {
        sessionId: `chat-${userId}`,
        sessionName: `chat with ${userId}`,
        userProperties: { userId },
      },
    },
  });
  return String(reply.content);
}

for (const turn of ["Hi there", "What can you do?"]) {
  console.log(`alice> ${turn}\n  bot> ${await chatTurn("alice", turn)}`);
  console.log(`bob>   ${turn}\n  bot> ${await chatTurn("bob", turn)}`);
}
// The user liked the conversation: record it on alice's session.
target.handler.enrichSession("chat-alice", { feedback: { thumbs: "up" } });
await target.finish();
