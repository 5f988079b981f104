/**
 * Run bookkeeping, in the manner of `@langchain/core`'s BaseTracer run map: which runs are open,
 * who their visible parent is, which session they belong to, and which visible children they have.
 *
 * State is per run, never per handler instance, so one handler shared by concurrent requests keeps
 * their trees apart. Hidden runs (`langsmith:hidden`: LangGraph's `__start__`, channel writers,
 * branches) are tracked but produce no event; their children are attached to the nearest visible
 * ancestor. Open-run state is bounded in count and age, so runs that never end (a consumer that
 * breaks out of a stream) cannot leak.
 */
import type { RootHandle } from "../delivery/items.js";
import type { Dict } from "../mapping/langchain-objects.js";
import { GenerationalMap } from "../util/generational-map.js";

export interface Enrichment {
  feedback?: Dict;
  metrics?: Dict;
  metadata?: Dict;
  user_properties?: Dict;
}

export type RunKind = "chain" | "chat" | "llm" | "tool" | "retriever";

export interface RootInfo {
  /** False when the session belongs to the app (linked into an existing trace): no start, no completion. */
  manageSession: boolean;
  /** The session may span several roots (a thread, a fixed session id): it never gets a duration. */
  shared: boolean;
}

/** One clock per root: wall time anchored once, everything after measured on the monotonic clock. */
export interface Clock {
  wall: number;
  perf: number;
}

export interface RunRecord {
  runId: string;
  kind: RunKind;
  name: string;
  hidden: boolean;
  sessionId: string;
  /** The visible parent's event id, or the session id for a root. */
  parentEventId: string;
  /** Set when this run is a root: it opened (a turn of) a session. */
  root: RootInfo | undefined;
  /** The root's clock (shared by every run of the tree). */
  clock: Clock;
  startPerf: number;
  /** Where the tree is delivered; null when it is not recorded (not sampled, or refused for memory). */
  delivery: RootHandle | null;
  /** The inputs as JSON text, taken when the run started. */
  inputs: string;
  metadata: Dict | undefined;
  tags: string[] | undefined;
  children: string[];
  invocationParams?: Dict;
  defersInputs?: boolean;
  toolCallId?: string;
  firstTokenPerf?: number;
  /** Extra metadata gathered while the run was open (agent actions, custom events, text). */
  annotations?: Dict;
  /** Feedback / metrics / metadata / user properties the app attached while the run was open. */
  enrichment?: Enrichment;
}

interface Tombstone {
  sessionId: string;
  /** The event id a late child of this run should attach to. */
  visibleId: string;
  clock: Clock;
  delivery: RootHandle | null;
}

/** Recently ended runs remembered for late children: between this many and twice as many. */
const TOMBSTONES = 2_000;

export class RunStore {
  readonly #open = new Map<string, RunRecord>();
  readonly #ended = new GenerationalMap<string, Tombstone>(TOMBSTONES);
  /** When open runs were last checked for staleness (Unix ms). */
  #lastSweep = 0;

  get size(): number {
    return this.#open.size;
  }

  get(runId: string): RunRecord | undefined {
    return this.#open.get(runId);
  }

  /** The session of an open or recently ended run. */
  sessionOf(runId: string): string | undefined {
    return this.#open.get(runId)?.sessionId ?? this.#ended.get(runId)?.sessionId;
  }

  /**
   * Where a new run attaches: its parent's session and visible event id, or undefined when the
   * parent is unknown (no parent, or the handler was attached below the parent) — a root.
   */
  parentOf(parentRunId: string | undefined): Tombstone | undefined {
    if (!parentRunId) return undefined;
    const parent = this.#open.get(parentRunId);
    if (parent) return tombstone(parent);
    return this.#ended.get(parentRunId);
  }

  add(record: RunRecord): void {
    this.#open.set(record.runId, record);
    if (!record.hidden) this.#open.get(record.parentEventId)?.children.push(record.runId);
  }

  /** Removes an ended run, remembering where late children of it should attach. */
  remove(runId: string): RunRecord | undefined {
    const record = this.#open.get(runId);
    if (!record) return undefined;
    this.#open.delete(runId);
    this.#ended.set(runId, tombstone(record));
    return record;
  }

  /**
   * Takes out the runs that must be given up on: beyond `maxOpen` (oldest first), or started
   * before `now - ttl`. Walking the open map is not free (V8 keeps deleted entries as holes at its
   * front), so it happens only when over the count, or at most every `min(ttl, 1 s)`.
   */
  takeStale(maxOpen: number, now: number, ttl: number): RunRecord[] {
    if (this.#open.size <= maxOpen && now - this.#lastSweep < Math.min(ttl, 1000)) return [];
    this.#lastSweep = now;
    const olderThan = now - ttl;
    const out: RunRecord[] = [];
    for (const record of this.#open.values()) {
      if (this.#open.size - out.length <= maxOpen && startTime(record) >= olderThan) break;
      out.push(record);
    }
    for (const record of out) this.remove(record.runId);
    return out;
  }

  /** Takes out every open run (on shutdown). */
  takeAll(): RunRecord[] {
    const all = [...this.#open.values()];
    for (const record of all) this.remove(record.runId);
    return all;
  }
}

function tombstone(record: RunRecord): Tombstone {
  return {
    sessionId: record.sessionId,
    visibleId: record.hidden ? record.parentEventId : record.runId,
    clock: record.clock,
    delivery: record.delivery,
  };
}

/** A run's start as Unix ms on its root's clock. */
export function startTime(record: RunRecord): number {
  return record.clock.wall + (record.startPerf - record.clock.perf);
}
