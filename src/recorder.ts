/**
 * The recorder turns run starts and ends into HoneyHive sessions and events and hands them to the
 * delivery queue. It runs inside LangChain callbacks, so everything here is bookkeeping: no I/O,
 * no deep walks of application data (that happens in the delivery pipeline).
 */
import type { ResolvedOptions } from "./config/options.js";
import type { DeliveryItem } from "./delivery/queue.js";
import type { Dict } from "./mapping/langchain-objects.js";
import { sessionNameFor } from "./mapping/session-name.js";
import { asObject } from "./mapping/values.js";
import { type Enrichment, type RootInfo, type RunKind, type RunRecord, RunStore } from "./runs/run-store.js";
import {
  type CallOverrides,
  callOverrides,
  HANDLER_METADATA_KEY,
  sessionIdFor,
  sessionKeyFor,
} from "./runs/sessions.js";
import { GenerationalMap } from "./util/generational-map.js";
import type { EventType } from "./wire/contract.js";

export interface RunStart {
  runId: string;
  parentRunId: string | undefined;
  kind: RunKind;
  name: string;
  /** The class LangChain serialized the run as (tells an app-given name from LangChain's default). */
  className?: string | undefined;
  inputs: unknown;
  tags: string[] | undefined;
  metadata: Dict | undefined;
  hidden?: boolean;
  invocationParams?: Dict;
  defersInputs?: boolean;
  toolCallId?: string;
}

export interface RunEnd {
  outputs: Dict;
  error?: string | null;
  /** Replaces the start inputs (deferred-input streaming steps). */
  inputs?: unknown;
  config?: Dict;
  metadata?: Dict;
  /** HoneyHive `metrics` (a provider-reported `cost`); the app's own metrics are merged over it. */
  metrics?: Dict;
}

const EVENT_TYPE: Record<RunKind, EventType> = {
  chain: "chain",
  chat: "model",
  llm: "model",
  tool: "tool",
  retriever: "tool",
};

const MAX_ANNOTATIONS = 100;

/** `performance.now()` is monotonic; durations come from it, wall-clock stamps from Date.now(). */
const now = (): { wall: number; perf: number } => ({ wall: Date.now(), perf: performance.now() });

export class Recorder {
  readonly #options: ResolvedOptions;
  readonly #enqueue: (item: DeliveryItem) => void;
  readonly #runs = new RunStore();
  #lastSessionId: string | undefined;
  /** First start seen per session (bounded), for the duration of multi-turn sessions. */
  readonly #sessionStarts = new GenerationalMap<string, { wall: number }>(2_000);

  constructor(options: ResolvedOptions, enqueue: (item: DeliveryItem) => void) {
    this.#options = options;
    this.#enqueue = enqueue;
  }

  get openRuns(): number {
    return this.#runs.size;
  }

