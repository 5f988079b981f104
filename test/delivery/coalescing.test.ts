/**
 * Coalescing while the app is busy (issue 12): a request costs the app's process far more than the
 * events in it, so back-to-back runs share requests even when none is in flight; an event after a
 * quiet spell still goes out at once, alone.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { postsEvents, useCollector } from "../helpers/setup.js";

const hh = useCollector();

const words = Array.from({ length: 20 }, (_, i) => `w${i}`).join(" ");
const model = () =>
  new ScriptedChatModel({
    replies: [{ content: words, usage: { input: 5, output: 20 }, yieldToEventLoop: true }],
  });

describe("coalescing", () => {
  it("back-to-back streamed calls: events share requests (not one request per run)", async () => {
    const handler = hh.handler();
    const m = model();
    const runs = 100;
    for (let i = 0; i < runs; i++) {
      for await (const _ of await m.stream("go", { callbacks: [handler] })) {
        // consume
      }
    }
    await handler.flush();
    expect(hh.collector.events).toHaveLength(runs);
    const eventRequests = hh.collector.requests.filter(postsEvents).length;
    // Before: about one events request per run (each went alone when no request was in flight).
    expect(eventRequests).toBeLessThan(runs / 2);
  });

  it("a run after a quiet spell: its event goes alone, at once (POST /v1/events), before flush()", async () => {
    const handler = hh.handler();
    let childEnded!: () => void;
    const ended = new Promise<void>((resolve) => {
      childEnded = resolve;
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The root is still running when its child ends: the session is created on its own, and the
    // child's event goes at once, alone, without waiting for the root or a flush.
    const root = RunnableLambda.from(async (x: string, config) => {
      const answer = await model().invoke(x, config);
      childEnded();
      await held;
      return answer.content;
    }).withConfig({ runName: "long_root" });
    const running = root.invoke("go", { callbacks: [handler] });
    await ended;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hh.collector.events).toHaveLength(1);
    const single = hh.collector.requests.filter((r) => r.method === "POST" && r.path === "/v1/events");
    expect(single).toHaveLength(1);
    expect(hh.collector.requests.some((r) => r.path === "/v1/sessions")).toBe(true);
    release();
    await running;
    await handler.flush();
    expect(hh.collector.events).toHaveLength(2);
  });

  it("a short root after a quiet spell goes at once, with its session, in one request", async () => {
    const handler = hh.handler();
    await model().invoke("go", { callbacks: [handler] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hh.collector.events).toHaveLength(1);
    expect(hh.collector.sessions).toHaveLength(1);
    expect(hh.collector.requests).toHaveLength(1);
    await handler.flush();
  });
});
