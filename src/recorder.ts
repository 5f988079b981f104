/**
 * The recorder turns run starts and ends into HoneyHive events and session parts and hands them to
 * the delivery pipeline. It runs inside LangChain callbacks: values are snapshotted to JSON text
 * here (inputs when a run starts, outputs when it ends), once, and nothing here does I/O or waits.
 */
import type { ResolvedOptions } from "./config/options.js";
import { activeSpan } from "./context/otel.js";
import { frameOf } from "./context/storage.js";
import type { Ready, Text } from "./delivery/items.js";
import type { DeliveryPipeline, RootHandle } from "./delivery/pipeline.js";
import type { Dict } from "./mapping/langchain-objects.js";
import type { PromptStart } from "./mapping/run-links.js";
import { sessionNameFor } from "./mapping/session-name.js";
import {
  DEFAULT_LIMITS,
  jsonText,
  MessageTextCache,
  objectText,
  type SerializeLimits,
  toJsonSafe,
} from "./mapping/to-json.js";
import { asObject } from "./mapping/values.js";
import { MediaUploads } from "./media/uploads.js";
import type { FieldMasker } from "./privacy/privacy.js";
import {
  type Attachment,
  type Clock,
  type Enrichment,
  type RootInfo,
  type RunKind,
  type RunRecord,
  RunStore,
  startTime,
} from "./runs/run-store.js";
import {
  type CallOverrides,
  callOverrides,
  HANDLER_METADATA_KEY,
  type PerCallProblem,
  sessionIdFor,
  sessionKeyFor,
} from "./runs/sessions.js";
import {
  duration,
  type EventRecord,
  eventBody,
  microseconds,
  NO_SESSION_START,
  type SessionEnd,
  type SessionStart,
  updateBody,
} from "./wire/bodies.js";
import type { EventType } from "./wire/contract.js";

export interface RunStart {
  runId: string;
  /** Where the run attaches (`attachPoint` of its parent run id); undefined for a root. */
  parent: Attachment | undefined;
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
  /** The run's own facts, kept on its record until it ends (see RunRecord). */
  agentScope?: string | undefined;
  startConfig?: Dict | undefined;
  prompt?: PromptStart | undefined;
}

export interface RunEnd {
  outputs: unknown;
  error?: string | null;
  /** Replaces the start inputs (deferred-input streaming steps). */
  inputs?: unknown;
  config?: Dict;
  metadata?: Dict;
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

export interface RecorderHooks {
  /** Whether a new root's session is recorded at all (sampling), decided once per root. */
  sampled(sessionId: string): boolean;
  mask: FieldMasker | undefined;
  /** Something under `metadata.honeyhive` that is ignored: an unknown key, a value of the wrong type. */
  onPerCallProblem?: (problem: PerCallProblem) => void;
  /** A `media.upload` that failed (the plain reference was recorded). */
  onError?: (error: Error) => void;
}

export class Recorder {
  readonly #options: ResolvedOptions;
  readonly #pipeline: DeliveryPipeline;
  readonly #hooks: RecorderHooks;
  readonly #runs = new RunStore();
  readonly #limits: SerializeLimits;
  /** Every model call and graph node of an agent turn sees the same message objects again. */
  readonly #messages: MessageTextCache;
  readonly #source: string;
  /** The `media.upload` step between snapshot and queue; undefined without the hook (no cost at all). */
  readonly #uploads: MediaUploads | undefined;
  #lastSessionId: string | undefined;

  constructor(options: ResolvedOptions, pipeline: DeliveryPipeline, hooks: RecorderHooks) {
    this.#options = options;
    this.#pipeline = pipeline;
    this.#hooks = hooks;
    this.#limits = { ...DEFAULT_LIMITS, maxStringLength: options.maxFieldLength };
    this.#messages = new MessageTextCache(this.#limits);
    this.#source = JSON.stringify(options.source);
    const media = options.media;
    this.#uploads = media?.upload
      ? new MediaUploads(
          media.upload,
          media.timeoutMs,
          { reserve: (n) => pipeline.reserveBytes(n), release: (n) => pipeline.releaseBytes(n) },
          hooks.onError ?? (() => {}),
        )
      : undefined;
  }

