/**
 * What waits in delivery: the typed records the recorder hands over, the per-session state the
 * ordering rules keep, and the root handle the recorder holds for a tree it is recording.
 */
import type { SessionEnd, SessionStart } from "../wire/bodies.js";

/** JSON text, or JSON text still being produced (an async mask). Never rejects. */
export type Text = string | Promise<string>;

/** A value, or the value once an async mask has produced its texts. Never rejects. */
export type Ready<T> = T | Promise<T>;

/** What the recorder knows of a root run when it starts. */
export interface RootStart {
  sessionId: string;
  /** The session may span several roots (a thread or fixed session id): no duration, completion by PUT. */
  shared: boolean;
  /** False when the session belongs to the app (linked into an existing trace): never created or completed here. */
  managed: boolean;
  session: Ready<SessionStart>;
}

/**
 * The recorder's handle on a root it records. Opaque to it: only delivery reads or changes what
 * is behind it. `refused`: refused for memory, nothing of the tree is recorded (its events are
 * only counted).
 */
export interface RootHandle {
  readonly refused: boolean;
}

/** Delivery's side of a root. */
export interface Root extends RootHandle {
  refused: boolean;
  session: SessionState;
  start: RootStart;
  /** The session's end parts, once the root ended. */
  end: Ready<SessionEnd> | undefined;
  /** Its completion went out with the session's creation (no PUT needed). */
  completed: boolean;
}

export interface SessionState {
  id: string;
  state: "new" | "creating" | "created";
  /** The root that creates the session (the first one this process saw), while it is open or unsent. */
  creator: Root | undefined;
  /** Events waiting for the session to exist. */
  parked: Item[];
  /** Updates waiting for the session's events to settle. */
  parkedUpdates: Item[];
  /** Items settled when the session exists (create markers). */
  createWaiters: Item[];
  /** Events of this session enqueued and not yet settled. */
  pending: number;
  /** When its creation was first held back waiting for the creator root to end (0: not held). */
  heldSince: number;
  /** Waiting to ride in a batch with its events: since when, and whether the app was busy then. */
  inlineAt: number;
  inlineBusy: boolean;
}

export interface Item {
  /** Order of recording; flush waits for every item up to its own. */
  seq: number;
  /** When it was recorded (monotonic ms). */
  at: number;
  /** Recorded within the coalescing window of the item before it: the app is busy, so it may wait for company. */
  busy: boolean;
  /**
   * `event`: one event body. `update`: a PUT of `targetId`. `create`: a marker that makes sure its
   * session gets created (settled without a request of its own).
   */
  kind: "event" | "update" | "create";
  session: SessionState | undefined;
  json: Text;
  /** Characters counted in the byte budget. */
  size: number;
  /** UTF-8 bytes of `json`, once it is ready and was measured for a request. */
  bytes?: number;
  /** For updates. */
  targetId?: string;
  /** For a root's completion: settled without a request when the session's creation carried it. */
  root?: Root;
  describe: string;
}

/** Where the gate puts events that may be sent (the batch queue). */
export interface ReadyQueue {
  readonly size: number;
  push(item: Item): void;
}

export function newSessionState(id: string, state: SessionState["state"]): SessionState {
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
