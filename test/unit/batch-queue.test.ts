/** The batch queue: ready events popped by count and by characters, a lone event as POST /v1/events. */
import { describe, expect, it } from "vitest";
import { BatchQueue, nextEventRequest } from "../../src/delivery/batch-queue.js";
import type { Item } from "../../src/delivery/items.js";
import { SessionGate } from "../../src/delivery/session-gate.js";

function item(n: number, json = `{"n":${n}}`): Item {
  return {
    seq: n,
    at: 0,
    busy: false,
    kind: "event",
    session: undefined,
    json,
    size: json.length,
    describe: `event ${n}`,
  };
}

function setup(count: number, json?: (n: number) => string) {
  const queue = new BatchQueue();
  const gate = new SessionGate(queue, 20);
  for (let n = 1; n <= count; n++) queue.push(item(n, json?.(n)));
  return { queue, gate };
}

describe("batch queue", () => {
  it("a lone event goes as a single event, not a batch", () => {
    const { queue, gate } = setup(1);
    const request = nextEventRequest(gate, queue, { batchSize: 100, maxRequestBytes: 1_000 });
    expect(request?.kind).toBe("event");
    expect(request?.json).toBe('{"n":1}');
    expect(queue.size).toBe(0);
  });

  it("pops at most batchSize items, in order", () => {
    const { queue, gate } = setup(5);
    const request = nextEventRequest(gate, queue, { batchSize: 3, maxRequestBytes: 1_000 });
    expect(request?.kind).toBe("batch");
    expect(request?.items.map((i) => i.seq)).toEqual([1, 2, 3]);
    expect(JSON.parse(request?.json as string).events).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(queue.size).toBe(2);
  });

  it("stops before the request would pass maxRequestBytes, but always takes the first item", () => {
    const { queue, gate } = setup(4, (n) => `{"s":"${"x".repeat(40)}${n}"}`);
    // Envelope (13) + 3 items of 48 characters + commas: the third does not fit in 120.
    const first = nextEventRequest(gate, queue, { batchSize: 100, maxRequestBytes: 120 });
    expect(first?.items.map((i) => i.seq)).toEqual([1, 2]);
    expect((first?.json as string).length).toBeLessThanOrEqual(120);
    const tiny = nextEventRequest(gate, queue, { batchSize: 100, maxRequestBytes: 10 });
    expect(tiny?.items.map((i) => i.seq)).toEqual([3]);
  });

  it("keeps order across its compaction of taken items", () => {
    const queue = new BatchQueue();
    for (let n = 1; n <= 3000; n++) queue.push(item(n));
    for (let n = 1; n <= 2000; n++) expect(queue.take()?.seq).toBe(n);
    expect(queue.size).toBe(1000);
    expect(queue.peek()?.seq).toBe(2001);
  });
});
