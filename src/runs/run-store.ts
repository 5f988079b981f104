/**
 * Run bookkeeping, in the manner of `@langchain/core`'s BaseTracer run map: which runs are open,
 * who their visible parent is, which session they belong to, and which visible children they have.
 * A run's own facts (its agent scope, the config its start already tells) sit on its record and go
 * when it goes; what a late child needs of an ended run (its attachment) is remembered a while
 * longer.
 *
 * State is per run, never per handler instance, so one handler shared by concurrent requests keeps
 * their trees apart. Hidden runs (`langsmith:hidden`: LangGraph's `__start__`, channel writers,
 * branches) are tracked but produce no event; their children are attached to the nearest visible
 * ancestor. Open-run state is bounded in count and age, so runs that never end (a consumer that
 * breaks out of a stream) cannot leak.
 */
import type { RootHandle } from "../delivery/items.js";
import type { Dict } from "../mapping/langchain-objects.js";
import type { PromptStart } from "../mapping/run-links.js";
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

/**
 * What a run starting under this one needs of it, whether it is still open (its record) or ended a
 * little while ago (what the store remembers of it for late children).
 */
export interface Attachment {
  sessionId: string;
  /** The event id a child attaches to: the run's own, or a hidden run's visible parent's. */
  visibleId: string;
  /** The root's clock (shared by every run of the tree). */
  clock: Clock;
  /**
   * The tree's root handle in the delivery pipeline; null when the tree is not recorded (not sampled,
   * or refused for memory).
   */
  delivery: RootHandle | null;
  /** The agent this run is inside of (its own, for an agent's graph run): its children inherit it. */
  agentScope: string | undefined;
  /**
   * Set on the attachment point of a continued trace (no run of this process): a run attaching
   * to it is the first of this process in the trace, and records the trace id it carried.
   */
  entry?: { traceId: string | undefined };
}

export interface RunRecord extends Attachment {
  runId: string;
  kind: RunKind;
  name: string;
  hidden: boolean;
  /** The visible parent's event id, or the session id for a root. */
  parentEventId: string;
  /** Set when this run is a root: it opened (a turn of) a session. */
  root: RootInfo | undefined;
  startPerf: number;
  /** The inputs as JSON text, taken when the run started. */
  inputs: string;
  metadata: Dict | undefined;
  tags: string[] | undefined;
  children: string[];
  invocationParams?: Dict;
  defersInputs?: boolean;
  toolCallId?: string;
  firstTokenPerf?: number;
  /** The model a stream event named (the stream-events path), for when the final message does not. */
  streamedModel?: string;
  /** Extra metadata gathered while the run was open (agent actions, custom events, text). */
  annotations?: Dict;
  /** Feedback / metrics / metadata / user properties the app attached while the run was open. */
  enrichment?: Enrichment;
  /**
   * The event's `config` as far as the run's start tells it (a tool's definition, an agent's own
   * name, the prompt template a model was fed); the end adds its own.
   */
  startConfig?: Dict;
  /** A prompt template run: what it started with, read when it ends to link it to the model it feeds. */
  prompt?: PromptStart;
}

/** Recently ended runs remembered for late children: between this many and twice as many. */
const REMEMBERED = 2_000;

export class RunStore {
  readonly #open = new Map<string, RunRecord>();
  /** Only what a late child needs: the ended run's texts and children are not kept alive. */
  readonly #ended = new GenerationalMap<string, Attachment>(REMEMBERED);
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
    return this.attachPoint(runId)?.sessionId;
  }

  /**
   * Where a run started under `parentRunId` attaches: the open parent's record, or what is
   * remembered of a recently ended one; undefined when the parent is unknown (no parent, or the
   * handler was attached below it) — the new run is a root.
   */
  attachPoint(parentRunId: string | undefined): Attachment | undefined {
    if (!parentRunId) return undefined;
    return this.#open.get(parentRunId) ?? this.#ended.get(parentRunId);
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
    this.#ended.set(runId, remembered(record));
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

function remembered(record: RunRecord): Attachment {
  return {
    sessionId: record.sessionId,
    visibleId: record.visibleId,
    clock: record.clock,
    delivery: record.delivery,
    agentScope: record.agentScope,
  };
}

/** A run's start as Unix ms on its root's clock. */
export function startTime(record: RunRecord): number {
  return record.clock.wall + (record.startPerf - record.clock.perf);
}
