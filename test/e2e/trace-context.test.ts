/**
 * Trace context (SPEC §8): the app's own functions (`handler.trace`) and LangChain runs in one tree,
 * both ways, through AsyncLocalStorage — real LangChain, LangGraph and createAgent, real HTTP to the
 * collector; `getCurrentEvent`, and the traced call's own semantics (sync, async, generators, errors,
 * snapshots, sessions).
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { StoredEvent } from "../../src/collector/store.js";
import { getCurrentEvent, honeyhive } from "../../src/index.js";
import { sessionIdFor } from "../../src/runs/sessions.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();

function parentOf(events: StoredEvent[], e: StoredEvent): StoredEvent | undefined {
  return events.find((x) => x.event_id === e.parent_id);
}

/** Names from `e` up to the session's root event. */
function ancestry(events: StoredEvent[], e: StoredEvent): string[] {
  const out: string[] = [];
  for (let p = parentOf(events, e); p; p = parentOf(events, p)) out.push(p.event_name as string);
  return out;
}

describe("a traced request handler, a createAgent agent, a traced helper in its tool", () => {
  it("is one session, three levels deep, both directions", async () => {
    const handler = hh.handler();
    const seen: {
      inTool?: ReturnType<typeof getCurrentEvent>;
      inHelper?: ReturnType<typeof getCurrentEvent>;
    } = {};
    const lookup = handler.trace(
      async function lookupForecast(city: string, days = 1) {
        seen.inHelper = getCurrentEvent();
        await new Promise((r) => setTimeout(r, 5));
        return { city, days, forecast: "sunny" };
      },
      { eventType: "tool", metadata: { backend: "forecast-db" } },
    );
    const weather = tool(
      async ({ city }) => {
        seen.inTool = getCurrentEvent();
        const tool = seen.inTool;
        if (tool) handler.enrichEvent(tool.eventId, { metadata: { enriched_from_tool: true } });
        const found = await lookup(city);
        return `${found.forecast} in ${found.city}`;
      },
      { name: "get_weather", description: "Weather for a city", schema: z.object({ city: z.string() }) },
    );
    const agent = createAgent({
      model: new ScriptedChatModel({
        replies: [
          { toolCalls: [{ id: "call_1", name: "get_weather", args: { city: "Oslo" } }] },
          { content: "Sunny in Oslo." },
        ],
      }),
      tools: [weather],
    });
    const handleRequest = handler.trace(
      async (question: string) => {
        const result = await agent.invoke(
          { messages: [{ role: "user", content: question }] },
          {
            callbacks: [handler],
          },
        );
        return String(result.messages.at(-1)?.content);
      },
      { name: "handle_request" },
    );

    expect(await handleRequest("Weather in Oslo?")).toBe("Sunny in Oslo.");
    await handler.flush();

    const { sessions, events } = hh.collector;
    expect(sessions).toHaveLength(1);
    const session = sessions[0];
    expect(session?.session_name).toBe("handle_request");
    for (const e of events) expect(e.session_id).toBe(session?.session_id);
    const request = byName(events, "handle_request");
    expect(request).toMatchObject({
      parent_id: session?.session_id,
      event_type: "chain",
      inputs: { question: "Weather in Oslo?" },
      outputs: { output: "Sunny in Oslo." },
    });
    const toolEvent = byName(events, "get_weather");
    const helper = byName(events, "lookupForecast");
    expect(helper).toMatchObject({
      event_type: "tool",
      parent_id: toolEvent.event_id,
      inputs: { city: "Oslo" },
      outputs: { city: "Oslo", days: 1, forecast: "sunny" },
      metadata: { backend: "forecast-db" },
    });
    expect(toolEvent.children_ids).toEqual([helper.event_id]);
    // The agent's graph hangs under the request handler's event; the tool under the graph.
    const graphRoot = events.find((e) => e.parent_id === request.event_id);
    expect(graphRoot?.event_type).toBe("chain");
    expect(request.children_ids).toEqual([graphRoot?.event_id]);
    expect(ancestry(events, helper)).toEqual(
      expect.arrayContaining(["get_weather", graphRoot?.event_name, "handle_request"]),
    );
    expect(ancestry(events, helper).at(-1)).toBe("handle_request");
    expect(seen.inTool).toEqual({ sessionId: session?.session_id, eventId: toolEvent.event_id });
    expect(seen.inHelper).toEqual({ sessionId: session?.session_id, eventId: helper.event_id });
    expect(toolEvent.metadata?.enriched_from_tool).toBe(true);
    expect(getCurrentEvent()).toBeUndefined();
  });
});

