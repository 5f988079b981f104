/**
 * The session gate's ordering rules, driven directly (no timers, sockets or LangChain): what it lets
 * through, what it parks, and what it settles without a request.
 */
import { describe, expect, it } from "vitest";
import { BatchQueue, nextEventRequest, partBody } from "../../src/delivery/batch-queue.js";
import type { Item, Root, SessionState } from "../../src/delivery/items.js";
import { SessionGate } from "../../src/delivery/session-gate.js";
import type { SessionEnd, SessionStart } from "../../src/wire/bodies.js";

const HOLD_MS = 20;
let seq = 0;

function setup() {
  const ready = new BatchQueue();
  const gate = new SessionGate(ready, HOLD_MS);
  return { ready, gate };
}

function startOf(sessionId: string): SessionStart {
  return { sessionId, sessionName: "s", source: '"t"', startTime: 0, inputs: "{}", metadata: "{}" };
}

const END: SessionEnd = { outputs: "{}", endTime: 1, duration: 1 };

function open(
  gate: SessionGate,
  sessionId: string,
  opts: { shared?: boolean; managed?: boolean } = {},
): Root {
  const root = gate.open({
    sessionId,
    shared: opts.shared ?? false,
    managed: opts.managed ?? true,
    session: startOf(sessionId),
  });
  return root as Root;
}

function event(gate: SessionGate, root: Root, at = 0): Item {
  gate.eventRecorded(root);
  return {
    seq: ++seq,
    at,
    busy: false,
    kind: "event",
    session: root.session,
    json: `{"n":${seq}}`,
    size: 8,
    describe: `event ${seq}`,
  };
}

function completion(root: Root): Item[] {
  const marker: Item = {
    seq: ++seq,
    at: 0,
    busy: false,
    kind: "create",
    session: root.session,
    json: "",
    size: 0,
    describe: "create",
  };
  const update: Item = {
    seq: ++seq,
    at: 0,
    busy: false,
    kind: "update",
    session: root.session,
    json: "{}",
    size: 2,
    describe: "completion",
    targetId: root.session.id,
    root,
  };
  return [marker, update];
}

function drainReady(ready: BatchQueue): Item[] {
  const out: Item[] = [];
  for (let i = ready.take(); i; i = ready.take()) out.push(i);
  return out;
}

