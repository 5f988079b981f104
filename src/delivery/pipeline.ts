/**
 * The delivery pipeline: between the recorder (which hands over finished, already written events
 * and session parts) and the exporter (which sends one request and retries it), in the manner of
 * OpenTelemetry's BatchSpanProcessor. This file is the pump — timers, flush waiters, the exit
 * drain, and handing requests to the exporter; the rules live in their own modules:
 *
 * - admission.ts: the byte budget (whole new roots refused past `maxQueueBytes`);
 * - session-gate.ts: HoneyHive's ordering (sessions before their events, updates after what they
 *   update, a short root's session created once and complete, riding in its events' batch);
 * - batch-queue.ts: ready events, and the next request by count and bytes;
 * - wire/bodies.ts writes every body; the exporter knows the endpoints and what statuses mean.
 *
 * Coalescing: an event after a quiet spell goes at once; while the app is busy (or requests are in
 * flight) a ready event waits at most COALESCE_MS for others (a flush waits for nothing).
 */

import { utf8ByteLength } from "../runtime/platform.js";
import { runSoon, unrefTimer } from "../runtime/timers.js";
import type { Logger } from "../util/logger.js";
import { NO_SESSION_START, type SessionEnd, sessionBody, sessionCompletionBody } from "../wire/bodies.js";
import { fitJson } from "../wire/snapshot.js";
import { ByteBudget } from "./admission.js";
import {
  BatchQueue,
  describeUnits,
  type EventRequest,
  nextEventRequest,
  oldestAt,
  partBody,
  splitRefused,
  type Unit,
} from "./batch-queue.js";
import type { DeliveryCounters, DeliveryStats, FlushResult } from "./counters.js";
import { registerExitDrain, unregisterExitDrain } from "./exit-drain.js";
import type { Exporter } from "./exporter.js";
import {
  type Item,
  newSessionState,
  type Ready,
  type Root,
  type RootHandle,
  type RootStart,
  type SessionState,
  type Text,
} from "./items.js";
import { type Creation, type Inlined, isReady, SessionGate } from "./session-gate.js";

export type { DeliveryStats, FlushResult } from "./counters.js";
export type { RootHandle, RootStart, Text } from "./items.js";

export interface PipelineOptions {
  concurrency: number;
  batchSize: number;
  maxRequestBytes: number;
  maxQueueBytes: number;
  flushTimeoutMs: number;
  /** One log line per delivered session, batch or update. */
  verbose: boolean;
  logger: Logger;
}

interface FlushWaiter {
  target: number;
  remaining: number;
  resolve: () => void;
}

/**
 * How long work may wait to be coalesced: a session's creation for its root to end (so it is
 * created once, complete), and — while the app is busy or requests are in flight — ready events
 * into fuller batches. A flush waits for nothing.
 */
const COALESCE_MS = 20;

/** A lone event refused with 413 is cut to half its size and sent again, down to this size. */
const MIN_CUT_BYTES = 16 * 1024;

/** The root of refused trees: never sent. */
const REFUSED: Root = {
  refused: true,
  session: newSessionState("", "created"),
  start: {
    sessionId: "",
    shared: false,
    managed: false,
    session: NO_SESSION_START,
  },
  end: undefined,
  completed: true,
};

export class DeliveryPipeline {
  readonly #exporter: Exporter;
  readonly #options: PipelineOptions;
  readonly #counters: DeliveryCounters;
  readonly #budget: ByteBudget;
  readonly #ready = new BatchQueue();
  readonly #gate: SessionGate;
  #incoming: Item[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #outstanding = new Set<number>();
  #flushWaiters: FlushWaiter[] = [];
  #seq = 0;
  /** When the last item was recorded (monotonic ms). */
  #lastAt = Number.NEGATIVE_INFINITY;
  #active = 0;
  #scheduled = false;
  #closed = false;
  /** Set when a flush or shutdown ran out of time: process exit must not wait again. */
  #exitBudgetSpent = false;
  readonly #onDestroy: () => Promise<void>;

