/**
 * An agent's scope (`metadata.agent_name` on every run inside it) is a fact of the agent's own run:
 * it lasts exactly as long as that run (and its memory for late children), however many other runs
 * the handler sees meanwhile.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();

const State = Annotation.Root({ q: Annotation<string>(), a: Annotation<string>() });

/** A graph the app named (so an agent) with one node that runs one child runnable. */
function busyAgent() {
  const step = RunnableLambda.from((q: string) => `${q}!`).withConfig({ runName: "step" });
  return new StateGraph(State)
    .addNode("work", async (s, config) => ({ a: await step.invoke(s.q, config) }))
    .addEdge(START, "work")
    .addEdge("work", END)
    .compile()
    .withConfig({ runName: "busy_agent" });
}

describe("agent scope", () => {
  it("a still-running agent's new runs carry its agent_name after thousands of other runs", async () => {
    const handler = hh.handler();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let waiting: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const llm = new ScriptedChatModel({ replies: [{ content: "42" }] });
    const planner = new StateGraph(State)
      .addNode("wait", async () => {
        waiting();
        await gate;
        return {};
      })
      .addNode("answer", async (s, config) => ({ a: String((await llm.invoke(s.q, config)).content) }))
      .addEdge(START, "wait")
      .addEdge("wait", "answer")
      .addEdge("answer", END)
      .compile()
      .withConfig({ runName: "planner" });

    const first = planner.invoke({ q: "meaning?" }, { callbacks: [handler] });
    await started;
    // Another agent, many times over, through the same handler while the planner waits.
    const busy = busyAgent();
    for (let i = 0; i < 1_300; i++) await busy.invoke({ q: `q${i}` }, { callbacks: [handler] });
    release();
    expect((await first).a).toBe("42");
    await handler.flush();

    const { events } = hh.collector;
    expect(events.filter((e) => e.metadata?.agent_name === "busy_agent").length).toBeGreaterThan(2_500);
    expect(byName(events, "planner").config).toEqual({ agent_name: "planner" });
    expect(byName(events, "wait").metadata?.agent_name).toBe("planner");
    // Started after the other agent's runs: the planner's scope must still be known.
    expect(byName(events, "answer").metadata?.agent_name).toBe("planner");
    const model = events.find((e) => e.event_type === "model");
    expect(model?.metadata?.agent_name).toBe("planner");
  });

  it("a late child of an ended node of an agent still carries its agent_name", async () => {
    const handler = hh.handler();
    const step = RunnableLambda.from((q: string) => `${q}!`).withConfig({ runName: "late_step" });
    let late: Promise<string> | undefined;
    const planner = new StateGraph(State)
      .addNode("kick", async (s, config) => {
        // Work the node leaves behind: it starts after the node (and the whole graph) ended.
        late = new Promise((resolve) => setTimeout(() => resolve(step.invoke(s.q, config)), 10));
        return { a: "started" };
      })
      .addEdge(START, "kick")
      .addEdge("kick", END)
      .compile()
      .withConfig({ runName: "planner" });
    await planner.invoke({ q: "meaning?" }, { callbacks: [handler] });
    expect(await late).toBe("meaning?!");
    await handler.flush();

    const { events } = hh.collector;
    const lateStep = byName(events, "late_step");
    expect(lateStep.parent_id).toBe(byName(events, "kick").event_id);
    expect(lateStep.metadata?.agent_name).toBe("planner");
  });
});
