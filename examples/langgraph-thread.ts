/**
 * A LangGraph conversation with memory and a human-in-the-loop pause. Every turn of thread
 * "order-1138", including the resume after `interrupt()`, lands in one HoneyHive session (the
 * thread id is the session key), and the pause is recorded as an interruption, not an error.
 * Run: `npm run example -- langgraph-thread`.
 */
import {
  Annotation,
  Command,
  END,
  INTERRUPT,
  interrupt,
  isInterrupted,
  MemorySaver,
  START,
  StateGraph,
} from "@langchain/langgraph";
import { HoneyHiveHandler } from "honeyhive-langchain";
import { localCollectorUnlessKey } from "./support/local-collector.js";

const local = await localCollectorUnlessKey(); // offline only: not part of an app

const State = Annotation.Root({
  order: Annotation<string>,
  status: Annotation<string>,
});

const graph = new StateGraph(State)
  .addNode("draft_refund", async (s) => ({ status: `refund drafted for ${s.order}` }))
  .addNode("approval", async (s) => {
    const decision = interrupt({ question: `Approve: ${s.status}?` });
    return { status: decision === "yes" ? "refund approved" : "refund rejected" };
  })
  .addEdge(START, "draft_refund")
  .addEdge("draft_refund", "approval")
  .addEdge("approval", END)
  .compile({ checkpointer: new MemorySaver(), name: "refunds" });

const handler = new HoneyHiveHandler();
const config = { configurable: { thread_id: "order-1138" }, callbacks: [handler] };

const paused = await graph.invoke({ order: "order-1138" }, config);
if (isInterrupted<{ question: string }>(paused))
  console.log(`paused: ${paused[INTERRUPT][0]?.value?.question}`);
const done = await graph.invoke(new Command({ resume: "yes" }), config);
console.log("final status:", done.status);

await handler.flush(); // a script may simply end; flushed here so the local collector can print it
await local.show();
