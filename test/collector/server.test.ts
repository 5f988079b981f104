import { request } from "node:http";
import { connect } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import {
  formatSessionTree,
  type SessionSummary,
  type SessionTree,
  startCollector,
} from "../../src/collector/index.js";
import { CollectorStore } from "../../src/collector/store.js";
import { parentChain, TEST_KEY, useCollector } from "../helpers/setup.js";

const hh = useCollector({ allowRejections: true });

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${TEST_KEY}` },
) {
  const res = await fetch(`${hh.collector.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { success?: boolean; message?: string } };
}

describe("the local collector", () => {
  it("answers 401 without a Bearer token", async () => {
    const res = await post("/v1/events", { event_type: "chain", inputs: {} }, {});
    expect(res.status).toBe(401);
    expect(res.body.success).toBe(false);
  });

  it("rejects unknown fields with 400 naming them", async () => {
    const res = await post("/v1/events", { event_type: "chain", inputs: {}, project: "x", shoe_size: 9 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false });
    expect(res.body.message).toContain("project");
    expect(res.body.message).toContain("shoe_size");
  });

  it("rejects wrongly typed and missing fields with 400 naming them", async () => {
    const wrongType = await post("/v1/events", { event_type: "chain", inputs: "not an object" });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toContain("inputs");
    const badEnum = await post("/v1/events", { event_type: "agent", inputs: {} });
    expect(badEnum.status).toBe(400);
    expect(badEnum.body.message).toContain("event_type");
    const missing = await post("/v1/events", { event_type: "tool" });
    expect(missing.body.message).toContain("inputs");
    const session = await post("/v1/sessions", { session_id: "s", error: "nope" });
    expect(session.status).toBe(400);
    expect(session.body.message).toContain("error");
    const batch = await post("/v1/events/batch", {
      events: [{ event_type: "chain", inputs: {}, project: "p" }],
    });
    expect(batch.status).toBe(400);
    expect(batch.body.message).toContain("events.0.project");
    const notJson = await post("/v1/events", "{nope");
    expect(notJson.status).toBe(400);
  });

  it("PUT to an unknown id is 404; PUT with an error field is 400", async () => {
    const res = await fetch(`${hh.collector.url}/v1/events/nope`, {
      method: "PUT",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ outputs: {} }),
    });
    expect(res.status).toBe(404);
    await post("/v1/sessions", { session_id: "11111111-1111-4111-8111-111111111111" });
    const bad = await fetch(`${hh.collector.url}/v1/events/11111111-1111-4111-8111-111111111111`, {
      method: "PUT",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ error: "x" }),
    });
    expect(bad.status).toBe(400);
  });

  it("GET /v1/sessions/{id} returns the session tree", async () => {
    const sid = "22222222-2222-4222-8222-222222222222";
    await post("/v1/sessions", { session_id: sid, session_name: "t" });
    await post("/v1/events", {
      event_type: "chain",
      event_id: "a",
      session_id: sid,
      parent_id: sid,
      inputs: {},
      start_time: 1,
    });
    await post("/v1/events", {
      event_type: "tool",
      event_id: "b",
      session_id: sid,
      parent_id: "a",
      inputs: {},
      start_time: 2,
    });
    const res = await fetch(`${hh.collector.url}/v1/sessions/${sid}`, {
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    expect(res.status).toBe(200);
    const tree = (await res.json()) as {
      roots: { event: { event_id: string }; children: { event: { event_id: string } }[] }[];
    };
    expect(tree.roots).toHaveLength(1);
    expect(tree.roots[0]?.event.event_id).toBe("a");
    expect(tree.roots[0]?.children[0]?.event.event_id).toBe("b");
  });
});

