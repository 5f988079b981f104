/**
 * Two services in two processes, one session (SPEC §8; README "Calling other services"): process A
 * runs a `createAgent` agent whose tool calls process B over real HTTP with `propagationHeaders()`;
 * B runs a LangGraph graph inside `continueTrace(req.headers, …)`. Both deliver to one collector
 * here, B through a recording proxy so what B itself sent can be told from what A sent. Then the
 * trace viewer, in Chromium, shows the session as one tree with each row's service.
 * (test/e2e/continue-trace.test.ts covers the same exchange with two handlers in one process.)
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Collector,
  type StoredEvent,
  startCollector,
  type TreeNode,
} from "../../src/collector/index.js";
import { chromiumPath, launchChromium, NO_BROWSER_MESSAGE } from "../helpers/browser.js";
import { lastJson, runFixture } from "../helpers/child.js";
import { byName, createdSessionIds, postedItems } from "../helpers/setup.js";

interface Sent {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/**
 * A pass-through to the collector that records each request (B's handler is pointed at it): real
 * HTTP both ways, nothing answered by the proxy itself.
 */
async function recordingProxy(target: string): Promise<{ url: string; sent: Sent[]; server: Server }> {
  const sent: Sent[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch {
      body = undefined;
    }
    const upstream = await fetch(`${target}${req.url ?? "/"}`, {
      method: req.method,
      headers: {
        authorization: req.headers.authorization ?? "",
        "content-type": req.headers["content-type"] ?? "application/json",
      },
      body: raw.length ? raw : undefined,
    });
    const answer = Buffer.from(await upstream.arrayBuffer());
    sent.push({ method: req.method ?? "", path: req.url ?? "", status: upstream.status, body });
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "text/plain" });
    res.end(answer);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent, server };
}

/** Service B, long-lived: resolves with its URL once it listens; `stop()` closes its stdin and waits for it to flush and exit. */
async function startServiceB(collectorUrl: string) {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "../fixtures/two-services-b.ts")],
    { env: { ...process.env, COLLECTOR_URL: collectorUrl }, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  // Hang guard: far beyond a normal run (startup, one request, a flush).
  const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      stdout += d;
      const first = stdout.split("\n")[0] ?? "";
      if (stdout.includes("\n") && first.startsWith("{")) resolve((JSON.parse(first) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`service B exited (${code}) before listening: ${stderr}`)));
  });
  return {
    url,
    async stop() {
      child.stdin.end();
      const code = await exited;
      clearTimeout(killer);
      return { code, stdout, stderr };
    },
  };
}

function depthFirst(nodes: TreeNode[]): string[] {
  return nodes.flatMap((n) => [n.event.event_id, ...depthFirst(n.children)]);
}

let collector: Collector;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
let a: { code: number | null; stderr: string; out: Record<string, unknown> };
let b: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  collector = await startCollector();
  proxy = await recordingProxy(collector.url);
  const serviceB = await startServiceB(proxy.url);
  try {
    const result = await runFixture("two-services-a.ts", {
      COLLECTOR_URL: collector.url,
      SERVICE_B_URL: serviceB.url,
    });
    a = { code: result.code, stderr: result.stderr, out: lastJson(result) };
  } finally {
    b = await serviceB.stop();
  }
}, 180_000);

afterAll(async () => {
  await new Promise((r) => proxy?.server.close(r));
  await collector?.close();
});