describe("session gate", () => {
  it("parks a new session's events until it is created, then releases them in order", () => {
    const { ready, gate } = setup();
    const root = open(gate, "s1");
    const a = event(gate, root);
    const b = event(gate, root);
    gate.sort(a, 0, false);
    gate.sort(b, 0, false);
    expect(ready.size).toBe(0);
    // Not allowed to wait (a flush): the creation is queued at once, on its own (the root is open).
    const creation = gate.takeCreation();
    expect(creation?.session.id).toBe("s1");
    expect(creation?.end).toBeUndefined();
    gate.created(creation?.session as SessionState, creation?.root, true);
    expect(drainReady(ready)).toEqual([a, b]);
  });

  it("holds a creation up to holdMs for an open root, then creates it without its end", () => {
    const { gate } = setup();
    const root = open(gate, "s1");
    gate.sort(event(gate, root, 100), 100, true);
    expect(gate.creates).toHaveLength(0);
    expect(gate.releaseHeld(110, true)).toBe(10);
    expect(gate.creates).toHaveLength(0);
    expect(gate.releaseHeld(120, true)).toBe(Number.POSITIVE_INFINITY);
    expect(gate.creates.map((s) => s.id)).toEqual(["s1"]);
  });

  it("a root that ended before anything was sent rides in its events' batch, complete, and its completion needs no PUT", () => {
    const { ready, gate } = setup();
    const root = open(gate, "s1");
    const e = event(gate, root);
    gate.sort(e, 0, true);
    root.end = END;
    const [marker, update] = completion(root) as [Item, Item];
    gate.sort(marker, 1, true);
    gate.sort(update, 1, true);
    gate.releaseHeld(1, true);
    expect(gate.inline.map((s) => s.id)).toEqual(["s1"]);
    expect(gate.creates).toHaveLength(0);
    const request = nextEventRequest(gate, ready, { batchSize: 100, maxRequestBytes: 1_000_000 });
    const written = partBody(request?.units ?? []);
    expect(written.kind).toBe("batch");
    expect(request?.items).toEqual([e]);
    const body = JSON.parse(written.json);
    expect(body.events[0]).toMatchObject({ event_type: "session", session_id: "s1", end_time: 1 });
    gate.created(root.session, root, true);
    // The marker is settled once created, the completion without a request: it rode with the creation.
    expect(gate.settled).toContain(marker);
    gate.eventSettled(root.session);
    expect(gate.settled).toContain(update);
    expect(gate.updates).toHaveLength(0);
  });

  it("a shared session (thread, fixed id) is created on its own and completed by PUT after its events", () => {
    const { gate } = setup();
    const root = open(gate, "thread", { shared: true });
    const e = event(gate, root);
    gate.sort(e, 0, true);
    root.end = END;
    const [marker, update] = completion(root) as [Item, Item];
    gate.sort(marker, 1, true);
    gate.sort(update, 1, true);
    gate.releaseHeld(1, true);
    expect(gate.inline).toHaveLength(0);
    const creation = gate.takeCreation();
    expect(creation?.end).toBeUndefined();
    gate.created(creation?.session as SessionState, root, true);
    // The update waits for the session's events to settle.
    expect(gate.updates).toHaveLength(0);
    gate.eventSettled(root.session);
    expect(gate.updates).toEqual([update]);
    // A later turn of the same shared session is not created again.
    const next = open(gate, "thread", { shared: true });
    expect(next.session.state).toBe("created");
  });

  it("an update waits for the events enqueued before it", () => {
    const { gate } = setup();
    const root = open(gate, "app-owned", { managed: false });
    expect(root.session.state).toBe("created");
    gate.sort(event(gate, root), 0, true);
    const update: Item = {
      seq: ++seq,
      at: 0,
      busy: false,
      kind: "update",
      session: root.session,
      json: "{}",
      size: 2,
      describe: "u",
      targetId: "x",
    };
    gate.sort(update, 0, true);
    expect(gate.updates).toHaveLength(0);
    gate.eventSettled(root.session);
    expect(gate.updates).toEqual([update]);
  });

  it("a session item refused alone is created on its own and its events wait for that again", () => {
    const { ready, gate } = setup();
    const r1 = open(gate, "s1");
    const r2 = open(gate, "s2");
    const e1 = event(gate, r1);
    const e2 = event(gate, r2);
    r1.end = END;
    r2.end = END;
    gate.sort(e1, 0, false);
    gate.sort(e2, 0, false);
    expect(gate.inline.map((s) => s.id)).toEqual(["s1", "s2"]);
    const request = nextEventRequest(gate, ready, { batchSize: 2, maxRequestBytes: 1_000_000 });
    expect(request?.inlined.map((i) => i.session.id)).toEqual(["s1"]);
    const [refused] = request?.inlined ?? [];
    if (!refused) throw new Error("expected an inline session");
    gate.sessionItemRefused(refused, refused.events);
    expect(gate.inline).toHaveLength(0);
    expect(gate.creates.map((s) => s.id)).toEqual(["s1", "s2"]);
    expect(r1.session.parked).toEqual([e1]);
    const creation = gate.takeCreation();
    // Created complete the classic way (its texts were given back).
    expect(creation?.end).toEqual(END);
    expect(creation?.start?.sessionId).toBe("s1");
    // From now on complete sessions are created on their own.
    const r3 = open(gate, "s3");
    r3.end = END;
    gate.sort(event(gate, r3), 0, false);
    expect(gate.inline).toHaveLength(0);
    expect(gate.creates.map((s) => s.id)).toContain("s3");
  });

  it("a session whose start is still being masked waits for it before it is queued", async () => {
    const { gate } = setup();
    const root = gate.open({
      sessionId: "m",
      shared: false,
      managed: true,
      session: Promise.resolve(startOf("m")),
    }) as Root;
    gate.sort(event(gate, root), 0, false);
    expect(gate.awaitingStart.map((s) => s.id)).toEqual(["m"]);
    expect(gate.creates).toHaveLength(0);
    root.start.session = await root.start.session;
    gate.startReady(root.session, 1);
    expect(gate.creates.map((s) => s.id)).toEqual(["m"]);
  });

  it("a session too big to ride along is created on its own", () => {
    const { ready, gate } = setup();
    const root = open(gate, "big");
    root.end = END;
    gate.sort(event(gate, root), 0, false);
    expect(nextEventRequest(gate, ready, { batchSize: 100, maxRequestBytes: 50 })).toBeUndefined();
    expect(gate.creates.map((s) => s.id)).toEqual(["big"]);
  });
});
