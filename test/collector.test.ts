import { describe, expect, it } from "vitest";
import { TEST_KEY, useCollector } from "./helpers/setup.js";

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
