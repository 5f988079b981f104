/**
 * The delivery pipeline: what sits between the recorder (which hands over finished, already
 * serialized events) and the exporter (which sends one request and retries it). In the manner of
 * OpenTelemetry's BatchSpanProcessor, with HoneyHive's ordering rule on top:
 *
 * - A session is created (`POST /v1/sessions`) before any of its events is sent, and a session or
 *   event is updated (`PUT /v1/events/{id}`) only after the events enqueued before the update were
 *   settled. Items waiting for that sit in per-session lists and hold no connection slot.
 * - Coalescing: an event after a quiet spell goes at once; while the app is busy (or requests are
 *   in flight) a ready event waits at most COALESCE_MS for others (a flush waits for nothing).
 *   Alone it goes as `POST /v1/events`, with others as `POST /v1/events/batch` by count and bytes.
 * - A root whose run ended before anything of its session was sent creates its session once,
 *   complete (outputs, end time); a long root creates it early and completes it with a PUT.
 * - Such a complete single-root session rides in the batch that carries its events, as their first
 *   item (`event_type: "session"`, HoneyHive's own model of a session: an event at the root of the
 *   tree), never split from them: one request per batch instead of one more per root. Sessions that
 *   may span roots (threads, fixed ids) and long roots use `POST /v1/sessions`, whose idempotent
 *   merge multi-turn needs. A server that refuses a session in a batch gets the same content again
 *   the classic way, and `POST /v1/sessions` from then on.
 * - Memory is bounded by characters of serialized JSON (≈ bytes), counted from the moment of
 *   recording: past `maxQueueBytes`, whole new roots are refused (the recorder records nothing of
 *   them); the rest of a started root and every completion are always accepted.
 */

import { runSoon, unrefTimer } from "../runtime/timers.js";
import type { Logger } from "../util/logger.js";
import { fitJson } from "../wire/snapshot.js";
import { registerExitDrain, unregisterExitDrain } from "./exit-drain.js";
import type { Exporter, ExportRequest } from "./exporter.js";

/** JSON text, or JSON text still being produced (an async mask). Never rejects. */
export type Text = string | Promise<string>;

export interface DeliveryStats {
  /** Items recorded and not yet handed to the network. */
  queued: number;
  /** Items being sent or waiting between retries. */
  inFlight: number;
  /** Items (events, sessions, updates) the server accepted. */
  sent: number;
  retried: number;
  failed: number;
  /** Events not recorded because their root was refused (over `maxQueueBytes`). */
  dropped: number;
  /** Roots (whole sessions or turns) refused because `maxQueueBytes` was reached. */
  droppedSessions: number;
}

export interface FlushResult extends DeliveryStats {
  /** True when the deadline passed before everything recorded so far was settled. */
  timedOut: boolean;
}

export interface PipelineOptions {
  concurrency: number;
  batchSize: number;
  maxRequestBytes: number;
  maxQueueBytes: number;
  flushTimeoutMs: number;
  /** One log line per delivered session, batch or update. */
  verbose: boolean;
  logger: Logger;
  onError: (error: Error) => void;
}

/** What the recorder knows of a root run when it starts: its session's start fields as JSON text. */
export interface RootStart {
  sessionId: string;
  /** The session may span several roots (a thread or fixed session id): no duration, completion by PUT. */
  shared: boolean;
  /** False when the session belongs to the app (linked into an existing trace): never created or completed here. */
  managed: boolean;
  /** The session's name as JSON text (`session_name`, or `event_name` of a session event). */
  name: string;
  /** `"source":…,"start_time":…,"inputs":…` and the other start fields, as JSON members. */
  startMembers: Text;
}

export interface RootEnd {
  /** `"outputs":…,"end_time":…` (and `duration` / `metadata` when they apply), as JSON members. */
  members: Text;
}

interface Session {
  id: string;
  state: "new" | "creating" | "created";
  /** The root that creates the session (the first one this process saw), while it is open or unsent. */
  creator: Root | undefined;
  /** Events waiting for the session to exist. */
  parked: Entry[];
  /** Updates waiting for the session's events to settle. */
  parkedUpdates: Entry[];
  /** Entries settled when the session exists (create markers). */
  createWaiters: Entry[];
  /** Events of this session enqueued and not yet settled. */
  pending: number;
  /** When its creation was first held back waiting for the creator root to end (0: not held). */
  heldSince: number;
  /** Waiting to ride in a batch with its events: since when, and whether the app was busy then. */
  inlineAt: number;
  inlineBusy: boolean;
}

