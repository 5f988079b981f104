/**
 * The session gate: HoneyHive's ordering rules as a state machine with no timers and no I/O (the
 * pump feeds it items and the time, and sends what it lets through).
 *
 * - A session is created before any of its events is sent: events of a session that does not
 *   exist yet are parked, and released when it does (or when its creation was given up on: the
 *   server may still take them).
 * - An update (`PUT /v1/events/{id}`) goes only after the events of its session enqueued before
 *   it were settled; a root's completion that rode with its session's creation needs no request.
 * - A root that has not ended yet holds its session's creation back for up to `holdMs`, so a
 *   short root creates its session once, complete (most chains end within it).
 * - A complete single-root session rides in the batch that carries its events (`inline`); sessions
 *   that may span roots (threads, fixed ids) and long roots are created on their own (`creates`).
 *   Once the server refuses a session inside a batch, every session is created on its own.
 */
import { NO_SESSION_START, type SessionEnd, type SessionStart } from "../wire/bodies.js";
import {
  type Item,
  newSessionState,
  type Ready,
  type ReadyQueue,
  type Root,
  type RootStart,
  type SessionState,
} from "./items.js";

/** A session taken out of the gate to ride in a batch, with what its classic creation needs if refused. */
export interface Inlined {
  session: SessionState;
  root: Root;
  start: SessionStart;
  end: SessionEnd;
  events: Item[];
}

/** A session to create with `POST /v1/sessions`. */
export interface Creation {
  session: SessionState;
  /** Undefined when its creator is gone (nothing to write: the session counts as created). */
  root: Root | undefined;
  start: SessionStart | undefined;
  /** The end, when the session is created complete (no PUT after). */
  end: SessionEnd | undefined;
}

/** Shared sessions this process created are remembered (bounded): later turns only complete them. */
const CREATED_SHARED_LIMIT = 10_000;

/** What a root holds once its session's texts were written (they were only needed for that). */
const RELEASED_START = NO_SESSION_START;
const RELEASED_END: SessionEnd = { outputs: "{}", endTime: 0 };

export function isReady<T>(value: Ready<T>): value is T {
  return !(value instanceof Promise);
}

/**
 * Whether this root's session can be created complete, with no PUT after: the root ended (its
 * end parts are ready) and the session is its own (a shared one may gain turns).
 */
export function createsComplete(root: Root): boolean {
  return !root.start.shared && root.end !== undefined && isReady(root.end);
}

export class SessionGate {
  readonly #sessions = new Map<string, SessionState>();
  readonly #createdShared = new Set<string>();
  readonly #ready: ReadyQueue;
  readonly #holdMs: number;
  /** Sessions whose creation is held back for their root to end. */
  #held: SessionState[] = [];
  /** Cleared for good when the server refuses a session inside a batch. */
  #inlineAllowed = true;

  // What the gate lets through; the pump takes from these.
  /** Complete single-root sessions waiting to ride in the next batch with their events. */
  inline: SessionState[] = [];
  /** Sessions to create with `POST /v1/sessions`. */
  creates: SessionState[] = [];
  /** Updates that may be sent. */
  updates: Item[] = [];
  /** Items done without a request of their own. */
  settled: Item[] = [];
  /** Sessions whose creation waits for the creator's start texts (an async mask); see `startReady`. */
  awaitingStart: SessionState[] = [];

  /** `ready`: where events that may be sent go. */
  constructor(ready: ReadyQueue, holdMs: number) {
    this.#ready = ready;
    this.#holdMs = holdMs;
  }

