/**
 * What the collector has received, and the session tree built from it. Events are stored by
 * `event_id` (a repeated POST of the same id replaces the first, as HoneyHive's client-chosen ids
 * allow), and every repeat is counted so tests can tell "delivered once" from "delivered twice".
 *
 * Bodies are kept exactly as received (tests assert on them); what HoneyHive's server computes
 * from them — the session aggregates — is derived on read, in `summary()`.
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

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Adds `value` to a sum that stays undefined until something is known (absent is not 0). */
function addKnown(sum: number | undefined, value: unknown): number | undefined {
  return finite(value) && value >= 0 ? (sum ?? 0) + value : sum;
}

export class CollectorStore {
  readonly events = new Map<string, StoredEvent>();
  readonly sessions = new Map<string, StoredSession>();
  /** How many times each event id was received beyond the first. */
  readonly duplicates = new Map<string, number>();
  /** Event ids per session, so reading one session does not scan every event. */
  readonly #bySession = new Map<string, Set<string>>();
  readonly #lastReceived = new Map<string, number>();
  /** Bumped on every change: readers (the viewer's polling) skip work when it has not moved. */
  #version = 0;

  get version(): number {
    return this.#version;
  }

  readonly #waiters = new Set<() => void>();

  #changed(): void {
    this.#version++;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  #touch(sessionId: string): void {
    this.#lastReceived.set(sessionId, Date.now());
    this.#changed();
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
    this.#touch(session_id);
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
    this.#touch(session ? id : (target as StoredEvent).session_id);
    return true;
  }

  /** Forgets everything received. */
  clear(): void {
    this.events.clear();
    this.sessions.clear();
    this.duplicates.clear();
    this.#bySession.clear();
    this.#lastReceived.clear();
    this.#changed();
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
    return [...new Set([...this.sessions.keys(), ...this.#bySession.keys()])];
  }

  summary(sessionId: string, events = this.sessionEvents(sessionId)): SessionSummary {
    const session = this.sessions.get(sessionId);
    let start = finite(session?.start_time) ? session.start_time : undefined;
    let end = finite(session?.end_time) ? session.end_time : undefined;
    let prompt: number | undefined;
    let completion: number | undefined;
    let total: number | undefined;
    let cost: number | undefined;
    let models = 0;
    let errors = 0;
    // A PUT to the session id may carry feedback (UpdateEventRequest has it; StartSession does not).
    const sessionFeedback = (session as { feedback?: Record<string, unknown> } | undefined)?.feedback;
    let feedback = Object.keys(sessionFeedback ?? {}).length > 0;
    for (const e of events) {
      if (finite(e.start_time) && (start === undefined || e.start_time < start)) start = e.start_time;
      if (finite(e.end_time) && (end === undefined || e.end_time > end)) end = e.end_time;
      if (e.error) errors++;
      if (e.feedback && Object.keys(e.feedback).length > 0) feedback = true;
      cost = addKnown(cost, e.metrics?.cost);
      if (e.event_type !== "model") continue;
      models++;
      const m = e.metadata ?? {};
      prompt = addKnown(prompt, m.prompt_tokens);
      completion = addKnown(completion, m.completion_tokens);
      // HoneyHive's total is prompt + completion; a model that reports only a total still counts.
      total = addKnown(
        total,
        finite(m.total_tokens)
          ? m.total_tokens
          : addKnown(addKnown(undefined, m.prompt_tokens), m.completion_tokens),
      );
    }
    // A failed root is both an event error and the session's metadata.error: count it once.
    if (errors === 0 && typeof session?.metadata?.error === "string") errors = 1;
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
      num_events: events.length,
      num_model_events: models,
      num_errors: errors,
      has_feedback: feedback,
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: total,
      cost,
      last_received: this.#lastReceived.get(sessionId) ?? 0,
    };
  }

  /** Every session's summary, newest first (by start, then by when it was last heard of). */
  summaries(): SessionSummary[] {
    return this.sessionIds()
      .map((id) => this.summary(id))
      .sort(
        (a, b) =>
          (b.start_time ?? b.last_received) - (a.start_time ?? a.last_received) ||
          b.last_received - a.last_received,
      );
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
      summary: this.summary(sessionId, events),
      roots,
      events,
    };
  }
}