  start(run: RunStart): void {
    const t = now();
    const parent = this.#runs.parentOf(run.parentRunId);
    let sessionId: string;
    let parentEventId: string;
    let root: RootInfo | undefined;
    if (parent) {
      sessionId = parent.sessionId;
      parentEventId = parent.visibleId;
    } else {
      const overrides = callOverrides(run.metadata);
      root = this.#rootInfo(run, overrides);
      sessionId = root.sessionId;
      parentEventId = overrides.parentEventId ?? this.#options.parentEventId ?? sessionId;
      this.#lastSessionId = sessionId;
      if (!this.#sessionStarts.has(sessionId)) this.#sessionStarts.set(sessionId, { wall: t.wall });
    }
    const record: RunRecord = {
      runId: run.runId,
      kind: run.kind,
      name: run.name,
      hidden: run.hidden === true,
      sessionId,
      parentEventId,
      root,
      startTime: t.wall,
      startPerf: t.perf,
      inputs: run.inputs,
      metadata: run.metadata,
      tags: run.tags,
      children: [],
    };
    if (run.invocationParams) record.invocationParams = run.invocationParams;
    if (run.defersInputs) record.defersInputs = true;
    if (run.toolCallId) record.toolCallId = run.toolCallId;
    this.#runs.add(record);
    if (root?.manageSession) this.#startSession(record, root);
    this.#giveUpStale(t.wall);
  }

  get(runId: string): RunRecord | undefined {
    return this.#runs.get(runId);
  }

  /** Marks the first streamed token of a model run (time to first token). */
  firstToken(runId: string): void {
    const record = this.#runs.get(runId);
    if (record && record.firstTokenPerf === undefined) record.firstTokenPerf = performance.now();
  }

  /** Adds a value to a list in the run's metadata (agent actions, custom events, text). */
  annotate(runId: string, key: string, value: unknown): boolean {
    const record = this.#runs.get(runId);
    if (!record) return false;
    record.annotations ??= {};
    const existing = record.annotations[key];
    const list = Array.isArray(existing) ? existing : [];
    record.annotations[key] = list;
    if (list.length < MAX_ANNOTATIONS) list.push(value);
    return true;
  }

  end(runId: string, end: RunEnd): boolean {
    const record = this.#runs.remove(runId);
    if (!record) return false;
    this.#finish(record, end);
    return true;
  }

  /** Emits a finished run: its event (unless hidden) and, for a root, the session's completion. */
  #finish(record: RunRecord, end: RunEnd): void {
    const t = now();
    if (!record.hidden) {
      this.#enqueue({
        kind: "event",
        sessionId: record.sessionId,
        eventId: record.runId,
        body: this.#eventBody(record, end, t),
      });
    }
    if (record.root?.manageSession) this.#endSession(record, end, t);
  }

  /** The session id of the most recent root run. */
  get lastSessionId(): string | undefined {
    return this.#lastSessionId;
  }

  sessionOf(runId: string): string | undefined {
    return this.#runs.sessionOf(runId);
  }

  /** Merges app-supplied fields into a run that has not ended yet; false when it is not open. */
  enrichOpen(runId: string, enrichment: Enrichment): boolean {
    const record = this.#runs.get(runId);
    if (!record) return false;
    const into: Enrichment = record.enrichment ?? {};
    record.enrichment = into;
    for (const key of ["feedback", "metrics", "metadata", "user_properties"] as const) {
      const add = enrichment[key];
      if (add) into[key] = { ...into[key], ...add };
    }
    return true;
  }

  /** Sends every open run as unfinished (on shutdown). */
  abandonAll(reason: string): void {
    for (const record of this.#runs.takeAll()) this.#abandon(record, reason);
  }

  /** O(1) almost always: the store sweeps only when over the count or once per interval. */
  #giveUpStale(wall: number): void {
    const { maxOpenRuns, openRunTtlMs } = this.#options;
    for (const record of this.#runs.takeStale(maxOpenRuns, wall, openRunTtlMs)) {
      this.#abandon(
        record,
        `it was still open after ${wall - record.startTime} ms (openRunTtlMs ${openRunTtlMs}, maxOpenRuns ${maxOpenRuns})`,
      );
    }
  }

  #abandon(record: RunRecord, reason: string): void {
    this.#finish(record, {
      outputs: {},
      error: `RunNotEnded: LangChain never reported the end of this run; ${reason}.`,
      metadata: { unfinished: true },
    });
  }

  #rootInfo(run: RunStart, overrides: CallOverrides): RootInfo {
    const o = this.#options;
    const sessionKey = sessionKeyFor(overrides, o.sessionId, run.metadata);
    const sessionId = sessionKey ? sessionIdFor(sessionKey) : crypto.randomUUID();
    const sessionMetadata: Dict = { ...o.metadata, ...overrides.metadata };
    if (sessionKey && sessionId !== sessionKey) sessionMetadata.session_key = sessionKey;
    if (o.tags?.length) sessionMetadata.tags = o.tags;
    const userProperties =
      o.userProperties || overrides.userProperties
        ? { ...o.userProperties, ...overrides.userProperties }
        : undefined;
    const linked = (overrides.parentEventId ?? o.parentEventId) !== undefined;
    return {
      manageSession: o.manageSession ?? !linked,
      sessionId,
      sessionName: sessionNameFor({
        chosen: overrides.sessionName ?? o.sessionName,
        runName: run.name,
        className: run.className,
      }),
      userProperties,
      sessionMetadata,
    };
  }

  #startSession(record: RunRecord, root: RootInfo): void {
    const body: Dict = {
      session_id: record.sessionId,
      session_name: root.sessionName,
      source: this.#options.source,
      start_time: record.startTime,
      inputs: asObject(record.inputs, "input"),
      metadata: root.sessionMetadata,
    };
    if (root.userProperties) body.user_properties = root.userProperties;
    this.#enqueue({ kind: "session", sessionId: record.sessionId, body });
  }

  #endSession(record: RunRecord, end: RunEnd, t: { wall: number; perf: number }): void {
    // A multi-turn session spans from its first turn (as far as this process saw it) to this end.
    const first = this.#sessionStarts.get(record.sessionId);
    const duration = first && first.wall < record.startTime ? t.wall - first.wall : t.perf - record.startPerf;
    const body: Dict = { outputs: end.outputs, end_time: t.wall, duration: round(duration) };
    // UpdateEventRequest has no `error` field: a failed root is recorded in the session's metadata.
    if (end.error) body.metadata = { error: end.error, ...(end.metadata ?? {}) };
    else if (end.metadata?.interrupted) body.metadata = { ...end.metadata };
    this.#enqueue({ kind: "update", targetId: record.sessionId, sessionId: record.sessionId, body });
  }

  #eventBody(record: RunRecord, end: RunEnd, t: { wall: number; perf: number }): Dict {
    const o = this.#options;
    const metadata: Dict = { ...o.metadata };
    if (record.metadata) {
      for (const key in record.metadata) {
        if (key !== HANDLER_METADATA_KEY) metadata[key] = record.metadata[key];
      }
    }
    if (end.metadata) Object.assign(metadata, end.metadata);
    if (record.annotations) Object.assign(metadata, record.annotations);
    if (record.toolCallId) metadata.tool_call_id ??= record.toolCallId;
    if (record.firstTokenPerf !== undefined) {
      metadata.time_to_first_token_ms = round(record.firstTokenPerf - record.startPerf);
    }
    const tags =
      o.tags?.length || record.tags?.length ? [...(o.tags ?? []), ...(record.tags ?? [])] : undefined;
    if (tags) metadata.tags = [...new Set(tags)];

    const inputs = record.defersInputs && end.inputs !== undefined ? end.inputs : record.inputs;
    const body: Dict = {
      event_id: record.runId,
      session_id: record.sessionId,
      parent_id: record.parentEventId,
      event_type: EVENT_TYPE[record.kind],
      event_name: record.name,
      source: o.source,
      children_ids: record.children,
      start_time: record.startTime,
      end_time: t.wall,
      duration: round(t.perf - record.startPerf),
      inputs: asObject(inputs, "input"),
      outputs: end.outputs,
      error: end.error ?? null,
      metadata,
    };
    if (end.config) body.config = end.config;
    if (end.metrics) body.metrics = end.metrics;
    const enrichment = record.enrichment;
    if (enrichment) {
      if (enrichment.metadata) Object.assign(metadata, enrichment.metadata);
      if (enrichment.feedback) body.feedback = enrichment.feedback;
      if (enrichment.metrics) body.metrics = { ...end.metrics, ...enrichment.metrics };
      if (enrichment.user_properties) body.user_properties = enrichment.user_properties;
    }
    return body;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