  /** A root starts: its session's state (new unless it exists or is not ours to create). */
  open(start: RootStart): Root {
    let session = this.#sessions.get(start.sessionId);
    if (!session) {
      const known = !start.managed || (start.shared && this.#createdShared.has(start.sessionId));
      session = newSessionState(start.sessionId, known ? "created" : "new");
      this.#sessions.set(session.id, session);
    }
    const root: Root = { refused: false, session, start, end: undefined, completed: false };
    if (session.state === "new" && !session.creator) session.creator = root;
    // Only the creator's start is ever written; the others' texts (their inputs) must not live on
    // with the root, which recently ended runs keep reachable for late children.
    else start.session = RELEASED_START;
    return root;
  }

  /**
   * The root ended. Only a creator whose session is not created yet may still write its end into
   * the creation; any other root keeps just the fact that it ended (its completion is a PUT).
   */
  ended(root: Root, end: Ready<SessionEnd>): void {
    root.end = root.session.creator === root ? end : RELEASED_END;
  }

  /** The state of a session this process is delivering, if any. */
  session(id: string): SessionState | undefined {
    return this.#sessions.get(id);
  }

  /** An event of this root is recorded (counted until it settles). */
  eventRecorded(root: Root): void {
    root.session.pending++;
  }

  /**
   * Sorts an item whose text is ready into what it waits for. `mayWait`: nobody waits on a flush,
   * so a session's creation may be held for its root to end.
   */
  sort(item: Item, now: number, mayWait: boolean): void {
    const session = item.session;
    if (item.kind === "create") {
      if (!session || session.state === "created") this.settled.push(item);
      else {
        session.createWaiters.push(item);
        this.#requestCreation(session, now);
      }
      return;
    }
    if (item.kind === "event") {
      if (!session || session.state === "created") this.#ready.push(item);
      else {
        session.parked.push(item);
        if (session.state === "new" && session.creator && !session.creator.end && mayWait) {
          // Give the root a moment to end, so its session is created once, complete (most chains
          // end within it; a long agent's session is created after it, and its events stream).
          if (!session.heldSince) {
            session.heldSince = item.at;
            this.#held.push(session);
          }
        } else this.#requestCreation(session, now);
      }
      return;
    }
    if (item.root?.completed) {
      this.settled.push(item);
      return;
    }
    if (!session || (session.state === "created" && session.pending === 0)) this.updates.push(item);
    else {
      session.parkedUpdates.push(item);
      this.#requestCreation(session, now);
    }
  }

  /** Releases held creations whose root ended or whose time is up; returns ms until the next is due. */
  releaseHeld(now: number, mayWait: boolean): number {
    let wakeIn = Number.POSITIVE_INFINITY;
    if (this.#held.length === 0) return wakeIn;
    const still: SessionState[] = [];
    for (const s of this.#held) {
      if (s.state !== "new") continue;
      const waited = now - s.heldSince;
      if (!s.creator || s.creator.end || waited >= this.#holdMs || !mayWait) this.#requestCreation(s, now);
      else {
        still.push(s);
        wakeIn = Math.min(wakeIn, this.#holdMs - waited);
      }
    }
    this.#held = still;
    return wakeIn;
  }

  /** The creator's start texts are ready (after an async mask): its creation can be queued. */
  startReady(session: SessionState, now: number): void {
    this.#queueCreation(session, now);
  }

  /** Items that could go in the next batch, counted up to `limit`. */
  waitingItems(limit: number): number {
    let n = this.#ready.size;
    for (const s of this.inline) {
      if (n >= limit) break;
      n += 1 + s.parked.length;
    }
    return n;
  }

  /** Takes the next session to create on its own. */
  takeCreation(): Creation | undefined {
    const session = this.creates.shift();
    if (!session) return undefined;
    const root = session.creator;
    session.creator = undefined;
    if (!root) return { session, root, start: undefined, end: undefined };
    const start = root.start.session as SessionStart;
    const complete = createsComplete(root);
    const end = complete ? (root.end as SessionEnd) : undefined;
    // Written once: the root stays reachable from recently ended runs (for late children), its texts need not.
    root.start.session = RELEASED_START;
    if (complete) {
      root.completed = true;
      root.end = RELEASED_END;
    }
    return { session, root, start, end };
  }

  /** The inline session at the head, taken to ride in a batch with its parked events. */
  takeInline(): Inlined {
    const session = this.inline.shift() as SessionState;
    const root = session.creator as Root;
    session.creator = undefined;
    root.completed = true;
    const events = session.parked;
    session.parked = [];
    const taken: Inlined = {
      session,
      root,
      start: root.start.session as SessionStart,
      end: root.end as SessionEnd,
      events,
    };
    root.start.session = RELEASED_START;
    root.end = RELEASED_END;
    return taken;
  }

  /** The inline session at the head is too big to ride along: it is created on its own. */
  inlineToClassic(): void {
    const session = this.inline.shift();
    if (session) this.creates.push(session);
  }

  /** A session's creation was settled (sent, or given up on). */
  created(session: SessionState, root: Root | undefined, sent: boolean): void {
    if (sent && root?.start.shared) {
      if (this.#createdShared.size >= CREATED_SHARED_LIMIT) this.#createdShared.clear();
      this.#createdShared.add(session.id);
    }
    session.state = "created";
    for (const e of session.parked) this.#ready.push(e);
    session.parked = [];
    for (const w of session.createWaiters) this.settled.push(w);
    session.createWaiters = [];
    this.#releaseUpdates(session);
    this.forget(session);
  }

  /**
   * The server refused this session as an item of a batch: it is created on its own, and `events`
   * (its events not sent yet) wait for that again, in front of any parked since. Every session is
   * created on its own from now on (a server that refuses one refuses them all).
   */
  sessionItemRefused({ session, root, start, end }: Inlined, events: Item[]): void {
    this.#inlineAllowed = false;
    root.start.session = start;
    root.end = end;
    root.completed = false;
    // Its state is still "creating": it was taken to ride along, never created.
    session.creator = root;
    session.parked = [...events, ...session.parked];
    this.creates.push(session);
    // Sessions still waiting to ride along are created on their own too.
    for (const s of this.inline) this.creates.push(s);
    this.inline = [];
  }

  /** An event of this session settled. */
  eventSettled(session: SessionState): void {
    session.pending--;
    if (session.pending === 0) this.#releaseUpdates(session);
  }

  /** Drops a session's state once nothing refers to it (open roots keep it through their handle). */
  forget(session: SessionState): void {
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

  #requestCreation(session: SessionState, now: number): void {
    if (session.state !== "new") return;
    session.state = "creating";
    const start = session.creator?.start;
    if (start && !isReady(start.session)) {
      // Its inputs are still being masked: the pump queues the creation when they are ready.
      this.awaitingStart.push(session);
      return;
    }
    this.#queueCreation(session, now);
  }

  /** A complete single-root session rides with its events; any other is created on its own. */
  #queueCreation(session: SessionState, now: number): void {
    const root = session.creator;
    if (this.#inlineAllowed && root && createsComplete(root)) {
      session.inlineAt = now;
      // Busy when the root's first event came hard on the heels of earlier work (see Item.busy).
      session.inlineBusy = session.parked[0]?.busy === true;
      this.inline.push(session);
    } else this.creates.push(session);
  }

  #releaseUpdates(session: SessionState): void {
    if (session.state !== "created" || session.pending !== 0 || session.parkedUpdates.length === 0) return;
    for (const u of session.parkedUpdates) {
      if (u.root?.completed) this.settled.push(u);
      else this.updates.push(u);
    }
    session.parkedUpdates = [];
  }
}
