/**
 * What the collector has received, and the session tree built from it. Events are stored by
 * `event_id` (a repeated POST of the same id replaces the first, as HoneyHive's client-chosen ids
 * allow), and every repeat is counted so tests can tell "delivered once" from "delivered twice".
 *
 * Bodies are kept exactly as received (tests assert on them); what HoneyHive's server computes
 * from them — the session aggregates — is kept per session as events arrive (an event folded into
 * its session's sums; a replaced or updated event marks them for one recount), so listing sessions
 * costs the page asked for, not every session received.
 *
 * Memory is bounded by bytes received: past `maxBytes`, the oldest sessions (the bottom of the
 * list) are forgotten whole, and `evicted` counts them so the viewer can say so.
 */
import type { PostEventRequest, StartSessionRequest, UpdateEventRequest } from "../wire/contract.js";

export type StoredEvent = PostEventRequest & { event_id: string; session_id: string };

export interface StoredSession extends StartSessionRequest {
  session_id: string;
  /** Every PUT /v1/events/{session_id} received, in order. */
  updates: UpdateEventRequest[];
}

export interface TreeNode {
  event: StoredEvent;
  children: TreeNode[];
}

/**
 * A session as HoneyHive's server presents it after aggregation (docs.honeyhive.ai, "Session
 * Aggregations"): start = earliest `start_time` of the session and its events, end = latest
 * `end_time`, `duration` = end − start unless the client sent one (the client's wins), token counts
 * summed from the model events' `metadata`, cost summed from `metrics.cost` (SPEC §4: cost lives in
 * `metrics`; HoneyHive prices it server-side, a local collector can only add what was reported).
 */
export interface SessionSummary {
  session_id: string;
  session_name: string | undefined;
  /** Whether `POST /v1/sessions` was received (events can arrive for a session never started). */
  started: boolean;
  start_time: number | undefined;
  end_time: number | undefined;
  duration: number | undefined;
  /** `client`: the session body carried a `duration`; `events`: computed as end − start. */
  duration_source: "client" | "events" | undefined;
  num_events: number;
  num_model_events: number;
  /** Events with an `error`; 1 when none did but the session records a failed root (`metadata.error`). */
  num_errors: number;
  has_feedback: boolean;
  prompt_tokens: number | undefined;
  completion_tokens: number | undefined;
  total_tokens: number | undefined;
  cost: number | undefined;
  /** When the collector last received anything for this session (Unix ms). */
  last_received: number;
}

export interface SessionTree {
  session: StoredSession | undefined;
  session_id: string;
  summary: SessionSummary;
  /** Roots of the tree: events whose parent is the session (or an event that never arrived). */
  roots: TreeNode[];
  /** The session's events ordered by start time. */
  events: StoredEvent[];
}

function mergeDefined<T extends object>(target: T, source: Partial<T>): void {
  for (const [k, v] of Object.entries(source)) {
    if (v === undefined) continue;
    const current = (target as Record<string, unknown>)[k];
    if (
      typeof v === "object" &&
      v !== null &&
      !Array.isArray(v) &&
      typeof current === "object" &&
      current !== null &&
      !Array.isArray(current) &&
      (k === "metadata" || k === "user_properties" || k === "feedback" || k === "metrics" || k === "config")
    ) {
      Object.assign(current, v);
    } else {
      (target as Record<string, unknown>)[k] = v;
    }
  }
}

/** A session's aggregates over its events (the session body's own fields are added on read). */
interface EventAggregate {
  start: number | undefined;
  end: number | undefined;
  prompt: number | undefined;
  completion: number | undefined;
  total: number | undefined;
  cost: number | undefined;
  events: number;
  models: number;
  errors: number;
  feedback: boolean;
}

/** What the store keeps per session besides its bodies: where it sorts, its sums, its bytes. */
interface SessionEntry {
  readonly id: string;
  /** Order of first arrival: the last tie-break, so the list order is total (a cursor is exact). */
  readonly seq: number;
  /** Sort key as of the last reindex: start (or last received when unknown), last received. */
  k1: number;
  k2: number;
  indexed: boolean;
  lastReceived: number;
  /** Bytes of request bodies attributed to this session. */
  bytes: number;
  /** Undefined: recount from the events on the next read. */
  agg: EventAggregate | undefined;
}

