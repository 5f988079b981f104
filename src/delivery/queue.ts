/**
 * The delivery queue: the bounded buffer between the handler and the exporter, in the manner of
 * OpenTelemetry's BatchSpanProcessor. The handler only ever calls `enqueue` (synchronous, O(1),
 * never blocks, never throws); serialization, batching, ordering and retries happen here, off
 * LangChain's callback path.
 *
 * Ordering rule: a session is created before any of its events are sent, and an event before any
 * update of it. Items are taken in FIFO order and what an item needs is always enqueued before it,
 * so an item only has to wait for requests already dispatched ahead of it.
 */
import type { Dict } from "../mapping/langchain-objects.js";
import { onBeforeExit } from "../runtime/exit-hook.js";
import { utf8ByteLength } from "../runtime/platform.js";
import { runSoon } from "../runtime/timers.js";
import type { Logger } from "../util/logger.js";
import { PostEventRequest, StartSessionRequest, UpdateEventRequest } from "../wire/contract.js";
import { type BodyTransform, jsonSafeBody, type PrepareOptions, prepareBody } from "../wire/prepare.js";
import type { Exporter, ExportOutcome, ExportRequest } from "./exporter.js";

export type DeliveryItem =
  | { kind: "session"; sessionId: string; body: Dict }
  | { kind: "event"; sessionId: string; eventId: string; body: Dict }
  | { kind: "update"; targetId: string; sessionId: string | undefined; body: Dict };

export interface DeliveryStats {
  /** Items waiting to be sent. */
  queued: number;
  /** Items being sent or waiting between retries. */
  inFlight: number;
  sent: number;
  retried: number;
  failed: number;
  dropped: number;
}

export interface FlushResult extends DeliveryStats {
  /** True when the deadline passed before everything recorded so far was settled. */
  timedOut: boolean;
}

export interface DeliveryQueueOptions extends PrepareOptions {
  /** Applied to each JSON-safe body before it is sized and sent (privacy masking). */
  transform?: BodyTransform;
  maxQueueSize: number;
  maxQueueBytes: number;
  concurrency: number;
  batch: boolean;
  batchSize: number;
  logger: Logger;
  onError: (error: Error) => void;
}

interface Entry {
  seq: number;
  item: DeliveryItem;
}

interface FlushWaiter {
  /** Items with a seq up to this one must settle. */
  target: number;
  /** How many of them are still outstanding. */
  remaining: number;
  resolve: () => void;
}

const liveQueues = new Set<DeliveryQueue>();
let exitHookInstalled = false;

