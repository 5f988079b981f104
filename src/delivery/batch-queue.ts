/**
 * The batch queue: events that may be sent, in order, and how the next request for events is
 * put together from them and from the complete sessions waiting to ride along — by count and by
 * characters, a session never split from its events.
 */
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

/** One request for events: a lone event (`POST /v1/events`), or a batch (`POST /v1/events/batch`). */
export type EventRequest =
  | { kind: "event"; items: Item[]; json: string; describe: string; inlined: [] }
  | { kind: "batch"; items: Item[]; json: string; describe: string; inlined: Inlined[] };

/**
 * The next request for events: inline sessions first (each with its parked events), then ready
 * events, up to `batchSize` items and `maxRequestBytes` characters. Undefined when the session at
 * the head is too big to ride along even alone: it was handed to the classic creation instead.
 */
export function nextEventRequest(
  gate: SessionGate,
  queue: BatchQueue,
  { batchSize, maxRequestBytes }: BatchLimits,
): EventRequest | undefined {
  const items: Item[] = [];
  const parts: string[] = [];
  const inlined: Inlined[] = [];
  let size = BATCH_ENVELOPE_LENGTH;
  for (let session = gate.inline[0]; session !== undefined; session = gate.inline[0]) {
    const root = session.creator;
    if (!root) break;
    let groupSize = 0;
    for (const e of session.parked) groupSize += (e.json as string).length + 1;
    const itemJson = sessionItemOf(root);
    groupSize += itemJson.length + 1;
    const groupCount = 1 + session.parked.length;
    if (parts.length + groupCount > batchSize || size + groupSize > maxRequestBytes) {
      if (parts.length > 0) break;
      // Too big to ride along even alone: created on its own (POST /v1/sessions fits any size).
      gate.inlineToClassic();
      return undefined;
    }
    const taken = gate.takeInline();
    inlined.push(taken);
    parts.push(itemJson);
    for (const e of taken.events) {
      parts.push(e.json as string);
      items.push(e);
    }
    size += groupSize;
  }
  while (parts.length < batchSize && queue.size > 0) {
    const next = queue.peek() as Item;
    const add = (next.json as string).length + 1;
    // The first item always goes (every event alone fits a request: it was cut to size).
    if (parts.length > 0 && size + add > maxRequestBytes) break;
    queue.take();
    parts.push(next.json as string);
    items.push(next);
    size += add;
  }
  if (inlined.length === 0 && items.length === 1) {
    const only = items[0] as Item;
    return { kind: "event", items, json: parts[0] as string, describe: only.describe, inlined: [] };
  }
  const describe =
    inlined.length > 0
      ? `a batch of ${items.length} events with ${inlined.length} session${inlined.length > 1 ? "s" : ""}`
      : `a batch of ${parts.length} events`;
  return { kind: "batch", items, json: batchBody(parts), describe, inlined };
}

/** An inline session's creator ended with its texts ready (that is what made it inline). */
function sessionItemOf(root: Root): string {
  return sessionItem(root.start.session as SessionStart, root.end as SessionEnd);
}
