/**
 * Across services (SPEC §8): `propagationHeaders()` on the caller's side, `continueTrace(headers, fn)`
 * on the called side — here two handlers (two "services", each its own `source`) talking over real
 * HTTP in one process (test/process/two-services.test.ts does it with two processes). The called
 * side adds events to the caller's session and never creates or completes it; incoming headers are
 * untrusted.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { StoredEvent } from "../../src/collector/store.js";
import { type HoneyHiveHandler, propagationHeaders, readTraceHeaders } from "../../src/index.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { createdSessionIds, postedItems, useCollector } from "../helpers/setup.js";

const hh = useCollector();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Service B: a LangGraph graph behind `POST /rank`, run inside `continueTrace(req.headers, …)`. */
async function serviceB(
  handler: HoneyHiveHandler,
  headersOf: (req: IncomingMessage) => unknown = (r) => r.headers,
) {
  const State = Annotation.Root({ items: Annotation<string[]> });
  const graph = new StateGraph(State)
    .addNode("rank", async (s: { items: string[] }) => ({ items: [...s.items].sort() }))
    .addEdge(START, "rank")
    .addEdge("rank", END)
    .compile()
    .withConfig({ runName: "ranker" });
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const result = await handler.continueTrace(headersOf(req) as never, () =>
      graph.invoke({ items: JSON.parse(body) as string[] }, { callbacks: [handler] }),
    );
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(result.items));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/rank`;
}

function bySource(events: StoredEvent[], source: string): StoredEvent[] {
  return events.filter((e) => e.source === source);
}

describe("service A's agent tool calls service B with propagationHeaders()", () => {
  it("one session: B's graph hangs under A's tool event; B creates and completes nothing", async () => {
    const a = hh.handler({ source: "service-a" });
    const b = hh.handler({ source: "service-b" });
    const url = await serviceB(b);
    let sent: Record<string, string> = {};
    const rank = tool(
      async ({ items }) => {
        sent = propagationHeaders();
        const res = await fetch(url, { method: "POST", headers: { ...sent }, body: JSON.stringify(items) });
        return JSON.stringify(await res.json());
      },
      { name: "rank_items", description: "Ranks items", schema: z.object({ items: z.array(z.string()) }) },
    );
    const agent = createAgent({
      model: new ScriptedChatModel({
        replies: [
          { toolCalls: [{ id: "call_r", name: "rank_items", args: { items: ["b", "a"] } }] },
          { content: "a, b" },
        ],
      }),
      tools: [rank],
    });
    const handle = a.trace(
      async (question: string) =>
        agent.invoke({ messages: [{ role: "user", content: question }] }, { callbacks: [a] }),
      { name: "request" },
    );
    await handle("rank b and a");
    await b.flush();
    await a.flush();

    const { events, sessions, requests } = hh.collector;
    expect(sessions).toHaveLength(1);
    const sessionId = sessions[0]?.session_id as string;
    const aEvents = bySource(events, "service-a");
    const bEvents = bySource(events, "service-b");
    expect(bEvents.map((e) => e.event_name).sort()).toEqual(["rank", "ranker"]);
    for (const e of events) expect(e.session_id).toBe(sessionId);
    const toolEvent = aEvents.find((e) => e.event_name === "rank_items") as StoredEvent;
    const bRoot = bEvents.find((e) => e.event_name === "ranker") as StoredEvent;
    expect(bRoot.parent_id).toBe(toolEvent.event_id);
    expect(bRoot.inputs).toEqual({ items: ["b", "a"] });
    expect(sent.baggage).toBe(`session_id=${sessionId},parent_id=${toolEvent.event_id}`);
    expect(sent.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // Without OpenTelemetry, the W3C trace id is the session's.
    expect(sent.traceparent?.slice(3, 35)).toBe(sessionId.replace(/-/g, ""));
    // The session was created once, by A (its owner), before any of B's events were sent.
    const creations = requests.flatMap((r, i) => createdSessionIds(r).map(() => i));
    expect(creations).toHaveLength(1);
    const firstB = requests.findIndex((r) => postedItems(r).some((e) => e.event_id === bRoot.event_id));
    expect(creations[0]).toBeLessThan(firstB);
    // Only A completes it (one PUT, to the session id, after its root ended).
    const puts = requests.filter((r) => r.method === "PUT" && r.path === `/v1/events/${sessionId}`);
    expect(puts.length).toBeLessThanOrEqual(1);
    // The tree: B's events are inside A's.
    const tree = hh.collector.sessionTree(sessionId);
    expect(tree.roots.map((r) => r.event.event_name)).toEqual(["request"]);
  });

  it("a Python-SDK-style request (baggage session_id only) joins that session, under the session", async () => {
    const owner = hh.handler({ source: "python-sdk-stand-in" });
    const ownerRun = RunnableLambda.from(async () => "started").withConfig({ runName: "python-root" });
    await ownerRun.invoke(
      {},
      { callbacks: [owner], metadata: { honeyhive: { sessionId: "python-session" } } },
    );
    await owner.flush();
    const sessionId = owner.getSessionId() as string;
    const b = hh.handler({ source: "service-b" });
    const url = await serviceB(b);
    const res = await fetch(url, {
      method: "POST",
      headers: { baggage: `session_id=${sessionId},project=evil,source=evil` },
      body: JSON.stringify(["z", "y"]),
    });
    expect(await res.json()).toEqual(["y", "z"]);
    await b.flush();
    const bEvents = bySource(hh.collector.events, "service-b");
    expect(bEvents).toHaveLength(2);
    for (const e of bEvents) expect(e.session_id).toBe(sessionId);
    expect(bEvents.find((e) => e.event_name === "ranker")?.parent_id).toBe(sessionId);
    expect(hh.collector.requests.flatMap(createdSessionIds)).toEqual([sessionId]);
  });

  it("reads a Fetch Headers, a Fetch Request and Node's IncomingHttpHeaders alike", async () => {
    const sessionId = "0b7c7a52-4a47-4c5e-9a57-3f0f7d7b8e01";
    const parent = "5d2f3b36-8b39-4c38-9a3e-2b6a0bd8ad77";
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const baggage = `other=1, session_id=${sessionId};prop=x, parent_id=${parent}`;
    const expected = {
      sessionId,
      parentEventId: parent,
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      parentSpanId: "00f067aa0ba902b7",
    };
    expect(readTraceHeaders(new Headers({ traceparent, baggage }))).toEqual(expected);
    expect(readTraceHeaders(new Request("http://x/", { headers: { traceparent, baggage } }))).toEqual(
      expected,
    );
    expect(readTraceHeaders({ traceparent, baggage: [baggage.split(", ")[0] as string, baggage] })).toEqual(
      expected,
    );
  });
});

describe("hostile incoming headers", () => {
  const valid = "0b7c7a52-4a47-4c5e-9a57-3f0f7d7b8e01";
  const cases: [string, Record<string, string | string[]>][] = [
    [
      "an oversized traceparent",
      { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01${"-x".repeat(5000)}` },
    ],
    ["wrong hex", { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01" }],
    ["all-zero ids", { traceparent: `00-${"0".repeat(32)}-${"0".repeat(16)}-01` }],
    ["version ff", { traceparent: `ff-${"a".repeat(32)}-${"b".repeat(16)}-01` }],
    ["unicode", { baggage: "session_id=０b7c7a52-4a47-4c5e-9a57-3f0f7d7b8e01", traceparent: "00-é" }],
    ["a session_id with JSON in it", { baggage: 'session_id={"$ne":null},parent_id=["x"]' }],
    ["a percent-encoded non-UUID", { baggage: `session_id=${encodeURIComponent(`${valid}","x":"`)}` }],
    ["broken percent-encoding", { baggage: "session_id=%E0%A4%A" }],
    ["an oversized baggage", { baggage: `pad=${"x".repeat(9000)},session_id=${valid}` }],
    [
      "a session_id past 180 members",
      { baggage: [...Array.from({ length: 200 }, (_, i) => `k${i}=v`), `session_id=${valid}`].join(",") },
    ],
    ["several traceparents", { traceparent: [`00-${"a".repeat(32)}-${"b".repeat(16)}-01`, "00-x"] }],
  ];

  it.each(cases)(
    "%s: ignored, with a debug line, never an error; the app's request runs",
    async (_name, headers) => {
      const lines: string[] = [];
      const logger = {
        debug: (m: string) => lines.push(`debug ${m}`),
        info: (m: string) => lines.push(`info ${m}`),
        warn: (m: string) => lines.push(`warn ${m}`),
        error: (m: string) => lines.push(`error ${m}`),
      };
      const b = hh.handler({ source: "service-b", verbose: true, logger });
      const chain = RunnableLambda.from((x: number) => x + 1).withConfig({ runName: "work" });
      const out = await b.continueTrace(headers, () => chain.invoke(1, { callbacks: [b] }));
      expect(out).toBe(2);
      await b.flush();
      const work = hh.collector.events.find((e) => e.event_name === "work") as StoredEvent;
      // A new session of its own: nothing from the headers was used.
      expect(work.session_id).not.toBe(valid);
      expect(work.parent_id).toBe(work.session_id);
      expect(work.metadata?.otel_trace_id).toBeUndefined();
      expect(hh.collector.sessions.map((s) => s.session_id)).toEqual([work.session_id]);
      expect(lines.filter((l) => l.startsWith("warn") || l.startsWith("error"))).toEqual([]);
      expect(lines.filter((l) => l.startsWith("debug trace context"))).not.toEqual([]);
    },
  );

  it("100 baggage members with a valid session_id among them: read; a bad traceparent does not void it", async () => {
    const b = hh.handler({ source: "service-b" });
    const members = Array.from({ length: 99 }, (_, i) => `k${i}=${encodeURIComponent("v,;=")}`);
    members.splice(50, 0, `session_id=${valid.toUpperCase()}`);
    const chain = RunnableLambda.from((x: number) => x).withConfig({ runName: "work" });
    await b.continueTrace({ baggage: members.join(","), traceparent: "garbage" }, () =>
      chain.invoke(1, { callbacks: [b] }),
    );
    await b.flush();
    expect(hh.collector.events[0]).toMatchObject({
      session_id: valid,
      parent_id: valid,
      source: "service-b",
    });
    expect(hh.collector.sessions).toEqual([]);
  });

  it("nothing in the headers changes the key, server, source or any option", async () => {
    const b = hh.handler({ source: "service-b", sessionName: "B" });
    const headers = {
      baggage: `session_id=${valid},source=attacker,project=other,api_key=stolen,server_url=http%3A%2F%2Fevil,sample_rate=0`,
      authorization: "Bearer attacker",
    };
    const chain = RunnableLambda.from((x: number) => x).withConfig({ runName: "work" });
    await b.continueTrace(headers, () => chain.invoke(1, { callbacks: [b] }));
    await b.flush();
    const [event] = hh.collector.events;
    expect(event?.source).toBe("service-b");
    expect(JSON.stringify(event)).not.toMatch(/attacker|stolen|evil|other/);
    expect(hh.collector.requests.every((r) => r.status === 200)).toBe(true);
  });
});