  constructor(
    exporter: Exporter,
    counters: DeliveryCounters,
    options: PipelineOptions,
    onDestroy: () => Promise<void>,
  ) {
    this.#exporter = exporter;
    this.#counters = counters;
    this.#options = options;
    this.#onDestroy = onDestroy;
    this.#budget = new ByteBudget(options.maxQueueBytes, options.logger, counters);
    this.#gate = new SessionGate(this.#ready, COALESCE_MS);
  }

  // ---- the recorder's side ------------------------------------------------------------------

  /** Characters an open run's input snapshot holds (counted in the byte budget until it ends). */
  holdBytes(size: number): void {
    this.#budget.add(size);
  }

  releaseBytes(size: number): void {
    this.#budget.release(size);
  }

  /** Bytes held for a while if they fit in the budget (a media upload in progress); false: no room. */
  reserveBytes(size: number): boolean {
    return this.#budget.reserve(size);
  }

  /**
   * A root run starts. Past the byte budget it is refused whole (counted once as a dropped session;
   * the recorder counts its events with `dropEvent`). Null once shut down.
   */
  beginRoot(start: RootStart, size: number): RootHandle | null {
    if (this.#closed) return null;
    if (!this.#budget.admitRoot(size)) return REFUSED;
    return this.#gate.open(start);
  }

  /** An event of a root that was let in (never refused: a started root is kept whole). */
  event(handle: RootHandle, eventId: string, json: Text, size: number): void {
    const root = handle as Root;
    this.#gate.eventRecorded(root);
    this.#enqueue("event", root.session, json, size, `event ${eventId}`);
  }

  /** Counts an event of a refused root. */
  dropEvent(): void {
    this.#counters.dropped++;
  }

  /** The root ended: its session is completed (with its creation when nothing was sent yet). */
  endRoot(handle: RootHandle, end: Ready<SessionEnd>): void {
    const root = handle as Root;
    this.#gate.ended(root, end);
    const session = root.session;
    // The creation may still carry the completion; a marker makes sure the session gets created.
    this.#enqueue("create", session, "", 0, `session ${session.id}`);
    const max = this.#options.maxRequestBytes;
    const json = isReady(end)
      ? sessionCompletionBody(end, max)
      : end.then((e) => sessionCompletionBody(e, max));
    const item = this.#enqueue(
      "update",
      session,
      json,
      typeof json === "string" ? json.length : 0,
      `completion of session ${session.id}`,
    );
    item.targetId = session.id;
    item.root = root;
  }

  /**
   * The root's session must exist soon, not when the root ends (its id was handed to another
   * service, whose events may arrive first): its creation is requested now, on its own.
   */
  ensureSession(handle: RootHandle): void {
    const session = (handle as Root).session;
    if (session.state !== "new") return;
    this.#enqueue("create", session, "", 0, `session ${session.id}`);
  }

  /** An update of an event or session after the fact (feedback, metrics…): after what came before. */
  update(targetId: string, sessionId: string | undefined, json: string): void {
    const session = sessionId ? this.#gate.session(sessionId) : undefined;
    const item = this.#enqueue("update", session, json, json.length, `update of ${targetId}`);
    item.targetId = targetId;
  }

  // ---- flush, shutdown, exit ----------------------------------------------------------------

  stats(): DeliveryStats {
    return this.#counters.stats(this.#outstanding.size);
  }

  /** Resolves when everything enqueued before this call is settled, or at the deadline. Never rejects. */
  flush(timeoutMs: number): Promise<FlushResult> {
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
      // Ref'd on purpose: an awaited flush keeps the process alive until it is done or its deadline.
      const timer = setTimeout(() => {
        this.#flushWaiters = this.#flushWaiters.filter((w) => w !== waiter);
        this.#exitBudgetSpent = true;
        resolve({ ...this.stats(), timedOut: true });
      }, timeoutMs);
      this.#flushWaiters.push(waiter);
    });
  }

  /** Stops accepting items, flushes until the deadline, then aborts what is left. */
  async shutdown(timeoutMs: number): Promise<FlushResult> {
    this.#closed = true;
    const result = await this.flush(timeoutMs);
    unregisterExitDrain(this);
    if (result.timedOut) await this.#abortAll();
    return result;
  }

  /**
   * Process exit: one drain bounded by `flushTimeoutMs` (none when a flush already used up its
   * deadline); at the deadline hung requests are aborted and their sockets closed.
   */
  async drainBeforeExit(): Promise<void> {
    if (this.#outstanding.size === 0) return;
    if (this.#exitBudgetSpent) {
      await this.#abortAll();
      return;
    }
    const result = await this.flush(this.#options.flushTimeoutMs);
    if (result.timedOut) {
      // The one moment an app that never calls flush() can learn that something was lost.
      this.#options.logger.warn(
        `exiting with ${this.#outstanding.size} recorded item(s) not delivered: the server did not take them within flushTimeoutMs (${this.#options.flushTimeoutMs} ms). HH_VERBOSE=true shows each attempt.`,
      );
      await this.#abortAll();
    } else if (this.#outstanding.size > 0) registerExitDrain(this);
  }

  async #abortAll(): Promise<void> {
    this.#exitBudgetSpent = true;
    this.#exporter.abort();
    await this.#onDestroy();
  }

  // ---- the pump -----------------------------------------------------------------------------

  #enqueue(kind: Item["kind"], session: Item["session"], json: Text, size: number, describe: string): Item {
    const at = performance.now();
    const item: Item = {
      seq: ++this.#seq,
      at,
      busy: at - this.#lastAt < COALESCE_MS,
      kind,
      session,
      json,
      size,
      describe,
    };
    this.#lastAt = at;
    this.#outstanding.add(item.seq);
    this.#counters.queued++;
    this.#budget.add(size);
    this.#incoming.push(item);
    registerExitDrain(this);
    this.#schedule();
    return item;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    runSoon(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /** Whether work may wait a moment to be coalesced: nobody waits on a flush, no shutdown. */
  get #mayWait(): boolean {
    return this.#flushWaiters.length === 0 && !this.#closed;
  }

  /**
   * Whether the oldest ready event may wait (up to COALESCE_MS) to fill a batch: while requests are
   * in flight, and also while the app is busy (it came within COALESCE_MS of the item before it) —
   * a request costs the app's process far more CPU than the events in it (peer bench: one request
   * per traced invoke was most of the tracer's overhead). An event after a quiet spell goes at once.
   */
  #coalescing(busy: boolean | undefined): boolean {
    return this.#mayWait && (this.#active > 0 || busy === true);
  }

  /** Sorts new items into what they wait for, then fills the free connection slots. */
  #pump(): void {
    const gate = this.#gate;
    const now = performance.now();
    const mayWait = this.#mayWait;
    const incoming = this.#incoming;
    if (incoming.length) {
      this.#incoming = [];
      for (const item of incoming) this.#sort(item, now, mayWait);
    }
    let wakeIn = gate.releaseHeld(now, mayWait);
    this.#takeGateOutputs();
    const { concurrency, batchSize } = this.#options;
    while (this.#active < concurrency) {
      const creation = gate.takeCreation();
      if (creation) {
        this.#create(creation);
        continue;
      }
      if (this.#ready.size > 0 || gate.inline.length > 0) {
        // The oldest waiting item decides: an inline session, or the head of the ready events.
        const head = this.#ready.peek();
        const first = gate.inline[0];
        const useInline = first !== undefined && (head === undefined || first.inlineAt < head.at);
        const at = useInline ? first.inlineAt : (head as Item).at;
        const busy = useInline ? first.inlineBusy : head?.busy;
        const waited = now - at;
        if (!this.#coalescing(busy) || gate.waitingItems(batchSize) >= batchSize || waited >= COALESCE_MS) {
          const request = nextEventRequest(gate, this.#ready, this.#options);
          if (request) this.#sendEvents(request);
          continue;
        }
        wakeIn = Math.min(wakeIn, COALESCE_MS - waited);
      }
      const update = gate.updates.shift();
      if (update) {
        this.#sendUpdate(update);
        continue;
      }
      break;
    }
    if (wakeIn !== Number.POSITIVE_INFINITY && !this.#timer) {
      // Unref'd: a pending flush or exit drain is what keeps the process alive, and neither waits.
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined;
          this.#pump();
        },
        Math.max(1, wakeIn),
      );
      unrefTimer(this.#timer);
    }
  }

  #sort(item: Item, now: number, mayWait: boolean): void {
    if (typeof item.json !== "string") {
      // Still being masked: it joins again when its text is ready (masks are bounded in time).
      void item.json.then((json) => {
        item.json = json;
        this.#incoming.push(item);
        this.#schedule();
      });
      return;
    }
    this.#gate.sort(item, now, mayWait);
  }

  /** What the gate settled without a request, and creations waiting for masked start texts. */
  #takeGateOutputs(): void {
    const gate = this.#gate;
    if (gate.settled.length) {
      const settled = gate.settled;
      gate.settled = [];
      this.#settle(settled, undefined);
    }
    if (gate.awaitingStart.length) {
      for (const session of gate.awaitingStart) {
        const start = session.creator?.start;
        if (!start) continue;
        void Promise.resolve(start.session).then((texts) => {
          start.session = texts;
          gate.startReady(session, performance.now());
          this.#schedule();
        });
      }
      gate.awaitingStart = [];
    }
  }

  /**
   * POST /v1/sessions. A creator root that already ended is sent complete, so it needs no PUT;
   * a shared session (thread, fixed id) is completed by PUT, since a repeat POST changes nothing.
   */
  #create({ session, root, start, end }: Creation): void {
    if (!root || !start) {
      this.#gate.created(session, root, false);
      this.#afterGate();
      return;
    }
    const json = sessionBody(start, end, this.#options.maxRequestBytes);
    const describe = `session ${session.id}`;
    this.#active++;
    void this.#exporter
      .export({ endpoint: { kind: "session" }, json, describe, recordedAt: performance.now() })
      .then(({ outcome }) => {
        if (outcome === "sent") {
          this.#counters.sent++;
          if (this.#options.verbose)
            this.#options.logger.info(`delivered ${describe}${end ? " (complete)" : ""}`);
        } else this.#counters.failed++;
        this.#gate.created(session, root, outcome === "sent");
        this.#afterGate();
      })
      .finally(() => {
        this.#active--;
        this.#pump();
      });
  }

  /** `PUT /v1/events/{id}`: an enrichment, or a session's completion. */
  #sendUpdate(update: Item): void {
    this.#active++;
    this.#counters.queued--;
    const describe = update.describe;
    void this.#exporter
      .export({
        endpoint: { kind: "update", id: update.targetId ?? "" },
        json: update.json as string,
        describe,
        recordedAt: update.at,
      })
      .then(({ outcome }) => {
        if (outcome === "sent" && this.#options.verbose) this.#options.logger.info(`delivered ${describe}`);
        this.#settle([update], outcome === "refused" ? "failed" : outcome);
        this.#afterGate();
      })
      .finally(() => {
        this.#active--;
        this.#pump();
      });
  }

  #sendEvents(request: EventRequest): void {
    this.#active++;
    this.#counters.queued -= request.items.length;
    void this.#deliver(request.units).finally(() => {
      this.#active--;
      this.#pump();
    });
  }

  /**
   * Sends the units of one request, part after part, in order (so a session goes before its
   * events). Batching never widens a failure: a part the server refuses for its content is split —
   * at the item it names, else in halves — until what it refuses is isolated; only that is
   * dropped (reported once, by the exporter, with the server's message). A 413 splits too, and a
   * lone event too big for the server is cut to half its size and sent again. A session item
   * refused alone is created with `POST /v1/sessions` instead, from now on for every session.
   */
  async #deliver(units: Unit[]): Promise<void> {
    const parts: Unit[][] = [units];
    /** Sessions whose item was refused: their events in later parts wait for the classic creation. */
    let reparked: Set<SessionState> | undefined;
    let split = false;
    for (let part = parts.shift(); part !== undefined; part = parts.shift()) {
      const skip = reparked;
      if (skip) part = part.filter((u) => !skip.has((u.inlined?.session ?? u.item?.session) as SessionState));
      if (part.length === 0) continue;
      const { kind, json } = partBody(part);
      const describe = describeUnits(part);
      const request = { endpoint: { kind }, json, describe, splittable: true, recordedAt: oldestAt(part) };
      const result = await this.#exporter.export(request);
      if (result.outcome !== "refused") {
        this.#partDone(part, result.outcome, describe);
        continue;
      }
      if (part.length > 1) {
        parts.unshift(...splitRefused(part, result.index, !split));
        split = true;
        continue;
      }
      const only = part[0] as Unit;
      if (only.inlined) {
        reparked ??= new Set();
        this.#sessionItemRefused(only.inlined, parts, reparked);
        continue;
      }
      if (result.status === 413 && only.bytes > MIN_CUT_BYTES) {
        only.json = fitJson(only.json, Math.floor(only.bytes / 2));
        only.bytes = utf8ByteLength(only.json);
        parts.unshift([only]);
        continue;
      }
      this.#exporter.reportRefused(request, result.status, result.message);
      this.#partDone(part, "failed", describe);
    }
  }

  /** A part of a request ended: its sessions exist (or were given up on), its events are settled. */
  #partDone(part: Unit[], outcome: "sent" | "failed" | "aborted", describe: string): void {
    if (outcome === "sent" && this.#options.verbose) this.#options.logger.info(`delivered ${describe}`);
    const items: Item[] = [];
    for (const unit of part) {
      if (unit.item) items.push(unit.item);
      else if (unit.inlined) {
        if (outcome === "sent") this.#counters.sent++;
        else this.#counters.failed++;
        this.#gate.created(unit.inlined.session, unit.inlined.root, outcome === "sent");
      }
    }
    this.#settle(items, outcome);
    this.#afterGate();
  }

  /**
   * The server refused a session item alone: that session, and every other one still to go in this
   * request, is created the classic way; their events wait for that. Adds them to `reparked`.
   */
  #sessionItemRefused(refused: Inlined, later: Unit[][], reparked: Set<SessionState>): void {
    // Not a warning: nothing is lost.
    this.#options.logger.debug(
      `the server refused session ${refused.session.id} as an item of a batch: it is created with POST /v1/sessions, and so are sessions from now on`,
    );
    const sessions = [refused];
    for (const part of later) for (const u of part) if (u.inlined) sessions.push(u.inlined);
    for (const inlined of sessions) {
      const events: Item[] = [];
      for (const part of later)
        for (const u of part) if (u.item && u.item.session === inlined.session) events.push(u.item);
      this.#gate.sessionItemRefused(inlined, events);
      reparked.add(inlined.session);
      // Back to waiting: they were counted as handed to the network.
      this.#counters.queued += events.length;
    }
    this.#schedule();
  }

  /** The gate may have released items: settle what it settled, and let the pump send the rest. */
  #afterGate(): void {
    this.#takeGateOutputs();
    this.#schedule();
  }

  /** Items are done (sent, failed for good, or settled without a request of their own). */
  #settle(items: Item[], outcome: "sent" | "failed" | "aborted" | undefined): void {
    const counters = this.#counters;
    for (const item of items) {
      if (!this.#outstanding.delete(item.seq)) continue;
      if (outcome === undefined) counters.queued--;
      else if (outcome === "sent") counters.sent++;
      else counters.failed++;
      this.#budget.release(item.size);
      const session = item.session;
      if (session) {
        if (item.kind === "event") this.#gate.eventSettled(session);
        // Whatever settled last lets the session's state go (a thread's session included).
        this.#gate.forget(session);
      }
      item.json = "";
      for (const w of this.#flushWaiters) if (item.seq <= w.target) w.remaining--;
    }
    if (this.#gate.settled.length) this.#takeGateOutputs();
    if (this.#outstanding.size === 0) unregisterExitDrain(this);
    if (this.#flushWaiters.length === 0) return;
    const done = this.#flushWaiters.filter((w) => w.remaining <= 0);
    if (done.length === 0) return;
    this.#flushWaiters = this.#flushWaiters.filter((w) => w.remaining > 0);
    for (const w of done) w.resolve();
  }
}
