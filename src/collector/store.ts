/**
 * What the collector has received, and the session tree built from it. Events are stored by
 * `event_id` (a repeated POST of the same id replaces the first, as HoneyHive's client-chosen ids
 * allow), and every repeat is counted so tests can tell "delivered once" from "delivered twice".
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

export interface SessionTree {
  session: StoredSession | undefined;
  session_id: string;
  /** Roots of the tree: events whose parent is the session (or an event that never arrived). */
  roots: TreeNode[];
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

export class CollectorStore {
  readonly events = new Map<string, StoredEvent>();
  readonly sessions = new Map<string, StoredSession>();
  /** How many times each event id was received beyond the first. */
  readonly duplicates = new Map<string, number>();

  addEvent(event: PostEventRequest): StoredEvent {
    const event_id = event.event_id ?? crypto.randomUUID();
    const session_id = event.session_id ?? crypto.randomUUID();
    const stored: StoredEvent = { ...event, event_id, session_id, parent_id: event.parent_id ?? session_id };
    if (this.events.has(event_id)) this.duplicates.set(event_id, (this.duplicates.get(event_id) ?? 0) + 1);
    this.events.set(event_id, stored);
    return stored;
  }

  startSession(body: StartSessionRequest): StoredSession {
    const session_id = body.session_id ?? crypto.randomUUID();
    const existing = this.sessions.get(session_id);
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
    return true;
  }

  sessionEvents(sessionId: string): StoredEvent[] {
    return [...this.events.values()].filter((e) => e.session_id === sessionId);
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
    return { session: this.sessions.get(sessionId), session_id: sessionId, roots, events };
  }
}