/** A session sent inside a batch: what the classic creation needs if the server refuses it. */
interface Inlined {
  session: Session;
  root: Root;
  startMembers: string;
  endMembers: string;
  events: Entry[];
}

export interface Root {
  /** Refused for memory: nothing of it is recorded; its events are only counted. */
  refused: boolean;
  session: Session;
  start: RootStart;
  end: RootEnd | undefined;
  /** Its completion went out with the session's creation (no PUT needed). */
  completed: boolean;
}

interface Entry {
  seq: number;
  /** When it was recorded (monotonic ms). */
  at: number;
  /** Recorded within COALESCE_MS of the item before it: the app is busy, so it may wait for company. */
  busy?: boolean;
  kind: "event" | "update" | "create";
  session: Session | undefined;
  json: Text;
  /** Characters counted in the byte bound. */
  size: number;
  /** For updates. */
  targetId?: string;
  /** For a root's completion: settled without a request when the session's creation carried it. */
  root?: Root;
  describe: string;
}

interface FlushWaiter {
  target: number;
  remaining: number;
  resolve: () => void;
}

function newSession(id: string, state: Session["state"]): Session {
  return {
    id,
    state,
    creator: undefined,
    parked: [],
    parkedUpdates: [],
    createWaiters: [],
    pending: 0,
    heldSince: 0,
    inlineAt: 0,
    inlineBusy: false,
  };
}

/**
 * Whether this root's session can be created complete, with no PUT after: the root ended (its
 * completion text is ready) and the session is its own (a shared one may gain turns).
 */
function createdComplete(root: Root): boolean {
  return !root.start.shared && typeof root.end?.members === "string";
}

/** The session of refused roots: never sent. */
const REFUSED = newSession("", "created");

/**
 * How long work may wait to be coalesced: a session's creation for its root to end (so it is
 * created once, complete), and — while requests are in flight — ready events into fuller batches.
 * A flush waits for nothing.
 */
const COALESCE_MS = 20;

const BATCH_ENVELOPE = '{"events":[]}'.length;

export class DeliveryPipeline {
  readonly #exporter: Exporter;
  readonly #options: PipelineOptions;
  readonly #sessions = new Map<string, Session>();
  /** Shared sessions this process has created (bounded): later turns only complete them. */
  readonly #createdShared = new Set<string>();
  #incoming: Entry[] = [];
  #ready: Entry[] = [];
  #readyHead = 0;
  #updates: Entry[] = [];
  #creates: Session[] = [];
  /** Complete single-root sessions waiting to ride in the next batch with their events. */
  #inline: Session[] = [];
  /** Cleared for good when the server refuses a session inside a batch. */
  #inlineSessions = true;
  /** Sessions whose creation is held back for their root to end (see COALESCE_MS). */
  #held: Session[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #outstanding = new Set<number>();
  #flushWaiters: FlushWaiter[] = [];
  #seq = 0;
  /** When the last item was recorded (monotonic ms). */
  #lastAt = Number.NEGATIVE_INFINITY;
  #active = 0;
  #bytes = 0;
  #scheduled = false;
  #closed = false;
  #dropWarned = false;
  /** Set when a flush or shutdown ran out of time: process exit must not wait again. */
  #exitBudgetSpent = false;
  #queuedCount = 0;
  #sent = 0;
  #retried = 0;
  #failed = 0;
  #dropped = 0;
  #droppedSessions = 0;
  readonly #onDestroy: () => Promise<void>;

  constructor(exporter: Exporter, options: PipelineOptions, onDestroy: () => Promise<void>) {
    this.#exporter = exporter;
    this.#options = options;
    this.#onDestroy = onDestroy;
  }

  countRetry(): void {
    this.#retried++;
  }

  // ---- the recorder's side ------------------------------------------------------------------

  /** Characters recorded and not yet settled (open runs' snapshots included). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Counts (or, negative, releases) characters the recorder holds for open runs. */
  hold(size: number): void {
    this.#bytes += size;
  }