/** Older first: the index's order (the list shows it reversed, newest first). */
function olderFirst(a: { k1: number; k2: number; seq: number }, b: { k1: number; k2: number; seq: number }) {
  return a.k1 - b.k1 || a.k2 - b.k2 || b.seq - a.seq;
}

/** A page of `GET /v1/sessions`: newest first, `next_cursor` names where the next page starts. */
export interface SessionPage {
  sessions: SessionSummary[];
  /** Opaque; undefined on the last page. */
  next_cursor: string | undefined;
  /** Sessions held now. */
  total: number;
}

/** Default bound on the bodies kept: 256 MB. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Adds `value` to a sum that stays undefined until something is known (absent is not 0). */
function addKnown(sum: number | undefined, value: unknown): number | undefined {
  return finite(value) && value >= 0 ? (sum ?? 0) + value : sum;
}

function emptyAggregate(): EventAggregate {
  return {
    start: undefined,
    end: undefined,
    prompt: undefined,
    completion: undefined,
    total: undefined,
    cost: undefined,
    events: 0,
    models: 0,
    errors: 0,
    feedback: false,
  };
}

/** Folds one event into a session's sums (the order of folding is the order of arrival). */
function fold(a: EventAggregate, e: StoredEvent): void {
  a.events++;
  if (finite(e.start_time) && (a.start === undefined || e.start_time < a.start)) a.start = e.start_time;
  if (finite(e.end_time) && (a.end === undefined || e.end_time > a.end)) a.end = e.end_time;
  if (e.error) a.errors++;
  if (e.feedback && Object.keys(e.feedback).length > 0) a.feedback = true;
  a.cost = addKnown(a.cost, e.metrics?.cost);
  if (e.event_type !== "model") return;
  a.models++;
  const m = e.metadata ?? {};
  a.prompt = addKnown(a.prompt, m.prompt_tokens);
  a.completion = addKnown(a.completion, m.completion_tokens);
  // HoneyHive's total is prompt + completion; a model that reports only a total still counts.
  a.total = addKnown(
    a.total,
    finite(m.total_tokens)
      ? m.total_tokens
      : addKnown(addKnown(undefined, m.prompt_tokens), m.completion_tokens),
  );
}

const CURSOR = /^(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)_(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)_(\d{1,15})$/i;

export class CollectorStore {
  readonly events = new Map<string, StoredEvent>();
  readonly sessions = new Map<string, StoredSession>();
  /** How many times each event id was received beyond the first. */
  readonly duplicates = new Map<string, number>();
  /** Event ids per session, so reading one session does not scan every event. */
  readonly #bySession = new Map<string, Set<string>>();
  readonly #entries = new Map<string, SessionEntry>();
  /** Every session, older first (see `olderFirst`); entries in `#moved` are re-placed on read. */
  #order: SessionEntry[] = [];
  readonly #moved = new Set<SessionEntry>();
  #seq = 0;
  #bytes = 0;
  #evicted = 0;
  /** Bumped on every change: readers (the viewer's polling) skip work when it has not moved. */
  #version = 0;
  readonly maxBytes: number;
  /** Work counters, for tests that assert on work done rather than on time. */
  readonly work = { aggregateWalks: 0, summariesBuilt: 0 };

  constructor(options: { maxBytes?: number } = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** Sessions forgotten to stay under `maxBytes` (since the last `clear()`). */
  get evicted(): number {
    return this.#evicted;
  }

  /** Bytes of request bodies held (as received, attributed to their sessions). */
  get bytes(): number {
    return this.#bytes;
  }

  get version(): number {
    return this.#version;
  }

  readonly #waiters = new Set<() => void>();

  #changed(): void {
    this.#version++;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  #entry(sessionId: string): SessionEntry {
    let entry = this.#entries.get(sessionId);
    if (!entry) {
      entry = {
        id: sessionId,
        seq: this.#seq++,
        k1: 0,
        k2: 0,
        indexed: false,
        lastReceived: 0,
        bytes: 0,
        agg: emptyAggregate(),
      };
      this.#entries.set(sessionId, entry);
    }
    return entry;
  }