describe("traced calls inside LangChain runs", () => {
  it("a RunnableLambda's and a LangGraph node's traced helpers are their children", async () => {
    const handler = hh.handler();
    const double = handler.trace((n: number) => n * 2, { name: "double" });
    const lambda = RunnableLambda.from(async (x: { n: number }) => ({ n: double(x.n) })).withConfig({
      runName: "doubling",
    });
    const State = Annotation.Root({ n: Annotation<number> });
    const graph = new StateGraph(State)
      .addNode("grow", async (s: { n: number }) => ({ n: double(s.n) + 1 }))
      .addEdge(START, "grow")
      .addEdge("grow", END)
      .compile()
      .withConfig({ runName: "growth" });

    expect(await lambda.invoke({ n: 2 }, { callbacks: [handler] })).toEqual({ n: 4 });
    expect(await graph.invoke({ n: 3 }, { callbacks: [handler] })).toEqual({ n: 7 });
    await handler.flush();

    const { events } = hh.collector;
    const doubles = events.filter((e) => e.event_name === "double");
    expect(doubles).toHaveLength(2);
    const parents = doubles.map((d) => parentOf(events, d)?.event_name).sort();
    expect(parents).toEqual(["doubling", "grow"]);
    for (const d of doubles) {
      expect(d.session_id).toBe(parentOf(events, d)?.session_id);
      expect(d.outputs).toEqual({ output: (d.inputs.n as number) * 2 });
    }
    expect(hh.collector.sessions).toHaveLength(2);
  });

  it("a chain run inside a traced helper with the tool's callbacks hangs under the helper (the innermost)", async () => {
    const handler = hh.handler();
    const summarize = RunnableLambda.from((text: string) => text.toUpperCase()).withConfig({
      runName: "summarize",
    });
    const helper = handler.trace(
      async (text: string, config: unknown) => summarize.invoke(text, config as never),
      { name: "helper" },
    );
    const shout = tool(async ({ text }, config) => helper(text, config), {
      name: "shout",
      description: "Shouts",
      schema: z.object({ text: z.string() }),
    });
    await shout.invoke({ text: "hi" }, { callbacks: [handler] });
    // Also when LangChain finds the config itself (its async context), without it being passed.
    const implicit = handler.trace(async (text: string) => summarize.invoke(text), { name: "implicit" });
    const lambda = RunnableLambda.from((text: string) => implicit(text)).withConfig({ runName: "outer" });
    await lambda.invoke("ho", { callbacks: [handler] });
    await handler.flush();

    const { events } = hh.collector;
    const [first, second] = events
      .filter((e) => e.event_name === "summarize")
      .sort((a, b) => String(a.inputs.input).localeCompare(String(b.inputs.input)));
    expect(parentOf(events, first as StoredEvent)?.event_name).toBe("helper");
    expect(parentOf(events, byName(events, "helper"))?.event_name).toBe("shout");
    expect(parentOf(events, second as StoredEvent)?.event_name).toBe("implicit");
    expect(parentOf(events, byName(events, "implicit"))?.event_name).toBe("outer");
  });
});