describe("two services in two processes", () => {
  it("one session: B's graph hangs under A's tool event; only A creates or completes the session", () => {
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.out.answer).toBe("Oslo will be sunny, 18°C.");
    expect(a.out.toolResult).toBe("Oslo: 18°C and sunny");
    // Both flushed before exiting, with nothing lost.
    expect(a.out.flushed).toMatchObject({ failed: 0, dropped: 0, timedOut: false });
    expect(
      (JSON.parse(b.stdout.trim().split("\n").at(-1) ?? "{}") as { flushed: unknown }).flushed,
    ).toMatchObject({ failed: 0, dropped: 0, timedOut: false });

    expect(collector.sessions).toHaveLength(1);
    const session = collector.sessions[0];
    const sessionId = session?.session_id as string;
    expect(a.out.sessionId).toBe(sessionId);
    expect(session?.session_name).toBe("two services");
    expect(collector.requests.filter((r) => r.status !== 200)).toEqual([]);
    expect(collector.duplicates.size).toBe(0);

    const { events } = collector;
    for (const e of events) expect(e.session_id).toBe(sessionId);
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(["service-a", "service-b"]));
    const bEvents = events.filter((e) => e.source === "service-b");
    expect(bEvents.map((e) => `${e.event_type} ${e.event_name}`).sort()).toEqual([
      "chain ask_model",
      "chain forecast_graph",
      "model ScriptedChatModel",
    ]);
    const toolEvent = byName(events, "get_forecast");
    expect(toolEvent.source).toBe("service-a");
    const bRoot = byName(bEvents, "forecast_graph");
    const node = byName(bEvents, "ask_model");
    const model = byName(bEvents, "ScriptedChatModel");
    // B's root is A's tool call's child; inside B the graph nests as usual.
    expect(bRoot.parent_id).toBe(toolEvent.event_id);
    expect(node.parent_id).toBe(bRoot.event_id);
    expect(model.parent_id).toBe(node.event_id);
    expect(bRoot.inputs).toEqual({ city: "Oslo" });
    expect(a.out.sent).toEqual({
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
      baggage: `session_id=${sessionId},parent_id=${toolEvent.event_id}`,
    });
    // The collector's tree: one root (A's agent), B's events inside it.
    const tree = collector.sessionTree(sessionId);
    expect(tree.roots.map((r) => r.event.event_name)).toEqual(["weather_agent"]);
    expect(depthFirst(tree.roots)).toHaveLength(events.length);

    // Created once, by A. Every request B made went through the proxy: none created the session
    // or completed it (a PUT to the session's id), and B's events were all it posted.
    expect(collector.requests.flatMap(createdSessionIds)).toEqual([sessionId]);
    expect(proxy.sent.length).toBeGreaterThan(0);
    expect(proxy.sent.flatMap(createdSessionIds)).toEqual([]);
    expect(proxy.sent.filter((r) => r.method === "PUT" && r.path === `/v1/events/${sessionId}`)).toEqual([]);
    expect(proxy.sent.filter((r) => r.status !== 200)).toEqual([]);
    const postedByB = proxy.sent.flatMap(postedItems);
    expect(postedByB.map((e) => e.event_id).sort()).toEqual(bEvents.map((e) => e.event_id).sort());
  });
});

describe.skipIf(!chromiumPath)("two services in two processes, in the trace viewer (Chromium)", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows one tree: B's rows nested under A's tool row, each row with its service's source chip", async () => {
    const sessionId = collector.sessions[0]?.session_id as string;
    const tree = collector.sessionTree(sessionId);
    const byId = new Map<string, StoredEvent>(tree.events.map((e) => [e.event_id, e]));
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(collector.viewerUrl(sessionId));
    // B's model call: the deepest row.
    const model = byName(
      tree.events.filter((e) => e.source === "service-b"),
      "ScriptedChatModel",
    );
    await page.locator(`#tree .row[data-id="${model.event_id}"]`).waitFor();
    const rows = await page.locator("#tree .row").evaluateAll((els) =>
      els.map((r) => ({
        id: r.getAttribute("data-id") ?? "",
        indent: Number.parseFloat(
          (r.querySelector(".cell-name") as { style: { paddingLeft: string } } | null)?.style.paddingLeft ??
            "",
        ),
        source: r.querySelector(".chip.source")?.textContent ?? null,
      })),
    );
    // One tree: the session row, then every event of both services depth-first, nothing elsewhere.
    expect(rows.map((r) => r.id)).toEqual([sessionId, ...depthFirst(tree.roots)]);
    // Every event row names its service; the session row names none.
    expect(rows[0]?.source).toBeNull();
    for (const r of rows.slice(1)) expect(r.source).toBe(byId.get(r.id)?.source);
    // B's rows follow A's tool row, each one level deeper than the one before.
    const toolAt = rows.findIndex((r) => r.id === byName(tree.events, "get_forecast").event_id);
    const below = rows.slice(toolAt, toolAt + 4);
    expect(below.map((r) => byId.get(r.id)?.event_name)).toEqual([
      "get_forecast",
      "forecast_graph",
      "ask_model",
      "ScriptedChatModel",
    ]);
    expect(below.map((r) => r.source)).toEqual(["service-a", "service-b", "service-b", "service-b"]);
    for (let i = 1; i < below.length; i++) {
      expect(below[i]?.indent).toBeGreaterThan(below[i - 1]?.indent ?? Infinity);
    }
    // The row after B's subtree is back at or above the tool's level (B's events are its only children).
    const after = rows[toolAt + 4];
    if (after) expect(after.indent).toBeLessThanOrEqual(below[0]?.indent ?? -1);
    expect(errors).toEqual([]);
    await page.close();
  });
});

if (!chromiumPath) {
  describe("two services in two processes, in the trace viewer", () => {
    it.skip(`is skipped: ${NO_BROWSER_MESSAGE}`, () => {});
  });
}