  #touch(sessionId: string): SessionEntry {
    const entry = this.#entry(sessionId);
    entry.lastReceived = Date.now();
    this.#moved.add(entry);
    this.#changed();
    return entry;
  }

  /** The session's sums may have changed in a way folding cannot follow: recount on next read. */
  #stale(sessionId: string): void {
    const entry = this.#entries.get(sessionId);
    if (!entry) return;
    entry.agg = undefined;
    this.#moved.add(entry);
  }

  /**
   * Resolves once the store changes after `version`, or after `timeoutMs` (long polling: the
   * viewer learns of new data at once without asking every second). Never keeps the process alive.
   */
  waitForChange(version: number, timeoutMs: number): Promise<void> {
    if (version !== this.#version) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      timer.unref();
      this.#waiters.add(wake);
    });
  }

  /** Wakes every waiting reader (the server is closing). */
  wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  addEvent(event: PostEventRequest): StoredEvent {
    const event_id = event.event_id ?? crypto.randomUUID();
    const session_id = event.session_id ?? crypto.randomUUID();
    const stored: StoredEvent = { ...event, event_id, session_id, parent_id: event.parent_id ?? session_id };
    const previous = this.events.get(event_id);
    if (previous) {
      this.duplicates.set(event_id, (this.duplicates.get(event_id) ?? 0) + 1);
      this.#bySession.get(previous.session_id)?.delete(event_id);
    }
    this.events.set(event_id, stored);
    let ids = this.#bySession.get(session_id);
    if (!ids) {
      ids = new Set();
      this.#bySession.set(session_id, ids);
    }
    ids.add(event_id);
    const entry = this.#touch(session_id);
    if (previous) {
      this.#stale(previous.session_id);
      this.#stale(session_id);
    } else if (entry.agg) {
      fold(entry.agg, stored);
    }
    return stored;
  }

  /**
   * A posted event. One of `event_type: "session"` is a session (HoneyHive's model: the session is
   * the event at the root of the tree), stored as if it came by `POST /v1/sessions`.
   */
  receive(event: PostEventRequest): { event_id: string; session_id: string } {
    if (event.event_type !== "session") return this.addEvent(event);
    const {
      event_type: _type,
      event_id,
      event_name,
      parent_id: _parent,
      error,
      feedback: _f,
      metrics: _m,
      project_id: _p,
      ...rest
    } = event;
    const session_id = event.session_id ?? event_id ?? crypto.randomUUID();
    const metadata = error ? { ...rest.metadata, error } : rest.metadata;
    const session = this.startSession({
      ...rest,
      session_id,
      session_name: event_name,
      ...(metadata ? { metadata } : {}),
    });
    return { event_id: session.session_id, session_id: session.session_id };
  }

  startSession(body: StartSessionRequest): StoredSession {
    const session_id = body.session_id ?? crypto.randomUUID();
    const existing = this.sessions.get(session_id);
    this.#touch(session_id);
    if (existing) {
      // Idempotent on session_id: merge metadata / user_properties, keep the first inputs and start.
      if (body.metadata) existing.metadata = { ...existing.metadata, ...body.metadata };
      if (body.user_properties)
        existing.user_properties = { ...existing.user_properties, ...body.user_properties };
      return existing;
    }
    const session: StoredSession = { ...body, session_id, updates: [] };
    this.sessions.set(session_id, session);
    return session;
  }

  /** Applies PUT /v1/events/{id} to a session or an event. Returns false when neither exists. */
  update(id: string, body: UpdateEventRequest): boolean {
    const session = this.sessions.get(id);
    const target = session ?? this.events.get(id);
    if (!target) return false;
    session?.updates.push(body);
    // Objects merge; outputs replace (null keeps the old ones); an empty children_ids is ignored.
    const { children_ids, outputs, ...rest } = body;
    mergeDefined(target, rest as Partial<StoredSession & StoredEvent>);
    if (outputs) target.outputs = outputs;
    if (children_ids?.length) target.children_ids = children_ids;
    const sessionId = session ? id : (target as StoredEvent).session_id;
    this.#touch(sessionId);
    if (!session) this.#stale(sessionId);
    return true;
  }

  /** Forgets everything received. */
  clear(): void {
    this.events.clear();
    this.sessions.clear();
    this.duplicates.clear();
    this.#bySession.clear();
    this.#entries.clear();
    this.#order = [];
    this.#moved.clear();
    this.#bytes = 0;
    this.#evicted = 0;
    this.#changed();
  }

  /**
   * Counts `bytes` of a request body against the session it was for, and forgets the oldest
   * sessions (never one of `keep`, the sessions being written) while the store is over `maxBytes`.
   * Evicts down to 90% of the bound, so the work is paid once per tenth of it, not per request.
   */
  account(sessionId: string, bytes: number): void {
    const entry = this.#entries.get(sessionId);
    if (!entry) return;
    entry.bytes += bytes;
    this.#bytes += bytes;
  }

  evictOverBound(keep: ReadonlySet<string> = new Set()): void {
    if (this.#bytes <= this.maxBytes) return;
    this.#reindex();
    const target = this.maxBytes * 0.9;
    const victims = new Set<SessionEntry>();
    let bytes = this.#bytes;
    for (const entry of this.#order) {
      if (bytes <= target) break;
      if (keep.has(entry.id)) continue;
      victims.add(entry);
      bytes -= entry.bytes;
    }
    if (victims.size === 0) return;
    this.#order = this.#order.filter((e) => !victims.has(e));
    for (const entry of victims) {
      for (const eventId of this.#bySession.get(entry.id) ?? []) {
        this.events.delete(eventId);
        this.duplicates.delete(eventId);
      }
      this.#bySession.delete(entry.id);
      this.sessions.delete(entry.id);
      this.#entries.delete(entry.id);
      this.#bytes -= entry.bytes;
    }
    this.#evicted += victims.size;
    this.#changed();
  }

  #key(entry: SessionEntry): void {
    const session = this.sessions.get(entry.id);
    const agg = this.#aggregate(entry);
    let start = finite(session?.start_time) ? session.start_time : undefined;
    if (agg.start !== undefined && (start === undefined || agg.start < start)) start = agg.start;
    entry.k1 = start ?? entry.lastReceived;
    entry.k2 = entry.lastReceived;
  }

  /** First index whose entry is not older than `key`. */
  #lowerBound(key: { k1: number; k2: number; seq: number }): number {
    let lo = 0;
    let hi = this.#order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (olderFirst(this.#order[mid] as SessionEntry, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Re-places the sessions that changed since the last read (all of them at once when many did). */
  #reindex(): void {
    if (this.#moved.size === 0) return;
    if (this.#moved.size > 64 && this.#moved.size * 8 > this.#order.length) {
      for (const entry of this.#moved) {
        this.#key(entry);
        if (!entry.indexed) {
          entry.indexed = true;
          this.#order.push(entry);
        }
      }
      this.#order.sort(olderFirst);
    } else {
      for (const entry of this.#moved) {
        if (entry.indexed) {
          let at = this.#lowerBound(entry);
          if (this.#order[at] !== entry) at = this.#order.indexOf(entry);
          this.#order.splice(at, 1);
        }
        this.#key(entry);
        this.#order.splice(this.#lowerBound(entry), 0, entry);
        entry.indexed = true;
      }
    }
    this.#moved.clear();
  }

  #aggregate(entry: SessionEntry): EventAggregate {
    if (!entry.agg) {
      this.work.aggregateWalks++;
      const agg = emptyAggregate();
      for (const e of this.sessionEvents(entry.id)) fold(agg, e);
      entry.agg = agg;
    }
    return entry.agg;
  }

  sessionEvents(sessionId: string): StoredEvent[] {
    const ids = this.#bySession.get(sessionId);
    if (!ids) return [];
    const out: StoredEvent[] = [];
    for (const id of ids) {
      const event = this.events.get(id);
      if (event) out.push(event);
    }
    return out;
  }

  /** Ids of every session the collector has heard of, started or not. */
  sessionIds(): string[] {
    return [...this.#entries.keys()];
  }

  summary(sessionId: string): SessionSummary {
    this.work.summariesBuilt++;
    const session = this.sessions.get(sessionId);
    const entry = this.#entries.get(sessionId);
    const a = entry ? this.#aggregate(entry) : emptyAggregate();
    let start = finite(session?.start_time) ? session.start_time : undefined;
    let end = finite(session?.end_time) ? session.end_time : undefined;
    if (a.start !== undefined && (start === undefined || a.start < start)) start = a.start;
    if (a.end !== undefined && (end === undefined || a.end > end)) end = a.end;
    // A PUT to the session id may carry feedback (UpdateEventRequest has it; StartSession does not).
    const sessionFeedback = (session as { feedback?: Record<string, unknown> } | undefined)?.feedback;
    const feedback = Object.keys(sessionFeedback ?? {}).length > 0 || a.feedback;
    // A failed root is both an event error and the session's metadata.error: count it once.
    const errors = a.errors === 0 && typeof session?.metadata?.error === "string" ? 1 : a.errors;
    const clientDuration = finite(session?.duration) ? session.duration : undefined;
    const computed = start !== undefined && end !== undefined && end >= start ? end - start : undefined;
    const duration = clientDuration ?? computed;
    return {
      session_id: sessionId,
      session_name: session?.session_name ?? session?.event_name,
      started: session !== undefined,
      start_time: start,
      end_time: end,
      duration,
      duration_source:
        clientDuration !== undefined ? "client" : computed !== undefined ? "events" : undefined,
      num_events: a.events,
      num_model_events: a.models,
      num_errors: errors,
      has_feedback: feedback,
      prompt_tokens: a.prompt,
      completion_tokens: a.completion,
      total_tokens: a.total,
      cost: a.cost,
      last_received: entry?.lastReceived ?? 0,
    };
  }

  /** Every session's summary, newest first (by start, then by when it was last heard of). */
  summaries(): SessionSummary[] {
    this.#reindex();
    const out: SessionSummary[] = [];
    for (let i = this.#order.length - 1; i >= 0; i--)
      out.push(this.summary((this.#order[i] as SessionEntry).id));
    return out;
  }

  /**
   * Up to `limit` summaries, newest first, after `cursor` (a previous page's `next_cursor`). Costs
   * the page, not the store: summaries are kept as events arrive, and only the sessions changed
   * since the last read are re-placed. Throws RangeError on a cursor this store did not make.
   */
  page(limit: number, cursor?: string): SessionPage {
    this.#reindex();
    let from = this.#order.length - 1;
    if (cursor !== undefined) {
      const match = CURSOR.exec(cursor);
      if (!match) throw new RangeError(`malformed cursor ${JSON.stringify(cursor.slice(0, 100))}`);
      const key = { k1: Number(match[1]), k2: Number(match[2]), seq: Number(match[3]) };
      if (!Number.isFinite(key.k1) || !Number.isFinite(key.k2)) {
        throw new RangeError(`malformed cursor ${JSON.stringify(cursor.slice(0, 100))}`);
      }
      from = this.#lowerBound(key) - 1;
    }
    const sessions: SessionSummary[] = [];
    let i = from;
    let last: SessionEntry | undefined;
    for (; i >= 0 && sessions.length < limit; i--) {
      last = this.#order[i] as SessionEntry;
      sessions.push(this.summary(last.id));
    }
    return {
      sessions,
      next_cursor: i >= 0 && last ? `${last.k1}_${last.k2}_${last.seq}` : undefined,
      total: this.#order.length,
    };
  }

  tree(sessionId: string): SessionTree {
    const events = this.sessionEvents(sessionId).sort((a, b) => (a.start_time ?? 0) - (b.start_time ?? 0));
    const nodes = new Map(events.map((e) => [e.event_id, { event: e, children: [] as TreeNode[] }]));
    const roots: TreeNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.event.parent_id ? nodes.get(node.event.parent_id) : undefined;
      if (parent && parent !== node) parent.children.push(node);
      else roots.push(node);
    }
    // Start times tie at millisecond resolution; the parent's children_ids hold the start order.
    for (const node of nodes.values()) {
      const order = node.event.children_ids ?? [];
      const rank = (n: TreeNode) => {
        const i = order.indexOf(n.event.event_id);
        return i < 0 ? Number.MAX_SAFE_INTEGER : i;
      };
      node.children.sort(
        (a, b) => (a.event.start_time ?? 0) - (b.event.start_time ?? 0) || rank(a) - rank(b),
      );
    }
    return {
      session: this.sessions.get(sessionId),
      session_id: sessionId,
      summary: this.summary(sessionId),
      roots,
      events,
    };
  }
}