describe("a traced call", () => {
  it("keeps `this`, the signature's kind (sync stays sync), and rethrows the same error", async () => {
    const handler = hh.handler({ sessionId: "trace-semantics" });
    const counter = {
      base: 10,
      add: handler.trace(function add(this: { base: number }, n: number) {
        return this.base + n;
      }),
    };
    expect(counter.add(5)).toBe(15);
    const boom = new RangeError("out of range");
    const fail = handler.trace(function check(value: number) {
      if (value > 1) throw boom;
      return value;
    });
    expect(() => fail(2)).toThrow(boom);
    const failAsync = handler.trace(async function checkLater(_v: number) {
      await Promise.resolve();
      throw boom;
    });
    const promise = failAsync(3);
    await expect(promise).rejects.toBe(boom);
    expect(handler.trace(function named() {}).name).toBe("named");
    expect(handler.trace((a: number, b: number) => a + b).length).toBe(2);
    await handler.flush();

    const { events } = hh.collector;
    expect(byName(events, "add")).toMatchObject({ inputs: { n: 5 }, outputs: { output: 15 }, error: null });
    expect(byName(events, "check")).toMatchObject({ inputs: { value: 2 }, outputs: {} });
    expect(byName(events, "check").error).toContain("out of range");
    expect(byName(events, "checkLater").error).toContain("out of range");
    for (const e of events) expect(e.session_id).toBe(sessionIdFor("trace-semantics"));
  });

  it("records inputs by parameter name where it can, else {args}; snapshots inputs and outputs", async () => {
    const handler = hh.handler();
    const rest = handler.trace(function collect(first: string, ...more: number[]) {
      return { first, count: more.length };
    });
    const destructured = handler.trace(({ a }: { a: number }, [b]: number[]) => a + (b ?? 0), {
      name: "destructured",
    });
    const tooMany = handler.trace((x: number) => x, { name: "tooMany" });
    const messages = [{ role: "user", content: "first" }];
    const mutating = handler.trace(async function chat(history: { role: string; content: string }[]) {
      const reply = { role: "assistant", content: "ok" };
      history.push(reply);
      return { history };
    });
    rest("a", 1, 2);
    destructured({ a: 1 }, [2]);
    (tooMany as (...args: number[]) => number)(1, 2);
    const out = await mutating(messages);
    out.history.push({ role: "user", content: "later" });
    await handler.flush();

    const { events } = hh.collector;
    expect(byName(events, "collect").inputs).toEqual({ first: "a", more: [1, 2] });
    expect(byName(events, "destructured").inputs).toEqual({ args: [{ a: 1 }, [2]] });
    expect(byName(events, "tooMany").inputs).toEqual({ args: [1, 2] });
    const chat = byName(events, "chat");
    expect(chat.inputs).toEqual({ history: [{ role: "user", content: "first" }] });
    expect(chat.outputs).toEqual({
      history: [
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
      ],
    });
  });

  it("generators and async iterables: the event lasts until the iteration ends, with its items", async () => {
    const handler = hh.handler();
    const countdown = handler.trace(function* countdown(from: number) {
      for (let i = from; i > 0; i--) yield i;
    });
    const stream = handler.trace(async function* tokens(text: string) {
      for (const word of text.split(" ")) {
        await new Promise((r) => setTimeout(r, 2));
        yield word;
      }
    });
    const inner = RunnableLambda.from(async (x: string) => `${x}!`).withConfig({ runName: "shout" });
    const streamed = handler.trace(async (text: string) => inner.stream(text, { callbacks: [handler] }), {
      name: "streamed",
    });
    expect([...countdown(3)]).toEqual([3, 2, 1]);
    const words: string[] = [];
    const startedAt = Date.now();
    for await (const w of stream("a b c")) words.push(w);
    expect(words).toEqual(["a", "b", "c"]);
    const chunks: string[] = [];
    for await (const chunk of await streamed("hey")) chunks.push(chunk);
    expect(chunks).toEqual(["hey!"]);
    // Breaking out ends the event too.
    for (const n of countdown(5)) if (n === 4) break;
    await handler.flush();

    const { events } = hh.collector;
    const countdowns = events.filter((e) => e.event_name === "countdown");
    expect(
      countdowns
        .map((e) => e.outputs as { output: number[] })
        .sort((a, b) => a.output.length - b.output.length),
    ).toEqual([{ output: [5, 4] }, { output: [3, 2, 1] }]);
    const tokens = byName(events, "tokens");
    expect(tokens.outputs).toEqual({ output: ["a", "b", "c"] });
    // It lasted as long as the iteration (at least two of the 2 ms waits), not just the call.
    expect((tokens.end_time as number) - (tokens.start_time as number)).toBeGreaterThanOrEqual(4);
    expect(tokens.start_time).toBeGreaterThanOrEqual(startedAt - 1);
    const s = byName(events, "streamed");
    expect(s.outputs).toEqual({ output: ["hey!"] });
    expect(parentOf(events, byName(events, "shout"))?.event_name).toBe("streamed");
  });

  it("a root call's session follows the root-run rules: per-call settings, the handler's sessionId, its name", async () => {
    const handler = hh.handler();
    const perCall = handler.trace((x: number) => x, {
      name: "per-call",
      metadata: { ...honeyhive({ sessionId: "conversation-7", userId: "u-1" }), feature: "chat" },
    });
    perCall(1);
    const fixed = hh.handler({ sessionId: "fixed-session", sessionName: "Fixed" });
    fixed.trace((x: number) => x, { name: "in-fixed" })(2);
    const own = handler.trace((x: number) => x, { name: "own" });
    own(3);
    await handler.flush();
    await fixed.flush();

    const { events, sessions } = hh.collector;
    expect(byName(events, "per-call").session_id).toBe(sessionIdFor("conversation-7"));
    expect(byName(events, "per-call").metadata).toEqual({ feature: "chat" });
    expect(sessions.find((s) => s.session_id === sessionIdFor("conversation-7"))?.user_properties).toEqual({
      user_id: "u-1",
    });
    expect(byName(events, "in-fixed").session_id).toBe(sessionIdFor("fixed-session"));
    const ownSession = sessions.find((s) => s.session_id === byName(events, "own").session_id);
    expect(ownSession?.session_name).toBe("own");
  });

  it("sampling and masking apply as for LangChain runs", async () => {
    const unsampled = hh.handler({ sampleRate: 0 });
    expect(unsampled.trace((x: number) => x * 2, { name: "unsampled" })(2)).toBe(4);
    const masked = hh.handler({
      mask: (value) => JSON.parse(JSON.stringify(value).replaceAll("secret", "[masked]")),
    });
    masked.trace((password: string) => `got ${password}`, { name: "login" })("secret");
    await unsampled.flush();
    await masked.flush();
    const { events } = hh.collector;
    expect(events.map((e) => e.event_name)).toEqual(["login"]);
    expect(byName(events, "login")).toMatchObject({
      inputs: { password: "[masked]" },
      outputs: { output: "got [masked]" },
    });
  });

  it("with the handler off or shut down, the function just runs", async () => {
    const handler = hh.handler();
    await handler.shutdown();
    const f = handler.trace(async (x: number) => x + 1);
    expect(await f(1)).toBe(2);
    expect(hh.collector.events).toEqual([]);
  });
});

