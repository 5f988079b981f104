/** Feedback and enrichment after the fact (and while a run is open), read back from the collector. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it, vi } from "vitest";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { postedEventIds, TEST_KEY, useCollector } from "../helpers/setup.js";

const hh = useCollector();

const _run = promisify(execFile);

describe("feedback and enrichment", () => {
  it("feedback on a model event (after it ended) and on a session, read back from the collector", async () => {
    const handler = hh.handler();
    const modelRunId = "01937b0e-aaaa-7000-8000-0000000000aa";
    const model = new ScriptedChatModel({ replies: [{ content: "Paris" }] });
    const chain = RunnableLambda.from(async (q: string, config) =>
      model.invoke(q, { ...config, runId: modelRunId }),
    );
    await chain.invoke("capital of France?", { callbacks: [handler] });
    const sessionId = handler.getSessionId(modelRunId);
    expect(sessionId).toBe(handler.getSessionId());
    expect(
      handler.enrichEvent(modelRunId, {
        feedback: { rating: 1, comment: "correct" },
        metrics: { accuracy: 1 },
      }),
    ).toBe(true);
    expect(
      handler.enrichSession(sessionId as string, {
        feedback: { thumbs: "up" },
        metadata: { reviewed: true },
      }),
    ).toBe(true);
    await handler.flush();

    const res = await fetch(`${hh.collector.url}/v1/sessions/${sessionId}`, {
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    const tree = (await res.json()) as {
      session: { feedback?: unknown; metadata?: Record<string, unknown> };
      events: { event_id: string; feedback?: unknown; metrics?: unknown }[];
    };
    expect(tree.session.feedback).toEqual({ thumbs: "up" });
    expect(tree.session.metadata?.reviewed).toBe(true);
    const modelEvent = tree.events.find((e) => e.event_id === modelRunId);
    expect(modelEvent?.feedback).toEqual({ rating: 1, comment: "correct" });
    expect(modelEvent?.metrics).toEqual({ accuracy: 1 });
    // The PUT for the event came after the event itself was created.
    const { requests } = hh.collector;
    const post = requests.findIndex((r) => postedEventIds(r).includes(modelRunId as string));
    const put = requests.findIndex((r) => r.method === "PUT" && r.path === `/v1/events/${modelRunId}`);
    expect(post).toBeGreaterThanOrEqual(0);
    expect(put).toBeGreaterThan(post);
  });

  it("feedback given while the run is still open is sent with the event itself", async () => {
    const handler = hh.handler();
    const runId = "01937b0e-bbbb-7000-8000-0000000000bb";
    const step = RunnableLambda.from(async (x: string) => {
      handler.enrichEvent(runId, { metrics: { inner_score: 0.5 }, metadata: { note: "mid-run" } });
      return x;
    });
    await step.invoke("x", { callbacks: [handler], runId });
    await handler.flush();
    const [event] = hh.collector.events;
    expect(event?.metrics).toEqual({ inner_score: 0.5 });
    expect(event?.metadata?.note).toBe("mid-run");
    expect(hh.collector.requests.filter((r) => r.path === `/v1/events/${runId}`)).toHaveLength(0);
  });

  it("bad arguments are refused with a warning, not thrown", () => {
    const warn = vi.fn();
    const handler = hh.handler({ logger: { debug() {}, info() {}, warn, error() {} } });
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong
    expect(handler.enrichEvent("x", { feedback: "good" } as any)).toBe(false);
    expect(warn).toHaveBeenCalledOnce();
  });
});