/** A GET with a chosen Host header (fetch does not allow setting it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("duplicate keys", () => {
  // JSON.parse keeps the last of two equal keys, so without this a handler that writes a key twice
  // (e.g. "metadata") would pass unseen; HoneyHive's parser need not agree on which one wins.
  const cases: [path: string, valid: string, duplicated: string, where: string][] = [
    [
      "/v1/events",
      '{"event_type":"chain","inputs":{},"metadata":{"a":1}}',
      '{"event_type":"chain","inputs":{},"metadata":{"a":1},"metadata":{"b":2}}',
      "the top-level object",
    ],
    [
      "/v1/events/batch",
      '{"events":[{"event_type":"chain","inputs":{}},{"event_type":"tool","inputs":{"q":1}}]}',
      '{"events":[{"event_type":"chain","inputs":{}},{"event_type":"tool","inputs":{"q":1,"q":2}}]}',
      "events[1].inputs",
    ],
    [
      "/v1/sessions",
      '{"session_name":"s","metadata":{"error":"x"}}',
      '{"session_name":"s","metadata":{"error":"x"},"\\u006detadata":{"error":"y"}}',
      "the top-level object",
    ],
  ];

  it.each(cases)(
    "POST %s with a key twice is 400 naming the key; nothing is stored",
    async (path, valid, duplicated, where) => {
      expect((await post(path, valid)).status).toBe(200);
      hh.collector.reset();
      const res = await post(path, duplicated);
      expect(res.status).toBe(400);
      expect(res.body.success).toBe(false);
      const key = path === "/v1/events/batch" ? "q" : "metadata";
      expect(res.body.message).toContain(`duplicate key "${key}" in ${where}`);
      expect(hh.collector.events).toHaveLength(0);
      expect(hh.collector.sessions).toHaveLength(0);
      expect(hh.collector.requests.map((r) => r.status)).toEqual([400]);
    },
  );

  it("equal keys in different objects, and a key equal to a string value, are fine", async () => {
    const res = await post(
      "/v1/events/batch",
      '{"events":[{"event_type":"chain","inputs":{"metadata":"metadata"},"metadata":{"inputs":1}},' +
        '{"event_type":"chain","inputs":{}}]}',
    );
    expect(res.status).toBe(200);
  });

  it("a body nested 800,000 deep (as deep as fits in 5 MB) is scanned without overflowing the stack", async () => {
    const depth = 800_000;
    const deep = `{"event_type":"chain","inputs":{"x":${'{"a":'.repeat(depth)}{"k":1,"k":2}${"}".repeat(depth)}}}`;
    const res = await post("/v1/events", deep);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('duplicate key "k" in inputs.x.a.a');
    expect(res.body.message?.length).toBeLessThan(1_000);
  });
});

describe("malformed paths", () => {
  it("answers malformed percent-encoding with 400 {success: false, message}, not 500", async () => {
    const put = await fetch(`${hh.collector.url}/v1/events/%E0%A4%A`, {
      method: "PUT",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ outputs: {} }),
    });
    expect(put.status).toBe(400);
    const putBody = (await put.json()) as { success: boolean; message: string };
    expect(putBody.success).toBe(false);
    expect(putBody.message).toContain("percent-encoding");
    for (const path of ["/v1/sessions/%ZZ", "/sessions/%ZZ"]) {
      const res = await fetch(`${hh.collector.url}${path}`, {
        headers: { authorization: `Bearer ${TEST_KEY}` },
      });
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ success: false, message: expect.stringContaining("%ZZ") });
    }
    expect(hh.collector.requests.map((r) => r.status)).toEqual([400, 400, 400]);
  });
});

describe("the read API and the viewer's files", () => {
  it("GET /v1/sessions needs no key on loopback; writes still do", async () => {
    const list = await fetch(`${hh.collector.url}/v1/sessions`);
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ sessions: [] });
    const localhost = await fetch(`${hh.collector.url.replace("127.0.0.1", "localhost")}/v1/sessions`);
    expect(localhost.status).toBe(200);
    const write = await post("/v1/sessions", { session_id: "33333333-3333-4333-8333-333333333333" }, {});
    expect(write.status).toBe(401);
    const put = await fetch(`${hh.collector.url}/v1/events/33333333-3333-4333-8333-333333333333`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ outputs: {} }),
    });
    expect(put.status).toBe(401);
  });

  it("refuses keyless reads for a Host that is not loopback (DNS rebinding) and on other interfaces", async () => {
    const rebound = await getWithHost(`${hh.collector.url}/v1/sessions`, "attacker.example:8787");
    expect(rebound.status).toBe(401);
    const ok = await getWithHost(`${hh.collector.url}/v1/sessions`, "localhost:8787");
    expect(ok.status).toBe(200);
    expect(hh.collector.keylessReads).toBe(true);
    const wide = await startCollector({ host: "0.0.0.0" });
    try {
      expect(wide.keylessReads).toBe(false);
      const url = `http://127.0.0.1:${wide.port}`;
      expect((await fetch(`${url}/v1/sessions`)).status).toBe(401);
      const withKey = await fetch(`${url}/v1/sessions`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
      expect(withKey.status).toBe(200);
    } finally {
      await wide.close();
    }
  });

  it("GET /v1/sessions?after=<version> waits for a change (the viewer's long polling)", async () => {
    const { version } = (await (await fetch(`${hh.collector.url}/v1/sessions`)).json()) as {
      version: number;
    };
    const waiting = fetch(`${hh.collector.url}/v1/sessions?after=${version}`).then(
      async (r) => (await r.json()) as { version: number; sessions: { session_name?: string }[] },
    );
    await new Promise((r) => setTimeout(r, 200));
    await post("/v1/sessions", { session_id: "77777777-7777-4777-8777-777777777777", session_name: "new" });
    const answer = await waiting;
    expect(answer.version).toBeGreaterThan(version);
    expect(answer.sessions.map((s) => s.session_name)).toEqual(["new"]);
    // A stale version is answered at once.
    const stale = (await (await fetch(`${hh.collector.url}/v1/sessions?after=0`)).json()) as {
      version: number;
    };
    expect(stale.version).toBe(answer.version);
  });

  it("serves the viewer page for / and /sessions/{id}, with a CSP, and nothing outside its files", async () => {
    for (const path of ["/", "/sessions/some-session"]) {
      const res = await fetch(`${hh.collector.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await res.text()).toContain('<script type="module" src="/viewer/viewer.js">');
    }
    const js = await fetch(`${hh.collector.url}/viewer/viewer.js`);
    expect(js.headers.get("content-type")).toContain("text/javascript");
    expect(await js.text()).not.toMatch(/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/);
    for (const path of ["/viewer/../server.ts", "/viewer/%2e%2e/server.ts", "/viewer/store.ts", "/viewer/"]) {
      expect((await fetch(`${hh.collector.url}${path}`)).status, path).toBe(404);
    }
  });
});

describe("session aggregates (as HoneyHive computes them)", () => {
  const sid = "44444444-4444-4444-8444-444444444444";
  const model = (id: string, start: number, end: number, extra: Record<string, unknown> = {}) => ({
    event_type: "model",
    event_id: id,
    session_id: sid,
    parent_id: "root",
    inputs: {},
    start_time: start,
    end_time: end,
    duration: end - start,
    ...extra,
  });

  it("start = earliest event, end = latest, duration = end − start; tokens and cost summed", async () => {
    await post("/v1/sessions", { session_id: sid, session_name: "agg", start_time: 1_000 });
    await post("/v1/events/batch", {
      events: [
        {
          event_type: "chain",
          event_id: "root",
          session_id: sid,
          parent_id: sid,
          inputs: {},
          start_time: 990,
          end_time: 1_500,
        },
        model("m1", 1_010, 1_200, {
          metadata: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
          metrics: { cost: 0.25 },
        }),
        model("m2", 1_210, 1_700, {
          metadata: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 },
          metrics: { cost: 0.5 },
          error: "RateLimitError: slow down",
        }),
        // A chain repeating its children's totals is not counted again (HoneyHive sums model events).
        {
          event_type: "chain",
          event_id: "c",
          session_id: sid,
          parent_id: "root",
          inputs: {},
          metadata: { total_tokens: 42 },
        },
      ],
    });
    const res = await fetch(`${hh.collector.url}/v1/sessions`);
    const { sessions } = (await res.json()) as { sessions: Record<string, unknown>[] };
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      session_id: sid,
      session_name: "agg",
      start_time: 990,
      end_time: 1_700,
      duration: 710,
      duration_source: "events",
      num_events: 4,
      num_model_events: 2,
      num_errors: 1,
      prompt_tokens: 30,
      completion_tokens: 12,
      total_tokens: 42,
      cost: 0.75,
    });
    const tree = hh.collector.sessionTree(sid);
    expect(tree.summary).toEqual(sessions[0]);
    // The stored body stays as received: aggregates are computed, not written into it.
    expect(hh.collector.sessions[0]).not.toHaveProperty("duration");
  });

  it("a duration the client sent wins over the computed one; unknown tokens stay unknown", async () => {
    await post("/v1/sessions", { session_id: sid, start_time: 1_000 });
    await post("/v1/events", model("m1", 1_000, 1_900));
    let [summary] = hh.collector.sessionSummaries();
    expect(summary).toMatchObject({ duration: 900, duration_source: "events" });
    expect(summary?.total_tokens).toBeUndefined();
    expect(summary?.cost).toBeUndefined();
    const put = await fetch(`${hh.collector.url}/v1/events/${sid}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ duration: 123, end_time: 1_123 }),
    });
    expect(put.status).toBe(200);
    [summary] = hh.collector.sessionSummaries();
    expect(summary).toMatchObject({ duration: 123, duration_source: "client", end_time: 1_900 });
  });

  it("counts a failed root once (it is an event error and the session's metadata.error)", async () => {
    const handler = hh.handler({ sessionName: "fails" });
    const failing = RunnableLambda.from(() => {
      throw new TypeError("boom");
    }).withConfig({ runName: "explode" });
    await expect(failing.invoke(1, { callbacks: [handler] })).rejects.toThrow("boom");
    await handler.flush();
    const [session] = hh.collector.sessions;
    expect(session?.metadata?.error).toContain("boom");
    const [summary] = hh.collector.sessionSummaries();
    expect(summary).toMatchObject({ session_name: "fails", num_events: 1, num_errors: 1 });
  });

  it("lists sessions newest first, including one whose events came before its POST /v1/sessions", async () => {
    const ids = ["55555555-5555-4555-8555-555555555551", "55555555-5555-4555-8555-555555555552"];
    await post("/v1/sessions", { session_id: ids[0], session_name: "older", start_time: 1_000 });
    await post("/v1/events", {
      event_type: "chain",
      session_id: ids[1],
      inputs: {},
      start_time: 2_000,
      end_time: 2_010,
    });
    const { sessions } = (await (await fetch(`${hh.collector.url}/v1/sessions`)).json()) as {
      sessions: { session_id: string; started: boolean }[];
    };
    expect(sessions.map((s) => [s.session_id, s.started])).toEqual([
      [ids[1], false],
      [ids[0], true],
    ]);
  });
});

describe("the text tree printer", () => {
  it("shows the aggregates, template, agent, provider, model, tokens and errors", async () => {
    const sid = "66666666-6666-4666-8666-666666666666";
    await post("/v1/sessions", { session_id: sid, session_name: "printer", start_time: 0 });
    await post("/v1/events/batch", {
      events: [
        {
          event_type: "chain",
          event_name: "support_agent",
          event_id: "a",
          session_id: sid,
          parent_id: sid,
          inputs: {},
          start_time: 0,
          end_time: 2_500,
          duration: 2_500,
          config: { agent_name: "support" },
        },
        {
          event_type: "model",
          event_name: "ChatOpenAI",
          event_id: "m",
          session_id: sid,
          parent_id: "a",
          inputs: {},
          start_time: 10,
          end_time: 900,
          duration: 890,
          config: {
            model: "gpt-4o-mini",
            provider: "openai",
            template: [
              {
                role: "system",
                content: "You are a helpful\nassistant for {{company}} who answers questions politely",
              },
              { role: "user", content: "{{question}}" },
            ],
          },
          metadata: { agent_name: "support", prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
          metrics: { cost: 0.0021 },
        },
        {
          event_type: "tool",
          event_name: "lookup",
          event_id: "t",
          session_id: sid,
          parent_id: "a",
          inputs: {},
          start_time: 1_000,
          end_time: 1_004,
          duration: 4,
          error: "Error: not found\n    at lookup",
          metadata: { agent_name: "support" },
        },
      ],
    });
    const text = formatSessionTree(hh.collector.sessionTree(sid));
    expect(text.split("\n")).toEqual([
      `session printer  ${sid}  2.50 s  3 events  tokens 12→3 (15)  cost 0.002100  1 error`,
      "  chain support_agent  agent support  2.50 s",
      '    model ChatOpenAI [openai/gpt-4o-mini]  890 ms  tokens 12→3 (15)  template system: "You are a helpful assistant for {{company}} who…" +1',
      "    tool  lookup  4.0 ms  ✗ Error: not found",
    ]);
  });

  it("prints a real prompt → model chain with the model's tokens and the session's totals", async () => {
    const handler = hh.handler({ sessionName: "real chain" });
    const chain = ChatPromptTemplate.fromMessages([["human", "Say {word}"]])
      .pipe(new FakeListChatModel({ responses: ["hello there"] }))
      .pipe(
        RunnableLambda.from((m: { content: unknown }) => String(m.content)).withConfig({
          runName: "to_text",
        }),
      );
    expect(await chain.invoke({ word: "hi" }, { callbacks: [handler] })).toBe("hello there");
    await handler.flush();
    const [session] = hh.collector.sessions;
    if (!session) throw new Error("no session");
    const text = formatSessionTree(hh.collector.sessionTree(session.session_id));
    expect(text).toMatch(/^session real chain {2}\S+ {2}[\d.]+ m?s {2}4 events/);
    expect(text).toMatch(/\n {4}model FakeListChatModel/);
    expect(text).toMatch(/\n {4}chain to_text/);
  });
});

/** One raw HTTP request (full control of the Host header, or none at all); resolves with the status. */
function rawRequest(
  port: number,
  options: { method: string; path: string; host?: string; authorization?: string; body?: string },
): Promise<number> {
  const body = options.body ?? "";
  // Without a Host header, HTTP/1.1 is malformed (Node answers 400); HTTP/1.0 allows it.
  const version = options.host === undefined ? "HTTP/1.0" : "HTTP/1.1";
  const head = [
    `${options.method} ${options.path} ${version}`,
    ...(options.host === undefined ? [] : [`Host: ${options.host}`]),
    ...(options.authorization === undefined ? [] : [`Authorization: ${options.authorization}`]),
    "Connection: close",
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return new Promise((resolve, reject) => {
    // Written, not ended: the server hangs up after answering (Connection: close).
    const socket = connect(port, "127.0.0.1", () => socket.write(`${head.join("\r\n")}\r\n\r\n${body}`));
    let text = "";
    socket.on("data", (d) => {
      text += d;
    });
    socket.on("end", () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on("error", reject);
  });
}

describe("who may read and write (DNS rebinding)", () => {
  const KEY = "the-collectors-own-key-42";
  // [Host header, whether it names this machine's loopback]; undefined: no Host header at all.
  const hosts = (port: number): [string | undefined, boolean][] => [
    ["127.0.0.1", true],
    [`127.0.0.1:${port}`, true],
    ["127.9.8.7:80", true],
    ["localhost", true],
    [`localhost:${port}`, true],
    ["LocalHost:8787", true],
    ["[::1]", true],
    [`[::1]:${port}`, true],
    ["[0:0:0:0:0:0:0:1]:8787", true],
    ["127.0.0.1.evil.example", false],
    [`127.0.0.1.evil.example:${port}`, false],
    ["localhost.evil.example", false],
    [`localhost.evil.example:${port}`, false],
    ["evil.example", false],
    [`evil.example:${port}`, false],
    ["app.localhost", false],
    ["127.0.0.1:80:80", false],
    ["127.0.0.1:http", false],
    ["[::1].evil.example", false],
    ["[::2]", false],
    ["128.0.0.1", false],
    [undefined, false],
  ];
  const auths: [label: string, header: string | undefined][] = [
    ["no key", undefined],
    ["a wrong key", "Bearer not-the-key"],
    ["the key", `Bearer ${KEY}`],
  ];
  const event = JSON.stringify({ event_type: "chain", inputs: {}, session_id: "rebinding-session" });

  it("keyless reads only with a loopback Host; otherwise, and for every write, the collector's key", async () => {
    const collector = await startCollector({ key: KEY });
    try {
      const wrong: string[] = [];
      for (const [host, loopback] of hosts(collector.port)) {
        for (const [label, authorization] of auths) {
          const rightKey = authorization === `Bearer ${KEY}`;
          for (const [method, path] of [
            ["GET", "/v1/sessions"],
            ["GET", "/"],
            ["POST", "/v1/events"],
          ] as const) {
            const expected =
              rightKey || (method === "GET" && loopback && authorization === undefined) ? 200 : 401;
            const status = await rawRequest(collector.port, {
              method,
              path,
              host,
              authorization,
              body: method === "POST" ? event : undefined,
            });
            if (status !== expected) wrong.push(`${method} ${path} Host ${host} with ${label}: ${status}`);
          }
        }
      }
      expect(wrong).toEqual([]);
      // Refused writes stored nothing; the key's writes did.
      expect(collector.events.length).toBe(hosts(collector.port).length);
    } finally {
      await collector.close();
    }
  });

  it("embedded without a key (tests, examples): any Bearer token, from a loopback Host only", async () => {
    const port = new URL(hh.collector.url).port;
    const post = (host: string, authorization?: string) =>
      rawRequest(Number(port), { method: "POST", path: "/v1/events", host, authorization, body: event });
    expect(await post(`127.0.0.1:${port}`, "Bearer any-key")).toBe(200);
    expect(await post(`localhost:${port}`, "Bearer local")).toBe(200);
    expect(await post(`127.0.0.1:${port}`)).toBe(401);
    expect(await post(`127.0.0.1.evil.example:${port}`, "Bearer any-key")).toBe(401);
    expect(await post(`evil.example:${port}`, "Bearer local")).toBe(401);
    const read = (host: string, authorization?: string) =>
      rawRequest(Number(port), { method: "GET", path: "/v1/sessions", host, authorization });
    expect(await read(`127.0.0.1.evil.example:${port}`)).toBe(401);
    expect(await read(`evil.example:${port}`, "Bearer any-key")).toBe(401);
    expect(await read(`[::1]:${port}`)).toBe(200);
  });
});

/** Heap in use after a full collection (V8's gc, exposed for this process). */
function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A POST that may be answered (and hung up on) before its body is sent; resolves with the status. */
function postEarly(url: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/events`, { method: "POST", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(-1));
    req.end(body);
  });
}

describe("memory", () => {
  it("refused requests' bodies are not read: 40 unauthenticated 4.5 MB text/plain POSTs keep nothing", async () => {
    // What any web page can send without a CORS preflight. Valid JSON, so a server that read it
    // would parse it and keep it.
    const body = Buffer.from(JSON.stringify({ event_type: "chain", inputs: { x: "a".repeat(4.5e6) } }));
    const before = heapAfterGc();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      statuses.push(await postEarly(hh.collector.url, body, { "content-type": "text/plain" }));
    }
    const grownMb = (heapAfterGc() - before) / 1024 / 1024;
    // 40 × 4.5 MB = 180 MB if kept; a refused body must not be (the bound is far from both).
    expect(grownMb).toBeLessThan(30);
    expect(statuses.every((s) => s === 401 || s === -1)).toBe(true);
    expect(statuses).toContain(401);
    expect(hh.collector.requests).toHaveLength(40);
    for (const r of hh.collector.requests)
      expect(r).toMatchObject({ status: 401, bytes: 0, body: undefined });
  });

  it("keeps at most maxBytes of bodies: the oldest sessions are evicted, and the list says how many", async () => {
    const collector = await startCollector({ maxBytes: 2 * 1024 * 1024 });
    try {
      const big = "b".repeat(100_000);
      for (let i = 0; i < 40; i++) {
        const sid = `evict-${String(i).padStart(2, "0")}`;
        const res = await fetch(`${collector.url}/v1/events/batch`, {
          method: "POST",
          headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
          body: JSON.stringify({
            events: [
              { event_type: "session", session_id: sid, event_name: sid, start_time: 1_000 + i, inputs: {} },
              { event_type: "tool", session_id: sid, start_time: 1_000 + i, inputs: { big } },
            ],
          }),
        });
        expect(res.status).toBe(200);
      }
      // 40 × ~100 KB = ~4 MB received, 2 MB kept: the newest sessions, whole.
      expect(collector.evicted).toBeGreaterThanOrEqual(20);
      const kept = collector.sessions.map((s) => s.session_id);
      expect(kept.length).toBe(40 - collector.evicted);
      expect(kept).toContain("evict-39");
      expect(kept).not.toContain("evict-00");
      const oldestKept = Math.min(...kept.map((id) => Number(id.slice(6))));
      expect(kept.length).toBe(40 - oldestKept);
      expect(new Set(collector.events.map((e) => e.session_id))).toEqual(new Set(kept));
      const list = (await (await fetch(`${collector.url}/v1/sessions`)).json()) as {
        evicted: number;
        total: number;
        max_bytes: number;
      };
      expect(list).toMatchObject({
        evicted: collector.evicted,
        total: kept.length,
        max_bytes: 2 * 1024 * 1024,
      });
      // The request log is bounded by the same bytes.
      const logged = collector.requests.reduce((sum, r) => sum + r.bytes, 0);
      expect(logged).toBeLessThanOrEqual(2 * 1024 * 1024);
      expect(collector.requests.filter((r) => r.method === "POST").at(-1)?.body).toBeDefined();
    } finally {
      await collector.close();
    }
  });

  it("the request log shares the stored body's objects rather than keeping a second copy", async () => {
    const inputs = { text: "x".repeat(1000) };
    await post("/v1/events", { event_type: "chain", event_id: "shared", inputs });
    const [logged] = hh.collector.requests;
    const [stored] = hh.collector.events;
    expect((logged?.body as { inputs?: unknown } | undefined)?.inputs).toBe(stored?.inputs);
    expect(stored?.inputs).toEqual(inputs);
  });
});

describe("depth", () => {
  /** `{"event_type":"chain","inputs":{"x": …}}` nesting `depth` levels in all. */
  const nested = (depth: number) =>
    `{"event_type":"chain","inputs":{"x":${"[".repeat(depth - 2)}${"]".repeat(depth - 2)}}}`;

  it("refuses a body nested deeper than 512 levels with 400 naming the limit", async () => {
    expect((await post("/v1/events", nested(512))).status).toBe(200);
    const res = await post("/v1/events", nested(513));
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("at most 512");
    const deep = await post("/v1/events", nested(1_000_000));
    expect(deep.status).toBe(400);
    expect(deep.body.message).toContain("1000000 levels deep");
    expect(hh.collector.events).toHaveLength(1);
  });

  it("a parent_id chain 10,000 deep is served as a tree and printed as text", async () => {
    const sid = "deep-chain-session";
    const depth = 10_000;
    const events = parentChain(sid, depth);
    expect((await post("/v1/events/batch", { events })).status).toBe(200);
    const res = await fetch(`${hh.collector.url}/v1/sessions/${sid}`);
    expect(res.status).toBe(200);
    const tree = (await res.json()) as SessionTree;
    let node = tree.roots[0];
    let levels = 0;
    while (node) {
      expect(node.event.event_id).toBe(`e${levels}`);
      levels++;
      node = node.children[0];
    }
    expect(levels).toBe(depth);
    const text = formatSessionTree(hh.collector.sessionTree(sid)).split("\n");
    expect(text).toHaveLength(depth + 1);
    expect(text.at(-1)).toBe(`${"  ".repeat(depth)}chain step${depth - 1}  ?`);
  });
});

describe("paging GET /v1/sessions", () => {
  type Page = { sessions: SessionSummary[]; next_cursor: string | null; total: number };
  const getPage = async (query: string): Promise<Page> => {
    const res = await fetch(`${hh.collector.url}/v1/sessions${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };
  const sessionBatch = (from: number, count: number) => ({
    events: Array.from({ length: count }, (_, i) => ({
      event_type: "session",
      session_id: `p-${String(from + i).padStart(6, "0")}`,
      event_name: "s",
      start_time: from + i,
      inputs: {},
    })),
  });

  it("with 50,000 sessions, a page is `limit` summaries and a cursor, not every session", async () => {
    for (let from = 0; from < 50_000; from += 25_000) {
      expect((await post("/v1/events/batch", sessionBatch(from, 25_000))).status).toBe(200);
    }
    const first = await getPage("?limit=50");
    expect(first.total).toBe(50_000);
    expect(first.sessions.map((s) => s.session_id)).toEqual(
      Array.from({ length: 50 }, (_, i) => `p-${String(49_999 - i).padStart(6, "0")}`),
    );
    expect(typeof first.next_cursor).toBe("string");
    const second = await getPage(`?limit=50&cursor=${encodeURIComponent(first.next_cursor ?? "")}`);
    expect(second.sessions[0]?.session_id).toBe("p-049949");
    expect(second.sessions).toHaveLength(50);
    // Without a limit: one default page of 100.
    expect((await getPage("")).sessions).toHaveLength(100);
  });

  it("summaries are kept as events arrive: a page costs its own summaries, no walk over the sessions", () => {
    const store = new CollectorStore();
    for (let i = 0; i < 50_000; i++) {
      const session_id = `s${i}`;
      store.startSession({ session_id, session_name: "n", start_time: i });
      store.addEvent({
        event_type: "model",
        event_id: `m${i}`,
        session_id,
        inputs: {},
        start_time: i,
        end_time: i + 5,
        metadata: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
      });
    }
    for (let round = 0; round < 2; round++) {
      const walks = store.work.aggregateWalks;
      const built = store.work.summariesBuilt;
      const page = store.page(100);
      expect(page.sessions).toHaveLength(100);
      expect(page.sessions[0]).toMatchObject({ session_id: "s49999", num_events: 1, total_tokens: 5 });
      expect(store.work.summariesBuilt - built).toBe(100);
      expect(store.work.aggregateWalks - walks).toBe(0);
    }
    // A replaced event is recounted once, for its own session only.
    store.addEvent({ event_type: "model", event_id: "m7", session_id: "s7", inputs: {}, start_time: 7 });
    const walks = store.work.aggregateWalks;
    expect(store.summary("s7")).toMatchObject({ num_events: 1, total_tokens: undefined });
    expect(store.work.aggregateWalks - walks).toBe(1);
  });

  it("following next_cursor lists every session once, newest first, while new ones arrive", async () => {
    expect((await post("/v1/events/batch", sessionBatch(0, 250))).status).toBe(200);
    const seen: string[] = [];
    let page = await getPage("?limit=100");
    seen.push(...page.sessions.map((s) => s.session_id));
    // Newer sessions arriving between pages appear on the first page, not in the middle.
    expect((await post("/v1/events/batch", sessionBatch(1_000, 5))).status).toBe(200);
    while (page.next_cursor) {
      page = await getPage(`?limit=100&cursor=${encodeURIComponent(page.next_cursor)}`);
      seen.push(...page.sessions.map((s) => s.session_id));
    }
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => `p-${String(249 - i).padStart(6, "0")}`));
    expect(page.total).toBe(255);
  });

  it("answers a bad limit or cursor with 400", async () => {
    for (const query of ["?limit=0", "?limit=1001", "?limit=ten", "?cursor=nope", "?cursor=1_2"]) {
      const res = await fetch(`${hh.collector.url}/v1/sessions${query}`);
      expect(res.status, query).toBe(400);
    }
  });
});
