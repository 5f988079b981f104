/** The batch queue: ready events popped by count and by characters, a lone event as POST /v1/events. */
import { describe, expect, it } from "vitest";
import {
  BatchQueue,
  nextEventRequest,
  partBody,
  splitRefused,
  type Unit,
} from "../../src/delivery/batch-queue.js";
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
    expect(partBody(request?.units ?? [])).toEqual({ kind: "event", json: '{"n":1}' });
    expect(queue.size).toBe(0);
  });

  it("pops at most batchSize items, in order", () => {
    const { queue, gate } = setup(5);
    const request = nextEventRequest(gate, queue, { batchSize: 3, maxRequestBytes: 1_000 });
    const body = partBody(request?.units ?? []);
    expect(body.kind).toBe("batch");
    expect(request?.items.map((i) => i.seq)).toEqual([1, 2, 3]);
    expect(JSON.parse(body.json).events).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(queue.size).toBe(2);
  });

  it("stops before the request would pass maxRequestBytes, but always takes the first item", () => {
    const { queue, gate } = setup(4, (n) => `{"s":"${"x".repeat(40)}${n}"}`);
    // Envelope (13) + 3 items of 48 characters + commas: the third does not fit in 120.
    const first = nextEventRequest(gate, queue, { batchSize: 100, maxRequestBytes: 120 });
    expect(first?.items.map((i) => i.seq)).toEqual([1, 2]);
    expect(partBody(first?.units ?? []).json.length).toBeLessThanOrEqual(120);
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

  it("sizes requests in UTF-8 bytes, not characters", () => {
    // 40 CJK characters are 120 bytes: two items of 40 characters do not fit in 200 bytes.
    const { queue, gate } = setup(3, (n) => `{"s":"${"漢".repeat(40)}${n}"}`);
    const request = nextEventRequest(gate, queue, { batchSize: 100, maxRequestBytes: 200 });
    expect(request?.items.map((i) => i.seq)).toEqual([1]);
    expect(new TextEncoder().encode(partBody(request?.units ?? []).json).length).toBeLessThanOrEqual(200);
  });
});

describe("splitting a refused part", () => {
  const units = (n: number): Unit[] => Array.from({ length: n }, (_, i) => ({ json: `${i}`, bytes: 1 }));
  const shape = (parts: Unit[][]) => parts.map((p) => p.map((u) => u.json).join(""));

  it("isolates the item the server named", () => {
    expect(shape(splitRefused(units(5), 2))).toEqual(["01", "2", "34"]);
    expect(shape(splitRefused(units(5), 0))).toEqual(["0", "1234"]);
    expect(shape(splitRefused(units(5), 4))).toEqual(["0123", "4"]);
  });

  it("halves when the server named no item, or one that is not in the part", () => {
    expect(shape(splitRefused(units(5), undefined))).toEqual(["012", "34"]);
    expect(shape(splitRefused(units(4), 9))).toEqual(["01", "23"]);
    expect(shape(splitRefused(units(2), undefined))).toEqual(["0", "1"]);
  });

  it("isolates one poison item among n with at most 2·log2(n) extra requests", () => {
    for (const n of [2, 7, 64, 100]) {
      for (const poison of [0, Math.floor(n / 2), n - 1]) {
        let requests = 0;
        const parts: Unit[][] = [units(n)];
        for (let part = parts.shift(); part; part = parts.shift()) {
          requests++;
          const refused = part.some((u) => u.json === String(poison));
          if (refused && part.length > 1) parts.unshift(...splitRefused(part, undefined));
        }
        expect(requests - 1).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
      }
    }
  });
});
