/**
 * Chains: a prompt → chat model → parser chain, as one session with correctly linked events, and a
 * parent with thousands of children.
 */
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { openApiProblem, schemaFor } from "../helpers/openapi.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, createdSessionIds, sessionPrecedesEvents, useCollector } from "../helpers/setup.js";

const hh = useCollector();

function chain(replies = [{ content: "Paris is the capital.", usage: { input: 12, output: 5 } }]) {
  const prompt = ChatPromptTemplate.fromMessages([
    ["system", "You are terse."],
    ["human", "What is the capital of {country}?"],
  ]);
  return prompt.pipe(new ScriptedChatModel({ replies, model: "gpt-test" })).pipe(new StringOutputParser());
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe("a prompt → chat model → parser chain", () => {
  it("arrives as one session with a chain root and three children, correctly linked", async () => {
    const handler = hh.handler();
    const answer = await chain().invoke({ country: "France" }, { callbacks: [handler] });
    expect(answer).toBe("Paris is the capital.");
    const flushed = await handler.flush();
    expect(flushed.timedOut).toBe(false);

    const { events, sessions } = hh.collector;
    expect(sessions).toHaveLength(1);
    const session = sessions[0];
    expect(events).toHaveLength(4);
    const root = byName(events, "RunnableSequence");
    const prompt = byName(events, "ChatPromptTemplate");
    const model = byName(events, "ScriptedChatModel");
    const parser = byName(events, "StrOutputParser");

    expect(root.event_type).toBe("chain");
    expect(root.parent_id).toBe(session?.session_id);
    expect(root.session_id).toBe(session?.session_id);
    for (const child of [prompt, model, parser]) {
      expect(child.parent_id).toBe(root.event_id);
      expect(child.session_id).toBe(session?.session_id);
    }
    expect(new Set(root.children_ids)).toEqual(new Set([prompt.event_id, model.event_id, parser.event_id]));
    expect(model.event_type).toBe("model");
    expect(prompt.event_type).toBe("chain");

    expect(root.inputs).toEqual({ country: "France" });
    expect(root.outputs).toEqual({ output: "Paris is the capital." });
    expect(model.inputs).toEqual({
      country: "France",
      chat_history: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "What is the capital of France?" },
      ],
    });
    expect(model.outputs).toEqual({ role: "assistant", content: "Paris is the capital." });
    expect(model.config).toMatchObject({ model: "gpt-test", provider: "scripted", temperature: 0.2 });
    expect(model.metadata).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 5,
      total_tokens: 17,
      input_tokens: 12,
      output_tokens: 5,
      finish_reason: "stop",
    });
    for (const e of events) {
      expect(e.error).toBeNull();
      expect(e.source).toBe("langchain");
      expect(typeof e.start_time).toBe("number");
      expect(e.end_time).toBeGreaterThanOrEqual(e.start_time as number);
      expect(e.duration).toBeGreaterThanOrEqual(0);
    }
  });

  it("starts the session before sending its events and closes it with the root's outputs", async () => {
    const handler = hh.handler({ sessionName: "capitals" });
    await chain().invoke({ country: "France" }, { callbacks: [handler] });
    await handler.flush();
    const { requests, sessions } = hh.collector;
    const session = sessions[0];
    // Created before its events: here it rides first in the batch that carries them (one request).
    expect(sessionPrecedesEvents(requests, session?.session_id as string)).toBe(true);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.path).toBe("/v1/events/batch");
    expect(session?.session_name).toBe("capitals");
    expect(session?.inputs).toEqual({ country: "France" });
    expect(session?.outputs).toEqual({ output: "Paris is the capital." });
    expect(typeof session?.duration).toBe("number");
    // A root that ended before anything was sent creates its session once, complete: no PUT.
    expect(requests.flatMap(createdSessionIds)).toEqual([session?.session_id]);
    expect(requests.filter((r) => r.method === "PUT")).toHaveLength(0);
    expect(session?.end_time).toBeGreaterThanOrEqual(session?.start_time as number);
  });

  it("sends only bodies that satisfy HoneyHive's published OpenAPI (closed schemas)", async () => {
    const handler = hh.handler({ sessionId: "contract-check" });
    await chain().invoke({ country: "France" }, { callbacks: [handler] });
    await chain().invoke({ country: "Spain" }, { callbacks: [handler] });
    await handler.flush();
    const { requests } = hh.collector;
    // Sessions, events (single or batched) and session completions all took part.
    expect(new Set(requests.map((r) => schemaFor(r.method, r.path)))).toEqual(
      new Set([
        "StartSessionRequest",
        "UpdateEventRequest",
        requests.some((r) => r.path === "/v1/events") ? "PostEventRequest" : "PostEventBatchRequest",
      ]),
    );
    for (const r of requests) {
      expect(r.status).toBe(200);
      expect(openApiProblem(r.method, r.path, r.body)).toBeUndefined();
    }
    // The check can fail: a field the published schema does not list is refused.
    const [session] = requests.filter((r) => r.path === "/v1/sessions");
    expect(openApiProblem("POST", "/v1/sessions", { ...(session?.body as object), project: "x" })).toContain(
      "additionalProperties",
    );
  });
});

describe("a parent with more than 5,000 children", () => {
  it("lists every child id, and only real ids", async () => {
    const handler = hh.handler();
    const child = RunnableLambda.from((i: number) => i).withConfig({ runName: "child" });
    const parent = RunnableLambda.from(async (n: number, config) => {
      for (let i = 0; i < n; i++) await child.invoke(i, config);
      return n;
    }).withConfig({ runName: "parent" });
    await parent.invoke(5003, { callbacks: [handler] });
    await handler.flush({ timeoutMs: 60_000 });
    const root = hh.collector.events.find((e) => e.event_name === "parent");
    expect(root?.children_ids).toHaveLength(5003);
    for (const id of root?.children_ids ?? []) expect(id).toMatch(UUID);
    expect(hh.collector.events).toHaveLength(5004);
  }, 60_000);
});