/**
 * A script that runs a chain and returns must still deliver its events without calling flush().
 * Requests in flight keep Node alive by themselves; what can be left is an item waiting between
 * retries (its timer is unref'd so a dead server cannot hold the process forever). On
 * `beforeExit` each queue with work left gets one bounded flush.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A no-op in Workers and Edge routes, which have no exit: there the app passes flush() to waitUntil.
  onBeforeExit(() => {
    for (const queue of liveQueues) queue.drainBeforeExit();
  });
}

export class DeliveryQueue {
  readonly #exporter: Exporter;
  readonly #options: DeliveryQueueOptions;
  readonly #exitTimeoutMs: number;
  #waiting: Entry[] = [];
  #head = 0;
  /** Seqs enqueued and not yet settled. Only ever probed, never iterated (see GenerationalMap on why). */
  readonly #outstanding = new Set<number>();
  /** Ids (sessions, events) whose create request is on its way; later items that need them wait. */
  readonly #pending = new Map<string, Promise<void>>();
  #flushWaiters: FlushWaiter[] = [];
  #seq = 0;
  #active = 0;
  #bytes = 0;
  #scheduled = false;
  #closed = false;
  #exitDrained = false;
  #dropWarned = false;
  #sent = 0;
  #retried = 0;
  #failed = 0;
  #dropped = 0;

  constructor(exporter: Exporter, options: DeliveryQueueOptions, exitTimeoutMs: number) {
    this.#exporter = exporter;
    this.#options = options;
    this.#exitTimeoutMs = exitTimeoutMs;
    installExitHook();
  }

  /** Called by the exporter for each retry, so `stats()` can show it. */
  countRetry(): void {
    this.#retried++;
  }

  /** Adds an item. Never blocks: past the bound the item is dropped and counted. */
  enqueue(item: DeliveryItem): boolean {
    if (this.#closed) return false;
    if (this.#outstanding.size >= this.#options.maxQueueSize) {
      this.#drop(`the queue holds ${this.#options.maxQueueSize} items (maxQueueSize)`);
      return false;
    }
    const seq = ++this.#seq;
    this.#waiting.push({ seq, item });
    this.#outstanding.add(seq);
    // Registered only while it has work: an idle queue (say, of a handler created per request and
    // already flushed) must not be kept alive by the exit hook's registry.
    liveQueues.add(this);
    this.#schedule();
    return true;
  }

  stats(): DeliveryStats {
    const queued = this.#waiting.length - this.#head;
    return {
      queued,
      inFlight: this.#outstanding.size - queued,
      sent: this.#sent,
      retried: this.#retried,
      failed: this.#failed,
      dropped: this.#dropped,
    };
  }

  /** Resolves when every item enqueued before this call is settled, or at the deadline. Never rejects. */
  flush(timeoutMs: number): Promise<FlushResult> {
    // Every outstanding item was enqueued before this call, so all of them must settle.
    const remaining = this.#outstanding.size;
    if (remaining === 0) return Promise.resolve({ ...this.stats(), timedOut: false });
    this.#schedule();
    return new Promise((resolve) => {
      const waiter: FlushWaiter = {
        target: this.#seq,
        remaining,
        resolve: () => {
          clearTimeout(timer);
          resolve({ ...this.stats(), timedOut: false });
        },
      };
      // This timer is deliberately ref'd: an awaited flush keeps the process alive until its deadline.
      const timer = setTimeout(() => {
        this.#flushWaiters = this.#flushWaiters.filter((w) => w !== waiter);
        resolve({ ...this.stats(), timedOut: true });
      }, timeoutMs);
      this.#flushWaiters.push(waiter);
    });
  }

  /** Stops accepting items, flushes until the deadline, then abandons what is left. */
  async shutdown(timeoutMs: number): Promise<FlushResult> {
    this.#closed = true;
    const result = await this.flush(timeoutMs);
    liveQueues.delete(this);
    if (result.timedOut) this.#exporter.abort();
    return result;
  }

  drainBeforeExit(): void {
    if (this.#exitDrained || this.#outstanding.size === 0) return;
    this.#exitDrained = true;
    void this.flush(this.#exitTimeoutMs);
  }

  #drop(why: string): void {
    this.#dropped++;
    if (!this.#dropWarned) {
      this.#dropWarned = true;
      this.#options.logger.warn(`dropping events: ${why}. stats().dropped counts them; this is said once.`);
    }
  }

  #settle(seq: number): void {
    if (!this.#outstanding.delete(seq)) return;
    if (this.#outstanding.size === 0) liveQueues.delete(this);
    if (this.#flushWaiters.length === 0) return;
    const ready: FlushWaiter[] = [];
    for (const w of this.#flushWaiters) {
      if (seq > w.target) continue;
      w.remaining--;
      if (w.remaining === 0) ready.push(w);
    }
    if (ready.length === 0) return;
    this.#flushWaiters = this.#flushWaiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    runSoon(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #take(): Entry | undefined {
    if (this.#head >= this.#waiting.length) return undefined;
    const entry = this.#waiting[this.#head++];
    // Taken entries must not stay reachable (they hold the run's inputs and outputs): empty the
    // array once drained, and compact now and then while it is not.
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  #pump(): void {
    const { batch, batchSize, concurrency } = this.#options;
    while (this.#active < concurrency) {
      const first = this.#take();
      if (!first) return;
      if (!batch || first.item.kind !== "event") {
        this.#start([first]);
        continue;
      }
      // Batch mode: gather the events waiting behind this one, also past the session starts and
      // updates between them (each root brings one of each). Session starts are dispatched before
      // the batch and updates after it, so whatever an item needs is already registered as
      // pending when it is dispatched. These few extra requests may exceed `concurrency` here;
      // the undici pool still opens at most `concurrency` connections and queues the rest.
      const events = [first];
      const updates: Entry[] = [];
      while (events.length < batchSize) {
        const next = this.#take();
        if (!next) break;
        if (next.item.kind === "event") events.push(next);
        else if (next.item.kind === "session") this.#start([next]);
        else updates.push(next);
      }
      this.#start(events);
      for (const update of updates) this.#start([update]);
    }
  }

  #start(entries: Entry[]): void {
    this.#active++;
    void this.#process(entries).finally(() => {
      this.#active--;
      this.#pump();
    });
  }

  /**
   * Sends one item, or one batch of events. What these items create (a session, an event) is
   * registered as "pending" before the first await, so anything queued after them — an event of
   * that session, an update of that event — waits for this send to settle first.
   */
  async #process(entries: Entry[]): Promise<void> {
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const created = entries.map((e) => createdId(e.item)).filter((id): id is string => id !== undefined);
    for (const id of created) this.#pending.set(id, settled);
    let bytes = 0;
    try {
      const waits = entries
        .flatMap((e) => dependencies(e.item))
        .map((id) => this.#pending.get(id))
        .filter((p): p is Promise<void> => p !== undefined && p !== settled);
      if (waits.length) await Promise.all(waits);

      const prepared: { entry: Entry; json: string; bytes: number }[] = [];
      const transform = this.#options.transform;
      for (const entry of entries) {
        const body = transform
          ? await transform(jsonSafeBody(entry.item.body, this.#options))
          : entry.item.body;
        const p = this.#prepare(entry, body);
        if (p) prepared.push({ entry, ...p });
      }
      for (const p of prepared) bytes += p.bytes;
      this.#bytes += bytes;

      const first = prepared[0];
      if (!first) return;
      if (!this.#options.batch || first.entry.item.kind !== "event") {
        await this.#send([first.entry], requestFor(first.entry.item, first.json));
        return;
      }
      // Batches: each event was prepared alone (its own truncation and contract check); pack
      // them into requests that stay under maxRequestBytes.
      const envelope = utf8ByteLength('{"events":[]}');
      let group: typeof prepared = [];
      let groupBytes = envelope;
      const flushGroup = async (): Promise<void> => {
        if (group.length === 0) return;
        const json = `{"events":[${group.map((g) => g.json).join(",")}]}`;
        const request: ExportRequest = {
          method: "POST",
          path: "/v1/events/batch",
          json,
          describe: `a batch of ${group.length} events`,
        };
        const entriesOfGroup = group.map((g) => g.entry);
        group = [];
        groupBytes = envelope;
        await this.#send(entriesOfGroup, request);
      };
      for (const p of prepared) {
        if (group.length > 0 && groupBytes + p.bytes + 1 > this.#options.maxRequestBytes) await flushGroup();
        group.push(p);
        groupBytes += p.bytes + 1;
      }
      await flushGroup();
    } catch (error) {
      // Nothing in here throws by design; if something does, the items fail and the queue goes on.
      this.#options.onError(error instanceof Error ? error : new Error(String(error)));
      for (const e of entries) {
        if (this.#outstanding.has(e.seq)) {
          this.#failed++;
          this.#settle(e.seq);
        }
      }
    } finally {
      this.#bytes -= bytes;
      settle();
      for (const id of created) if (this.#pending.get(id) === settled) this.#pending.delete(id);
    }
  }

  #prepare(entry: Entry, body: Dict): { json: string; bytes: number } | undefined {
    const { item } = entry;
    const schema =
      item.kind === "session"
        ? StartSessionRequest
        : item.kind === "event"
          ? PostEventRequest
          : UpdateEventRequest;
    const prepared = prepareBody(schema, body, this.#options);
    if (!prepared.ok) {
      // Only a bug in the handler's mapping gets here: report it, do not send a body HoneyHive would reject.
      const error = new Error(
        `internal: ${describeItem(item)} does not match HoneyHive's schema: ${prepared.reason}`,
      );
      this.#options.logger.error(error.message);
      this.#options.onError(error);
      this.#failed++;
      this.#settle(entry.seq);
      return undefined;
    }
    if (this.#bytes + prepared.bytes > this.#options.maxQueueBytes) {
      this.#drop(`${this.#bytes} bytes are waiting to be sent (maxQueueBytes)`);
      this.#settle(entry.seq);
      return undefined;
    }
    return { json: prepared.json, bytes: prepared.bytes };
  }

  async #send(entries: Entry[], request: ExportRequest): Promise<void> {
    const outcome: ExportOutcome = await this.#exporter.export(request);
    if (outcome === "sent") this.#sent += entries.length;
    else this.#failed += entries.length;
    for (const e of entries) this.#settle(e.seq);
  }
}

/** The id an item creates on the server, which later items may depend on. */
function createdId(item: DeliveryItem): string | undefined {
  if (item.kind === "session") return item.sessionId;
  if (item.kind === "event") return item.eventId;
  return undefined;
}

/** Ids that must exist on the server before this item is sent. */
function dependencies(item: DeliveryItem): string[] {
  if (item.kind === "event") return [item.sessionId];
  if (item.kind === "update") return item.sessionId ? [item.sessionId, item.targetId] : [item.targetId];
  return [];
}

function requestFor(item: DeliveryItem, json: string): ExportRequest {
  const describe = describeItem(item);
  if (item.kind === "session") return { method: "POST", path: "/v1/sessions", json, describe };
  if (item.kind === "event") return { method: "POST", path: "/v1/events", json, describe };
  return { method: "PUT", path: `/v1/events/${encodeURIComponent(item.targetId)}`, json, describe };
}

function describeItem(item: DeliveryItem): string {
  switch (item.kind) {
    case "session":
      return `session ${item.sessionId}`;
    case "event":
      return `event ${item.eventId}`;
    case "update":
      return `update of ${item.targetId}`;
  }
}