describe("200 concurrent requests, each with its own handler", () => {
  it("never share a parent or a session", { timeout: 60_000 }, async () => {
    const N = 200;
    const handlers = Array.from({ length: N }, (_, i) => hh.handler({ source: `req-${i}` }));
    const tick = () => new Promise((r) => setTimeout(r, Math.random() * 5));
    const results = await Promise.all(
      handlers.map(async (handler, i) => {
        const fetchUser = handler.trace(
          async (id: number) => {
            await tick();
            return { id, current: getCurrentEvent()?.eventId };
          },
          { name: "fetch_user" },
        );
        const step = RunnableLambda.from(async (x: { i: number }) => {
          await tick();
          const user = await fetchUser(x.i);
          await tick();
          return { ...user, i: x.i };
        }).withConfig({ runName: "step" });
        const handle = handler.trace(
          async (i: number) => {
            await tick();
            const out = await step.invoke({ i }, { callbacks: [handler] });
            await tick();
            return out;
          },
          { name: "request" },
        );
        const out = await handle(i);
        await handler.flush();
        return out;
      }),
    );
    const { events, sessions } = hh.collector;
    expect(sessions).toHaveLength(N);
    expect(events).toHaveLength(3 * N);
    for (let i = 0; i < N; i++) {
      const mine = events.filter((e) => e.source === `req-${i}`);
      expect(mine.map((e) => e.event_name).sort()).toEqual(["fetch_user", "request", "step"]);
      const request = byName(mine, "request");
      const step = byName(mine, "step");
      const user = byName(mine, "fetch_user");
      expect(request.inputs).toEqual({ i });
      expect(step.parent_id).toBe(request.event_id);
      expect(user.parent_id).toBe(step.event_id);
      expect(user.inputs).toEqual({ id: i });
      expect(new Set(mine.map((e) => e.session_id)).size).toBe(1);
      expect(results[i]).toEqual({ id: i, i, current: user.event_id });
    }
  });
});
