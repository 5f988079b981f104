/** Body writing (src/wire/bodies.ts): every member once, merged metadata, the closed schemas, size limits. */
import { describe, expect, it } from "vitest";
import {
  batchBody,
  type EventRecord,
  eventBody,
  mergeObjects,
  type SessionEnd,
  type SessionStart,
  sessionBody,
  sessionCompletionBody,
  sessionItem,
  updateBody,
} from "../../src/wire/bodies.js";
import {
  PostEventBatchRequest,
  PostEventRequest,
  StartSessionRequest,
  UpdateEventRequest,
} from "../../src/wire/contract.js";

/** Top-level keys of a JSON object text, in order, duplicates included. */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      if (depth === 1 && json[j + 1] === ":") keys.push(JSON.parse(json.slice(i, j + 1)));
      i = j;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return keys;
}

function expectUniqueKeys(json: string): void {
  const keys = topLevelKeys(json);
  expect(keys.length).toBeGreaterThan(0);
  expect(new Set(keys).size, `keys: ${keys.join(", ")}`).toBe(keys.length);
}

const start: SessionStart = {
  sessionId: "0b6f7d5e-8f5a-4f4e-9a51-2a1d1c0e7a11",
  sessionName: "chat",
  source: '"dev"',
  startTime: 1000,
  inputs: '{"input":"hi"}',
  metadata: '{"env":"prod","tags":["t1"]}',
  userProperties: '{"user_id":"u1"}',
};
const failedEnd: SessionEnd = {
  outputs: "{}",
  endTime: 1500,
  duration: 500,
  metadata: '{"error":"Error: boom"}',
};

describe("session bodies", () => {
  it("a failed root's POST /v1/sessions has one metadata, the start's and the end's merged", () => {
    const json = sessionBody(start, failedEnd, 5_000_000);
    expectUniqueKeys(json);
    const body = JSON.parse(json);
    expect(StartSessionRequest.safeParse(body).success).toBe(true);
    expect(body.metadata).toEqual({ env: "prod", tags: ["t1"], error: "Error: boom" });
    expect(body).toMatchObject({ session_name: "chat", duration: 500, end_time: 1500, start_time: 1000 });
  });

  it("a failed root's session item in a batch has one metadata too", () => {
    const json = sessionItem(start, failedEnd);
    expectUniqueKeys(json);
    const body = JSON.parse(json);
    expect(PostEventRequest.safeParse(body).success).toBe(true);
    expect(body).toMatchObject({ event_type: "session", event_id: start.sessionId, event_name: "chat" });
    expect(body.metadata).toEqual({ env: "prod", tags: ["t1"], error: "Error: boom" });
  });

  it("a session created before its root ended has no end members; its completion is a PUT body", () => {
    const created = JSON.parse(sessionBody(start, undefined, 5_000_000));
    expect(created).not.toHaveProperty("end_time");
    const completion = sessionCompletionBody(failedEnd, 5_000_000);
    expectUniqueKeys(completion);
    expect(UpdateEventRequest.safeParse(JSON.parse(completion)).success).toBe(true);
    expect(JSON.parse(completion)).toEqual({
      outputs: {},
      end_time: 1500,
      duration: 500,
      metadata: { error: "Error: boom" },
    });
  });

  it("merging keeps both sides' keys, the second's winning", () => {
    expect(JSON.parse(mergeObjects('{"a":1,"b":1}', '{"b":2}'))).toEqual({ a: 1, b: 2 });
    expect(mergeObjects("{}", '{"b":2}')).toBe('{"b":2}');
    expect(mergeObjects('{"a":1}', "{}")).toBe('{"a":1}');
  });
});

const event: EventRecord = {
  eventId: "e1",
  sessionId: "s1",
  parentId: "s1",
  eventType: "model",
  eventName: "ChatModel",
  source: '"dev"',
  childrenIds: [],
  startTime: 1.5,
  endTime: 3.25,
  inputs: '{"chat_history":[]}',
  outputs: '{"role":"assistant","content":"hi"}',
  error: null,
  metadata: "{}",
  config: '{"model":"m"}',
  metrics: '{"ttft_ms":1}',
};

describe("event bodies", () => {
  it("writes every member once, in the closed schema, with duration = end - start", () => {
    const json = eventBody(event, 5_000_000);
    expectUniqueKeys(json);
    const body = JSON.parse(json);
    expect(PostEventRequest.safeParse(body).success).toBe(true);
    expect(body.duration).toBe(1.75);
    expect(body).not.toHaveProperty("feedback");
  });

  it("writes the duration to the microsecond, like the times (no binary fraction of end - start)", () => {
    // Wall-clock times near 1.8e12 ms keep few fraction bits: 807.903 - 805 is 2.9029999… in binary.
    const json = eventBody({ ...event, startTime: 1796385360805, endTime: 1796385360807.903 }, 5_000_000);
    expect(JSON.parse(json).duration).toBe(2.903);
  });

  it("cuts the bulky fields of an event over the size limit and keeps its place in the tree", () => {
    const big = { ...event, inputs: JSON.stringify({ text: "x".repeat(300_000) }) };
    const json = eventBody(big, 100_000);
    expect(new TextEncoder().encode(json).length).toBeLessThanOrEqual(100_000);
    expect(JSON.parse(json)).toMatchObject({ event_id: "e1", parent_id: "s1", event_type: "model" });
  });

  it("a batch wraps items already written", () => {
    const json = batchBody([eventBody(event, 5_000_000), sessionItem(start, failedEnd)]);
    expect(PostEventBatchRequest.safeParse(JSON.parse(json)).success).toBe(true);
  });

  it("an update writes only the fields given", () => {
    const json = updateBody({ feedback: { rating: 1 }, user_properties: { plan: "pro" } }, 5_000_000);
    expect(JSON.parse(json)).toEqual({ feedback: { rating: 1 }, user_properties: { plan: "pro" } });
    expect(UpdateEventRequest.safeParse(JSON.parse(json)).success).toBe(true);
  });
});