  /**
   * A root run starts. Past the byte bound it is refused whole (counted once as a dropped session;
   * the recorder counts its events with `dropEvent`).
   */
  beginRoot(start: RootStart, size: number): Root | null {
    if (this.#closed) return null;
    if (this.#bytes + size > this.#options.maxQueueBytes) {
      this.#droppedSessions++;
      if (!this.#dropWarned) {
        this.#dropWarned = true;
        this.#options.logger.warn(
          `dropping new sessions: ${this.#bytes} characters of events are waiting to be sent (maxQueueBytes ${this.#options.maxQueueBytes}). ` +
            "Sessions already started are kept whole; stats().droppedSessions counts the rest. This is said once.",
        );
      }
      return { refused: true, session: REFUSED, start, end: undefined, completed: true };
    }
    let session = this.#sessions.get(start.sessionId);
    if (!session) {
      const known = !start.managed || (start.shared && this.#createdShared.has(start.sessionId));
      session = newSession(start.sessionId, known ? "created" : "new");
      this.#sessions.set(session.id, session);
    }
    const root: Root = { refused: false, session, start, end: undefined, completed: false };
    if (session.state === "new" && !session.creator) session.creator = root;
    return root;
  }

  /** An event of a root that was let in (never refused: a started root is kept whole). */
  event(root: Root, eventId: string, json: Text, size: number): void {
    root.session.pending++;
    this.#enqueue({
      seq: 0,
      at: 0,
      kind: "event",
      session: root.session,
      json,
      size,
      describe: `event ${eventId}`,
    });
  }

  /** Counts an event of a refused root. */
  dropEvent(): void {
    this.#dropped++;
  }

  /** The root ended: its session is completed (with its creation when nothing was sent yet). */
  endRoot(root: Root, end: RootEnd): void {
    root.end = end;
    const session = root.session;
    // The creation may still carry the completion; a marker makes sure the session gets created.
    this.#enqueue({
      seq: 0,
      at: 0,
      kind: "create",
      session,
      json: "",
      size: 0,
      describe: `session ${session.id}`,
    });
    this.#enqueue({
      seq: 0,
      at: 0,
      kind: "update",
      session,
      json: typeof end.members === "string" ? `{${end.members}}` : end.members.then((m) => `{${m}}`),
      size: typeof end.members === "string" ? end.members.length : 0,
      targetId: session.id,
      describe: `completion of session ${session.id}`,
      root,
    });
  }

  /** An update of an event or session after the fact (feedback, metrics…): after what came before. */
  update(targetId: string, sessionId: string | undefined, json: Text): void {
    const session = sessionId ? this.#sessions.get(sessionId) : undefined;
    const size = typeof json === "string" ? json.length : 0;
    this.#enqueue({
      seq: 0,
      at: 0,
      kind: "update",
      session,
      json,
      size,
      targetId,
      describe: `update of ${targetId}`,
    });
  }

  // ---- flush, shutdown, exit ----------------------------------------------------------------

  stats(): DeliveryStats {
    return {
      queued: this.#queuedCount,
      inFlight: this.#outstanding.size - this.#queuedCount,
      sent: this.#sent,
      retried: this.#retried,
      failed: this.#failed,
      dropped: this.#dropped,
      droppedSessions: this.#droppedSessions,
    };
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

  #enqueue(entry: Entry): void {
    entry.seq = ++this.#seq;
    entry.at = performance.now();
    entry.busy = entry.at - this.#lastAt < COALESCE_MS;
    this.#lastAt = entry.at;
    this.#outstanding.add(entry.seq);
    this.#queuedCount++;
    this.#bytes += entry.size;
    this.#incoming.push(entry);
    registerExitDrain(this);
    this.#schedule();
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

  /** Sorts new entries into the lists they wait in, then fills the free connection slots. */
  #pump(): void {
    const incoming = this.#incoming;
    if (incoming.length) {
      this.#incoming = [];
      for (const entry of incoming) this.#sort(entry);
    }
    const now = performance.now();
    let wakeIn = Number.POSITIVE_INFINITY;
    if (this.#held.length) {
      const still: Session[] = [];
      for (const s of this.#held) {
        if (s.state !== "new") continue;
        const waited = now - s.heldSince;
        if (!s.creator || s.creator.end || waited >= COALESCE_MS || !this.#mayWait) this.#requestCreation(s);
        else {
          still.push(s);
          wakeIn = Math.min(wakeIn, COALESCE_MS - waited);
        }
      }
      this.#held = still;
    }
    const { concurrency, batchSize } = this.#options;
    while (this.#active < concurrency) {
      const session = this.#creates.shift();
      if (session) {
        this.#create(session);
        continue;
      }
      const readyCount = this.#ready.length - this.#readyHead;
      if (readyCount > 0 || this.#inline.length > 0) {
        // The oldest waiting item decides: an inline session, or the head of the ready events.
        const head = readyCount > 0 ? (this.#ready[this.#readyHead] as Entry) : undefined;
        const first = this.#inline[0];
        const useInline = first !== undefined && (head === undefined || first.inlineAt < head.at);
        const at = useInline ? first.inlineAt : (head as Entry).at;
        const busy = useInline ? first.inlineBusy : head?.busy;
        const waited = now - at;
        if (!this.#coalescing(busy) || this.#waitingItems(batchSize) >= batchSize || waited >= COALESCE_MS) {
          this.#sendEvents();
          continue;
        }
        wakeIn = Math.min(wakeIn, COALESCE_MS - waited);
      }
      const update = this.#updates.shift();
      if (update) {
        this.#dispatch([update], {
          method: "PUT",
          path: `/v1/events/${encodeURIComponent(update.targetId ?? "")}`,
          json: fitJson(update.json as string, this.#options.maxRequestBytes),
          describe: update.describe,
        });
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

  #sort(entry: Entry): void {
    if (typeof entry.json !== "string") {
      // Still being masked: it joins again when its text is ready (masks are bounded in time).
      void entry.json.then((json) => {
        entry.json = json;
        this.#incoming.push(entry);
        this.#schedule();
      });
      return;
    }
    const session = entry.session;
    if (entry.kind === "create") {
      if (!session || session.state === "created") this.#settle([entry], undefined);
      else {
        session.createWaiters.push(entry);
        this.#requestCreation(session);
      }
      return;
    }
    if (entry.kind === "event") {
      if (!session || session.state === "created") this.#ready.push(entry);
      else {
        session.parked.push(entry);
        if (session.state === "new" && session.creator && !session.creator.end && this.#mayWait) {
          // Give the root a moment to end, so its session is created once, complete (most chains
          // end within it; a long agent's session is created after it, and its events stream).
          if (!session.heldSince) {
            session.heldSince = entry.at;
            this.#held.push(session);
          }
        } else this.#requestCreation(session);
      }
      return;
    }
    // An update.
    const root = entry.root;
    if (root?.completed) {
      this.#settle([entry], undefined);
      return;
    }
    if (!session || (session.state === "created" && session.pending === 0)) this.#updates.push(entry);
    else {
      session.parkedUpdates.push(entry);
      this.#requestCreation(session);
    }
  }

  #requestCreation(session: Session): void {
    if (session.state !== "new") return;
    session.state = "creating";
    const start = session.creator?.start;
    if (start && typeof start.startMembers !== "string") {
      // Its inputs are still being masked: queue the creation when they are ready (no slot held).
      void start.startMembers.then((text) => {
        start.startMembers = text;
        this.#queueCreation(session);
        this.#schedule();
      });
      return;
    }
    this.#queueCreation(session);
  }

  /** A complete single-root session rides with its events; any other is created on its own. */
  #queueCreation(session: Session): void {
    const root = session.creator;
    if (this.#inlineSessions && root && createdComplete(root)) {
      session.inlineAt = performance.now();
      // Busy when the root's first event came hard on the heels of earlier work (see Entry.busy).
      session.inlineBusy = session.parked[0]?.busy === true;
      this.#inline.push(session);
    } else this.#creates.push(session);
  }

  /** Items that could go in the next batch, counted up to `limit`. */
  #waitingItems(limit: number): number {
    let n = this.#ready.length - this.#readyHead;
    for (const s of this.#inline) {
      if (n >= limit) break;
      n += 1 + s.parked.length;
    }
    return n;
  }

  /**
   * POST /v1/sessions. A creator root that already ended is sent complete, so it needs no PUT;
   * a shared session (thread, fixed id) is completed by PUT, since a repeat POST changes nothing.
   */
  #create(session: Session): void {
    const root = session.creator;
    session.creator = undefined;
    if (!root) {
      this.#created(session);
      return;
    }
    const startMembers = root.start.startMembers as string;
    const complete = createdComplete(root);
    let json = `{"session_id":${JSON.stringify(session.id)},"session_name":${root.start.name},${startMembers}`;
    if (complete) {
      json += `,${root.end?.members as string}`;
      root.completed = true;
    }
    json = fitJson(`${json}}`, this.#options.maxRequestBytes);
    // Sent once: the root stays reachable from recently ended runs (for late children), its texts need not.
    root.start.startMembers = "";
    if (complete && root.end) root.end.members = "";
    const marker: Entry = {
      seq: 0,
      at: 0,
      kind: "create",
      session,
      json,
      size: 0,
      describe: `session ${session.id}`,
    };
    this.#active++;
    void this.#exporter
      .export({ method: "POST", path: "/v1/sessions", json, describe: marker.describe })
      .then((outcome) => {
        if (outcome === "sent") {
          this.#sent++;
          if (this.#options.verbose)
            this.#options.logger.info(`delivered ${marker.describe}${complete ? " (complete)" : ""}`);
        } else this.#failed++;
        if (root.start.shared && outcome === "sent") {
          if (this.#createdShared.size >= 10_000) this.#createdShared.clear();
          this.#createdShared.add(session.id);
        }
        this.#created(session);
      })
      .finally(() => {
        this.#active--;
        this.#pump();
      });
  }

  /** The session exists (or its creation was given up on: its events go anyway, the server may still take them). */
  #created(session: Session): void {
    session.state = "created";
    for (const e of session.parked) this.#ready.push(e);
    session.parked = [];
    const waiters = session.createWaiters;
    session.createWaiters = [];
    this.#settle(waiters, undefined);
    this.#releaseUpdates(session);
    this.#forget(session);
    this.#schedule();
  }

  #releaseUpdates(session: Session): void {
    if (session.state !== "created" || session.pending !== 0 || session.parkedUpdates.length === 0) return;
    for (const u of session.parkedUpdates) {
      if (u.root?.completed) this.#settle([u], undefined);
      else this.#updates.push(u);
    }
    session.parkedUpdates = [];
  }

  /** Drops a session's state once nothing refers to it (open roots keep it through their record). */
  #forget(session: Session): void {
    if (
      session.state === "created" &&
      session.pending === 0 &&
      session.parked.length === 0 &&
      session.parkedUpdates.length === 0 &&
      session.createWaiters.length === 0 &&
      this.#sessions.get(session.id) === session
    ) {
      this.#sessions.delete(session.id);
    }
  }

  /**
   * The next request for events: inline sessions first (each with its parked events, never split),
   * then ready events, by count and bytes. A lone ready event goes as `POST /v1/events`.
   */
  #sendEvents(): void {
    const { batchSize, maxRequestBytes } = this.#options;
    const entries: Entry[] = [];
    const parts: string[] = [];
    const inlined: Inlined[] = [];
    let size = BATCH_ENVELOPE;
    while (this.#inline.length) {
      const session = this.#inline[0] as Session;
      const root = session.creator as Root;
      const startMembers = root.start.startMembers as string;
      const endMembers = root.end?.members as string;
      const id = JSON.stringify(session.id);
      const json = `{"event_id":${id},"session_id":${id},"event_type":"session","event_name":${root.start.name},${startMembers},${endMembers}}`;
      let groupSize = json.length + 1;
      for (const e of session.parked) groupSize += (e.json as string).length + 1;
      const groupCount = 1 + session.parked.length;
      if (parts.length + groupCount > batchSize || size + groupSize > maxRequestBytes) {
        if (parts.length > 0) break;
        // Too big to ride along even alone: created on its own (POST /v1/sessions fits any size).
        this.#inline.shift();
        this.#creates.push(session);
        return;
      }
      this.#inline.shift();
      session.creator = undefined;
      root.completed = true;
      // Sent once: the root stays reachable from recently ended runs (for late children), its texts need not.
      root.start.startMembers = "";
      if (root.end) root.end.members = "";
      const events = session.parked;
      session.parked = [];
      inlined.push({ session, root, startMembers, endMembers, events });
      parts.push(json);
      for (const e of events) {
        parts.push(e.json as string);
        entries.push(e);
      }
      size += groupSize;
    }
    while (parts.length < batchSize && this.#readyHead < this.#ready.length) {
      const next = this.#ready[this.#readyHead] as Entry;
      const add = (next.json as string).length + 1;
      // The first item always goes (every event alone fits a request: it was cut to size).
      if (parts.length > 0 && size + add > maxRequestBytes) break;
      this.#takeReady();
      parts.push(next.json as string);
      entries.push(next);
      size += add;
    }
    if (inlined.length === 0 && entries.length === 1) {
      const only = entries[0] as Entry;
      this.#dispatch(entries, {
        method: "POST",
        path: "/v1/events",
        json: parts[0] as string,
        describe: only.describe,
      });
      return;
    }
    const describe =
      inlined.length > 0
        ? `a batch of ${entries.length} events with ${inlined.length} session${inlined.length > 1 ? "s" : ""}`
        : `a batch of ${parts.length} events`;
    this.#dispatch(
      entries,
      {
        method: "POST",
        path: "/v1/events/batch",
        json: `{"events":[${parts.join(",")}]}`,
        describe,
        hasFallback: inlined.length > 0,
      },
      inlined,
    );
  }

  /** The server refused sessions inside a batch: everything in it goes again, the classic way. */
  #sendInlinedClassically(entries: Entry[], inlined: Inlined[]): void {
    this.#inlineSessions = false;
    // Not a warning: nothing is lost, and an event the server refuses is reported when it goes alone.
    this.#options.logger.debug(
      "the server refused a batch that carried sessions as events: its sessions and events go again separately, and sessions are created with POST /v1/sessions from now on",
    );
    const theirs = new Set<Entry>();
    for (const { session, root, startMembers, endMembers, events } of inlined) {
      root.start.startMembers = startMembers;
      if (root.end) root.end.members = endMembers;
      root.completed = false;
      session.creator = root;
      session.parked = [...events, ...session.parked];
      for (const e of events) theirs.add(e);
      this.#creates.push(session);
    }
    // Sessions still waiting to ride along are created the classic way too.
    for (const session of this.#inline) this.#creates.push(session);
    this.#inline = [];
    for (const e of entries) if (!theirs.has(e)) this.#ready.push(e);
    // Back to waiting: dispatch counted them as handed to the network.
    this.#queuedCount += entries.length;
  }

  #takeReady(): Entry | undefined {
    const entry = this.#ready[this.#readyHead++];
    // Taken entries must not stay reachable (they hold whole event bodies).
    if (this.#readyHead >= this.#ready.length) {
      this.#ready = [];
      this.#readyHead = 0;
    } else if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#readyHead);
      this.#readyHead = 0;
    }
    return entry;
  }

  #dispatch(entries: Entry[], request: ExportRequest, inlined: Inlined[] = []): void {
    this.#active++;
    this.#queuedCount -= entries.length;
    void this.#exporter
      .export(request)
      .then((outcome) => {
        if (outcome === "refused") {
          this.#sendInlinedClassically(entries, inlined);
          return;
        }
        if (outcome === "sent" && this.#options.verbose)
          this.#options.logger.info(`delivered ${request.describe}`);
        for (const { session } of inlined) {
          if (outcome === "sent") this.#sent++;
          else this.#failed++;
          this.#created(session);
        }
        this.#settle(entries, outcome);
      })
      .finally(() => {
        this.#active--;
        this.#pump();
      });
  }

  /** Entries are done (sent, failed for good, or settled without a request of their own). */
  #settle(entries: Entry[], outcome: "sent" | "failed" | "aborted" | undefined): void {
    for (const entry of entries) {
      if (!this.#outstanding.delete(entry.seq)) continue;
      if (outcome === undefined) this.#queuedCount--;
      else if (outcome === "sent") this.#sent++;
      else this.#failed++;
      this.#bytes -= entry.size;
      const session = entry.session;
      if (session) {
        if (entry.kind === "event") {
          session.pending--;
          if (session.pending === 0) this.#releaseUpdates(session);
        }
        // Whatever settled last lets the session's state go (a thread's session included).
        this.#forget(session);
      }
      entry.json = "";
      for (const w of this.#flushWaiters) if (entry.seq <= w.target) w.remaining--;
    }
    if (this.#outstanding.size === 0) unregisterExitDrain(this);
    if (this.#flushWaiters.length === 0) return;
    const done = this.#flushWaiters.filter((w) => w.remaining <= 0);
    if (done.length === 0) return;
    this.#flushWaiters = this.#flushWaiters.filter((w) => w.remaining > 0);
    for (const w of done) w.resolve();
  }
}
