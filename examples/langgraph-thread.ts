/**
 * A LangGraph conversation with memory and a human-in-the-loop pause. Every turn of thread
 * "order-1138" — including the resume after interrupt() — lands in one HoneyHive session, and the
 * pause is recorded as an interruption, not an error. Run: `npx tsx examples/langgraph-thread.ts`.
 */
import { Annotation, Command, END, interrupt, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { traceTarget } from "./support/target.js";

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
  .compile({ checkpointer: new MemorySaver() });

const target = await traceTarget("refunds");
const config = { configurable: { thread_id: "order-1138" }, callbacks: [target.handler] };
const paused = await graph.invoke({ order: "order-1138" }, config);
console.log("paused:", JSON.stringify((paused as { __interrupt__?: unknown }).__interrupt__));
const done = await graph.invoke(new Command({ resume: "yes" }), config);
console.log("final status:", done.status);
await target.finish();