  get openRuns(): number {
    return this.#runs.size;
  }

  start(run: RunStart): void {
    // A caller without a run id cannot be tied into any tree (and must not open a run keyed "undefined").
    if (typeof run.runId !== "string" || !run.runId) return;
    // LangChain never starts a run twice; a caller that does must not split the tree in two.
    if (this.#runs.get(run.runId)) return;
    const perf = performance.now();
    const parent = run.parent;
    let sessionId: string;
    let parentEventId: string;
    let clock: Clock;
    let delivery: RootHandle | null;
    let root: RootInfo | undefined;
    let inputs: string;
    if (parent) {
      // The first run of this process in a continued trace: what joins it to the app's APM trace.
      if (parent.entry) run.metadata = withOtel(run.metadata, parent.entry.traceId);
      sessionId = parent.sessionId;
      parentEventId = parent.visibleId;
      clock = parent.clock;
      delivery = parent.delivery;
      inputs = live(delivery) && !run.hidden ? this.#inputsText(run.inputs) : "{}";
    } else {
      clock = { wall: Date.now(), perf };
      // A root inside a continued trace that carried only a W3C trace id records that id.
      run.metadata = withOtel(run.metadata, frameOf(this)?.traceId);
      const overrides = callOverrides(run.metadata, this.#hooks.onPerCallProblem);
      const o = this.#options;
      const sessionKey = sessionKeyFor(overrides, o.sessionId, run.metadata);
      sessionId = sessionKey ? sessionIdFor(sessionKey) : crypto.randomUUID();
      const linked = (overrides.parentEventId ?? o.parentEventId) !== undefined;
      root = { manageSession: o.manageSession ?? !linked, shared: sessionKey !== undefined };
      parentEventId = overrides.parentEventId ?? o.parentEventId ?? sessionId;
      this.#lastSessionId = sessionId;
      inputs = this.#hooks.sampled(sessionId) && !run.hidden ? this.#inputsText(run.inputs) : "";
      delivery = inputs ? this.#beginRoot(run, sessionId, sessionKey, overrides, root, clock, inputs) : null;
      if (!live(delivery)) inputs = "{}";
    }
    const record: RunRecord = {
      runId: run.runId,
      kind: run.kind,
      name: run.name,
      hidden: run.hidden === true,
      sessionId,
      parentEventId,
      visibleId: run.hidden ? parentEventId : run.runId,
      root,
      clock,
      startPerf: perf,
      delivery,
      inputs,
      metadata: run.metadata,
      tags: run.tags,
      children: [],
      agentScope: run.agentScope,
    };
    if (live(delivery)) {
      this.#pipeline.holdBytes(inputs.length);
      // Uploads start now and run while the run does: its event rarely has to wait at the end.
      this.#uploads?.start(inputs);
    }
    if (run.invocationParams) record.invocationParams = run.invocationParams;
    if (run.defersInputs) record.defersInputs = true;
    if (run.toolCallId) record.toolCallId = run.toolCallId;
    if (run.startConfig) record.startConfig = run.startConfig;
    if (run.prompt) record.prompt = run.prompt;
    this.#runs.add(record);
    this.#giveUpStale(clock.wall + (perf - clock.perf));
  }

  get(runId: string): RunRecord | undefined {
    return this.#runs.get(runId);
  }

  /**
   * Where a run started under `parentRunId` attaches (open or recently ended parent); undefined: a
   * root. Inside a traced call or continued trace of this handler (SPEC §8), a run LangChain
   * reports as a root, under a run this handler does not know, or under the very run the traced
   * call was made in (callbacks inherited from a tool), attaches to the innermost of those instead.
   */
  attachPoint(parentRunId: string | undefined): Attachment | undefined {
    const frame = frameOf(this);
    if (frame?.attachment === undefined) return this.#runs.attachPoint(parentRunId);
    if (parentRunId === undefined || parentRunId === frame.lcRunId) return frame.attachment;
    return this.#runs.attachPoint(parentRunId) ?? frame.attachment;
  }

  /** Where a run (open or recently ended) attaches its children, if this handler knows it. */
  knownRun(runId: string): Attachment | undefined {
    return this.#runs.attachPoint(runId);
  }

  /**
   * The attachment point of a continued trace (SPEC §8): runs inside are children of the caller's
   * event in the caller's session, which this process never creates or completes (a root handle
   * that does not manage its session, like the `parentEventId` option).
   */
  link(sessionId: string, parentEventId: string, traceId: string | undefined): Attachment {
    const clock = { wall: Date.now(), perf: performance.now() };
    const delivery = this.#hooks.sampled(sessionId)
      ? this.#pipeline.beginRoot({ sessionId, shared: true, managed: false, session: NO_SESSION_START }, 0)
      : null;
    return {
      sessionId,
      visibleId: parentEventId,
      clock,
      delivery,
      agentScope: undefined,
      entry: { traceId },
    };
  }

  /**
   * The session of this tree is handed to another service (`propagationHeaders`): it must exist
   * before that service's events arrive, so its creation is not held back for the root to end.
   */
  handOut(attachment: Attachment): void {
    if (live(attachment.delivery)) this.#pipeline.ensureSession(attachment.delivery);
  }

  /**
   * Marks the first streamed token of a model run (time to first token), when `carriesContent`
   * says this callback is one. It is asked only until the first token is marked: later chunks cost
   * a lookup, not an inspection.
   */
  firstToken(runId: string, carriesContent: () => boolean): void {
    const record = this.#runs.get(runId);
    if (record && record.firstTokenPerf === undefined && carriesContent())
      record.firstTokenPerf = performance.now();
  }

  /** Remembers the model a stream event named as the one that answered (first one wins). */
  streamedModel(runId: string, model: string): void {
    const record = this.#runs.get(runId);
    if (record) record.streamedModel ??= model;
  }

  /** Adds a value (snapshotted now) to a list in the run's metadata (agent actions, custom events, text). */
  annotate(runId: string, key: string, value: unknown): boolean {
    const record = this.#runs.get(runId);
    if (!record) return false;
    if (!live(record.delivery)) return true;
    record.annotations ??= {};
    const existing = record.annotations[key];
    const list = Array.isArray(existing) ? existing : [];
    record.annotations[key] = list;
    if (list.length < MAX_ANNOTATIONS) list.push(toJsonSafe(value, this.#limits));
    return true;
  }

  end(runId: string, end: RunEnd): boolean {
    const record = this.#runs.remove(runId);
    if (!record) return false;
    this.#finish(record, end);
    return true;
  }

  /** The session id of the most recent root run. */
  get lastSessionId(): string | undefined {
    return this.#lastSessionId;
  }

  sessionOf(runId: string): string | undefined {
    return this.#runs.sessionOf(runId);
  }

  /** Whether the tree this run belongs to is recorded (false: not sampled, or refused for memory). */
  recorded(runId: string): boolean | undefined {
    const record = this.#runs.get(runId);
    return record ? record.delivery !== null : undefined;
  }

  /**
   * App-supplied fields (already snapshotted) for an event or session: merged into the run while it
   * is open (they go with its event), else sent as an update after what was recorded before.
   */
  enrich(targetId: string, sessionId: string | undefined, enrichment: Enrichment): void {
    if (this.#enrichOpen(targetId, enrichment)) return;
    this.#pipeline.update(targetId, sessionId, updateBody(enrichment, this.#options.maxRequestBytes));
  }

  #enrichOpen(runId: string, enrichment: Enrichment): boolean {
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

  // ---- internals ----------------------------------------------------------------------------

  #inputsText(inputs: unknown): string {
    if (this.#options.hideInputs) return HIDDEN;
    return objectText(asObject(inputs, "input"), "input", this.#limits, this.#messages);
  }

  #outputsText(outputs: unknown): string {
    if (this.#options.hideOutputs) return HIDDEN;
    return objectText(asObject(outputs, "output"), "output", this.#limits, this.#messages);
  }

  #beginRoot(
    run: RunStart,
    sessionId: string,
    sessionKey: string | undefined,
    overrides: CallOverrides,
    root: RootInfo,
    clock: Clock,
    inputs: string,
  ): RootHandle | null {
    const o = this.#options;
    const sessionMetadata: Dict = { ...o.metadata, ...overrides.metadata };
    if (sessionKey && sessionId !== sessionKey) sessionMetadata.session_key = sessionKey;
    if (o.tags?.length) sessionMetadata.tags = o.tags;
    const userProperties =
      o.userProperties || overrides.userProperties
        ? jsonText({ ...o.userProperties, ...overrides.userProperties }, this.#limits)
        : undefined;
    const sessionName = sessionNameFor({
      chosen: overrides.sessionName ?? o.sessionName,
      runName: run.name,
      className: run.className,
    });
    const start = (inputsText: string, metadata: string): SessionStart => ({
      sessionId,
      sessionName,
      source: this.#source,
      startTime: microseconds(clock.wall),
      inputs: inputsText,
      metadata,
      userProperties,
    });
    const maskedInputs = this.#field(inputs, "inputs", "session", sessionName);
    const metadata = this.#mask(jsonText(sessionMetadata, this.#limits), "metadata", "session", sessionName);
    const session: Ready<SessionStart> =
      typeof maskedInputs === "string" && typeof metadata === "string"
        ? start(maskedInputs, metadata)
        : Promise.all([maskedInputs, metadata]).then(([i, m]) => start(i, m));
    return this.#pipeline.beginRoot(
      { sessionId, shared: root.shared, managed: root.manageSession, session },
      inputs.length,
    );
  }

  /** Emits a finished run: its event (unless hidden) and, for a root, the session's completion. */
  #finish(record: RunRecord, end: RunEnd): void {
    const delivery = record.delivery;
    const perf = performance.now();
    if (!delivery) return;
    if (delivery.refused) {
      if (!record.hidden) this.#pipeline.dropEvent();
      return;
    }
    this.#pipeline.releaseBytes(record.inputs.length);
    // A hidden run's outputs go nowhere unless it is a root completing its session.
    if (record.hidden && !record.root?.manageSession) return;
    const outputs = end.error !== undefined && isEmpty(end.outputs) ? "{}" : this.#outputsText(end.outputs);
    const endTime = microseconds(record.clock.wall + (perf - record.clock.perf));
    const start = microseconds(startTime(record));
    if (!record.hidden) {
      const body = this.#eventBody(record, end, outputs, start, endTime);
      const size = typeof body === "string" ? body.length : record.inputs.length + outputs.length;
      this.#pipeline.event(delivery, record.runId, body, size);
    }
    if (record.root?.manageSession) {
      // UpdateEventRequest has no `error` field: a failed root is recorded in the session's metadata.
      const meta = end.error
        ? { error: end.error, ...(end.metadata ?? {}) }
        : end.metadata?.interrupted
          ? end.metadata
          : undefined;
      const sessionEnd = (sessionOutputs: string): SessionEnd => ({
        outputs: sessionOutputs,
        endTime,
        // A session that may span several roots gets its duration from HoneyHive (earliest to latest event).
        duration: record.root?.shared ? undefined : duration(start, endTime),
        metadata: meta ? jsonText(meta, this.#limits) : undefined,
      });
      const masked = this.#field(outputs, "outputs", "session", record.name);
      this.#pipeline.endRoot(
        delivery,
        typeof masked === "string" ? sessionEnd(masked) : masked.then(sessionEnd),
      );
    }
  }

  #mask(text: string, field: "inputs" | "outputs" | "metadata", eventType: string, name: string): Text {
    const mask = this.#hooks.mask;
    return mask ? mask(text, field, eventType, name) : text;
  }

  /** An inputs or outputs text as it leaves: uploaded media's URLs written in, then masked. */
  #field(text: string, field: "inputs" | "outputs", eventType: string, name: string): Text {
    const withUrls = this.#uploads ? this.#uploads.resolve(text) : text;
    if (typeof withUrls === "string") return this.#mask(withUrls, field, eventType, name);
    return this.#hooks.mask ? withUrls.then((t) => this.#mask(t, field, eventType, name)) : withUrls;
  }

  /** O(1) almost always: the store sweeps only when over the count or once per interval. */
  #giveUpStale(wall: number): void {
    const { maxOpenRuns, openRunTtlMs } = this.#options;
    for (const record of this.#runs.takeStale(maxOpenRuns, wall, openRunTtlMs)) {
      this.#abandon(
        record,
        `it was still open after ${Math.round(wall - startTime(record))} ms (openRunTtlMs ${openRunTtlMs}, maxOpenRuns ${maxOpenRuns})`,
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

  #eventBody(record: RunRecord, end: RunEnd, outputs: string, start: number, endTime: number): Text {
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
    const tags =
      o.tags?.length || record.tags?.length ? [...(o.tags ?? []), ...(record.tags ?? [])] : undefined;
    if (tags) metadata.tags = [...new Set(tags)];

    let metrics: Dict | undefined = end.metrics;
    // HoneyHive's event standard keeps timings in `metrics` (tokens stay in metadata).
    if (record.firstTokenPerf !== undefined) {
      metrics = { ...metrics, ttft_ms: microseconds(record.firstTokenPerf - record.startPerf) };
    }
    const enrichment = record.enrichment;
    if (enrichment?.metadata) Object.assign(metadata, enrichment.metadata);
    if (enrichment?.metrics) metrics = { ...metrics, ...enrichment.metrics };

    const inputs =
      record.defersInputs && end.inputs !== undefined ? this.#inputsText(end.inputs) : record.inputs;
    const type = EVENT_TYPE[record.kind];
    const limits = this.#limits;
    const event: EventRecord = {
      eventId: record.runId,
      sessionId: record.sessionId,
      parentId: record.parentEventId,
      eventType: type,
      eventName: record.name,
      source: this.#source,
      childrenIds: record.children,
      startTime: start,
      endTime,
      inputs,
      outputs,
      error: end.error ?? null,
      // Most events of a chain have no metadata: no walk for those.
      metadata: hasKeys(metadata) ? jsonText(metadata, limits) : "{}",
      config: end.config ? jsonText(end.config, limits) : undefined,
      metrics: metrics ? jsonText(metrics, limits) : undefined,
      feedback: enrichment?.feedback ? jsonText(enrichment.feedback, limits) : undefined,
      userProperties: enrichment?.user_properties ? jsonText(enrichment.user_properties, limits) : undefined,
    };
    const max = this.#options.maxRequestBytes;
    if (!this.#hooks.mask && !this.#uploads) return eventBody(event, max);
    const maskedInputs = this.#field(inputs, "inputs", type, record.name);
    const maskedOutputs = this.#field(outputs, "outputs", type, record.name);
    const maskedMetadata = this.#mask(event.metadata, "metadata", type, record.name);
    if (
      typeof maskedInputs === "string" &&
      typeof maskedOutputs === "string" &&
      typeof maskedMetadata === "string"
    )
      return eventBody(
        { ...event, inputs: maskedInputs, outputs: maskedOutputs, metadata: maskedMetadata },
        max,
      );
    return Promise.all([maskedInputs, maskedOutputs, maskedMetadata]).then(([i, o, m]) =>
      eventBody({ ...event, inputs: i, outputs: o, metadata: m }, max),
    );
  }
}

/** A tree that is recorded: sampled, and not refused for memory. */
function live(delivery: RootHandle | null): delivery is RootHandle {
  return delivery !== null && !delivery.refused;
}

const HIDDEN = '{"hidden":"[not recorded: hideInputs/hideOutputs]"}';

/**
 * A root's metadata with the ids that join it to the app's OpenTelemetry trace (SPEC §8): the active
 * span's, else the trace id a continued trace carried. Unchanged (same object) when there are none.
 */
export function withOtel(metadata: Dict | undefined, traceId: string | undefined): Dict | undefined {
  const span = activeSpan();
  if (span) return { ...metadata, otel_trace_id: span.traceId, otel_span_id: span.spanId };
  return traceId ? { ...metadata, otel_trace_id: traceId } : metadata;
}

function hasKeys(obj: Dict): boolean {
  for (const _ in obj) return true;
  return false;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "object" && Object.keys(v as object).length === 0);
}
