/**
 * The batch queue: events that may be sent, in order, and how the next request for events is
 * put together from them and from the complete sessions waiting to ride along — by count and by
 * characters, a session never split from its events.
 */

import { utf8ByteLength } from "../runtime/platform.js";
import {
  BATCH_ENVELOPE_LENGTH,
  batchBody,
  type SessionEnd,
  type SessionStart,
  sessionItem,
} from "../wire/bodies.js";
import type { Item, Root } from "./items.js";
import type { Inlined, SessionGate } from "./session-gate.js";

/** A FIFO of ready events that never keeps taken items reachable (they hold whole event bodies). */
export class BatchQueue {
  #items: Item[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  peek(): Item | undefined {
    return this.#items[this.#head];
  }

  push(item: Item): void {
    this.#items.push(item);
  }

  take(): Item | undefined {
    const item = this.#items[this.#head++];
    if (this.#head >= this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

export interface BatchLimits {
  batchSize: number;
  maxRequestBytes: number;
}

/** One item of a request: an event, or a complete session riding with its events (which follow it). */
export interface Unit {
  json: string;
  /** UTF-8 bytes of `json`. */
  bytes: number;
  item?: Item;
  inlined?: Inlined;
}

/** The next request for events, in order: each inline session unit before its events. */
export interface EventRequest {
  units: Unit[];
  /** The event items among the units. */
  items: Item[];
  inlined: Inlined[];
}

/**
 * The next request for events: inline sessions first (each with its parked events), then ready
 * events, up to `batchSize` items and `maxRequestBytes` UTF-8 bytes (a proxy counts bytes, not
 * characters). Undefined when the session at the head is too big to ride along even alone: it was
 * handed to the classic creation instead.
 */
export function nextEventRequest(
  gate: SessionGate,
  queue: BatchQueue,
  { batchSize, maxRequestBytes }: BatchLimits,
): EventRequest | undefined {
  const units: Unit[] = [];
  const items: Item[] = [];
  const inlined: Inlined[] = [];
  let size = BATCH_ENVELOPE_LENGTH;
  for (let session = gate.inline[0]; session !== undefined; session = gate.inline[0]) {
    const root = session.creator;
    if (!root) break;
    const json = sessionItemOf(root);
    const bytes = utf8ByteLength(json);
    let groupSize = bytes + 1;
    for (const e of session.parked) groupSize += itemBytes(e) + 1;
    const groupCount = 1 + session.parked.length;
    if (units.length + groupCount > batchSize || size + groupSize > maxRequestBytes) {
      if (units.length > 0) break;
      // Too big to ride along even alone: created on its own (POST /v1/sessions fits any size).
      gate.inlineToClassic();
      return undefined;
    }
    const taken = gate.takeInline();
    inlined.push(taken);
    units.push({ json, bytes, inlined: taken });
    for (const e of taken.events) {
      units.push({ json: e.json as string, bytes: itemBytes(e), item: e });
      items.push(e);
    }
    size += groupSize;
  }
  while (units.length < batchSize && queue.size > 0) {
    const next = queue.peek() as Item;
    const bytes = itemBytes(next);
    // The first item always goes (every event alone fits a request: it was cut to size).
    if (units.length > 0 && size + bytes + 1 > maxRequestBytes) break;
    queue.take();
    units.push({ json: next.json as string, bytes, item: next });
    items.push(next);
    size += bytes + 1;
  }
  return { units, items, inlined };
}

/** UTF-8 bytes of a ready item's text, computed once. */
function itemBytes(item: Item): number {
  item.bytes ??= utf8ByteLength(item.json as string);
  return item.bytes;
}

/** The body of a part of a request: a lone event alone, anything else as a batch. */
export function partBody(units: readonly Unit[]): { kind: "event" | "batch"; json: string } {
  const only = units[0];
  if (units.length === 1 && only?.item) return { kind: "event", json: only.json };
  return { kind: "batch", json: batchBody(units.map((u) => u.json)) };
}

/**
 * A refused part split for another try: around the item the server named (that item alone), or in
 * halves when it named none. On a request's first refusal with no item named, a session item at
 * its head goes alone first: the likeliest cause is a server that takes no session items, and one
 * request tells. Each refusal makes the parts strictly smaller, so splitting ends; one poison item
 * costs about 2·log2(n) extra requests without an index (one more for the session-first try), 2
 * with one.
 */
export function splitRefused(part: Unit[], index: number | undefined, firstRefusal = false): Unit[][] {
  if (index !== undefined && Number.isInteger(index) && index >= 0 && index < part.length) {
    return [part.slice(0, index), part.slice(index, index + 1), part.slice(index + 1)].filter(
      (p) => p.length > 0,
    );
  }
  if (firstRefusal && part[0]?.inlined) return [part.slice(0, 1), part.slice(1)];
  const mid = Math.ceil(part.length / 2);
  return [part.slice(0, mid), part.slice(mid)];
}

/** When the oldest data in a part was recorded (the retry budget counts from there). */
export function oldestAt(part: readonly Unit[]): number {
  let at = Number.POSITIVE_INFINITY;
  for (const u of part) {
    const t = u.item?.at ?? u.inlined?.events[0]?.at ?? u.inlined?.session.inlineAt;
    if (t !== undefined && t < at) at = t;
  }
  return at === Number.POSITIVE_INFINITY ? performance.now() : at;
}

/** For log lines: what a part of a request carries. */
export function describeUnits(units: readonly Unit[]): string {
  let events = 0;
  let sessions = 0;
  for (const u of units) {
    if (u.inlined) sessions++;
    else events++;
  }
  const only = units[0];
  if (units.length === 1 && only?.item) return only.item.describe;
  if (sessions === 0) return `a batch of ${events} events`;
  return `a batch of ${events} events with ${sessions} session${sessions > 1 ? "s" : ""}`;
}

/** An inline session's creator ended with its texts ready (that is what made it inline). */
function sessionItemOf(root: Root): string {
  return sessionItem(root.start.session as SessionStart, root.end as SessionEnd);
}
