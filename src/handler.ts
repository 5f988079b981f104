/**
 * `HoneyHiveHandler`: the LangChain callback surface. Each callback reads LangChain's arguments (in
 * the order the CallbackManager really passes them), shapes them shallowly, and hands them to the
 * recorder. Nothing here awaits, does I/O, or throws into LangChain.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { z } from "zod";
import { type HoneyHiveHandlerOptions, type ResolvedOptions, resolveOptions } from "./config/options.js";
import { CONTEXT_OWNER, type ContextOwner } from "./context/current.js";
import { currentLangChainRun } from "./context/langchain.js";
import { contextStorage, type Frame, frameOf, innermostFrame, runInFrame } from "./context/storage.js";
import { callInputs, type Outcome, parameterNames, type TracedCall, wrapFunction } from "./context/traced.js";
import { readTraceHeaders, type TraceHeaders } from "./context/w3c.js";
import { type DeliveryStats, EMPTY_STATS, type FlushResult } from "./delivery/counters.js";
import { createDelivery, type Delivery } from "./delivery/delivery.js";
import { asHoneyHiveError, HoneyHiveConfigError } from "./errors.js";
import { chainValue } from "./mapping/chain-values.js";
import { type Dict, isObject } from "./mapping/langchain-objects.js";
import { answeredToolCalls, modelConfig, modelEnd } from "./mapping/model.js";
import { agentInside, ownAgent, promptStart, RunLinks, runMetadata } from "./mapping/run-links.js";
import { eventTags } from "./mapping/run-metadata.js";
import {
  streamEventCarriesContent,
  streamEventModel,
  tokenCarriesContent,
} from "./mapping/stream-content.js";
import { DEFAULT_LIMITS, toJsonSafe } from "./mapping/to-json.js";
import { serializedClass } from "./mapping/tools.js";
import { describeError, runName, toolInputs, toolResult } from "./mapping/values.js";
import { fieldMasker, sessionSampler } from "./privacy/privacy.js";
import { Recorder, type RunEnd, withOtel } from "./recorder.js";
import type { Attachment, Enrichment, RunKind, RunRecord } from "./runs/run-store.js";
import { sessionIdFor } from "./runs/sessions.js";
import {
  callContained,
  consoleLogger,
  type Logger,
  logOnce,
  redactingLogger,
  redactor,
} from "./util/logger.js";
import { timerDelay } from "./util/timeout.js";

export interface FlushOptions {
  /**
   * Give up waiting after this many ms (default: the `flushTimeoutMs` option). `Infinity` waits as
   * long as a timer can (about 24.8 days); NaN or a negative value means the default.
   */
  timeoutMs?: number;
}

/** What the app may attach to an event or a session after the fact (`PUT /v1/events/{id}`). */
export interface EventEnrichment {
  /** e.g. `{ rating: 1, comment: "wrong city" }` from a user's thumbs up/down. */
  feedback?: Record<string, unknown>;
  /** Numeric or boolean scores, e.g. `{ relevance: 0.8 }`. */
  metrics?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  userProperties?: Record<string, unknown>;
}

const jsonRecord = z.record(z.string(), z.unknown());
const enrichmentSchema = z.strictObject({
  feedback: jsonRecord.optional(),
  metrics: jsonRecord.optional(),
  metadata: jsonRecord.optional(),
  userProperties: jsonRecord.optional(),
});

/** How `handler.trace` records each call of the function it wraps. */
export interface TraceOptions {
  /** The event's name (and a root's session name); default: the function's name. */
  name?: string;
  /** The event's type: `"chain"` (default), `"tool"` or `"model"`. */
  eventType?: "chain" | "tool" | "model";
  /** The event's `config` (a model's name and settings, a tool's description…), recorded as given when `trace` was called. */
  config?: Record<string, unknown>;
  /**
   * Added to the event's metadata. Per-call settings go under `honeyhive` as for a LangChain run
   * (`metadata: honeyhive({ sessionId })`): they decide a root call's session.
   */
  metadata?: Record<string, unknown>;
}

/** A `trace` call's options, checked and snapshotted once. */
interface TraceSpec {
  name: string;
  className: string | undefined;
  kind: RunKind;
  config: Dict | undefined;
  metadata: Record<string, unknown> | undefined;
}

const EVENT_KINDS: Record<NonNullable<TraceOptions["eventType"]>, RunKind> = {
  chain: "chain",
  tool: "tool",
  model: "llm",
};

export interface HandlerStats extends DeliveryStats {
  /** Runs started and not yet ended. */
  openRuns: number;
}

const HIDDEN_TAG = "langsmith:hidden";

function asDict(v: unknown): Dict | undefined {
  return isObject(v) && !Array.isArray(v) ? v : undefined;
}

function tagsOf(v: unknown): string[] | undefined {
  return Array.isArray(v) ? (v.filter((t) => typeof t === "string") as string[]) : undefined;
}

/**
 * What every run start shares: where it attaches, the agent it is inside of, and its event's
 * metadata (not computed for a run that has no event).
 */
function placement(
  r: Recorder,
  parentRunId: string | undefined,
  kind: "chain" | "model" | "tool" | "retriever",
  name: string,
  className: string | undefined,
  metadata: unknown,
  own?: string,
  hasEvent = true,
): { parent: Attachment | undefined; inside: string | undefined; metadata: Dict | undefined } {
  const parent = r.attachPoint(parentRunId);
  const md = asDict(metadata);
  const inside = agentInside(parent?.agentScope, own, md);
  return { parent, inside, metadata: hasEvent ? runMetadata(kind, name, className, md, inside) : undefined };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v ? v : undefined;
}

const EMPTY_FLUSH: FlushResult = { ...EMPTY_STATS, timedOut: false };

export class HoneyHiveHandler extends BaseCallbackHandler {
  name = "honeyhive_handler";

  /**
   * Our callbacks are synchronous bookkeeping, so LangChain may await them inline: timestamps are
   * taken when the work happens (not when LangChain's shared background queue gets round to us),
   * and a slow handler elsewhere in the app cannot delay or reorder our view of the runs.
   */
  override awaitHandlers = true;

  readonly #options: ResolvedOptions;
  readonly #logger: Logger;
  readonly #recorder: Recorder | undefined;
  readonly #delivery: Delivery | undefined;
  #stopped = false;
  #sampled: (sessionId: string) => boolean = () => true;
  #shutdownPromise: Promise<FlushResult> | undefined;
  /**
   * Prompt → model and tool call → tool: links between runs (mapping/run-links.ts). A run's own
   * facts (agent scope, tool config, template, prompt start) are on its record.
   */
  readonly #links = new RunLinks();

  /** @throws HoneyHiveConfigError when an option is invalid (the message names it). */
  constructor(options: HoneyHiveHandlerOptions = {}) {
    const o = resolveOptions(options);
    super({
      ignoreLLM: o.ignoreLLM,
      ignoreChain: o.ignoreChain,
      ignoreAgent: o.ignoreAgent,
      ignoreRetriever: o.ignoreRetriever,
      ignoreCustomEvent: o.ignoreCustomEvent,
    });
    this.#options = o;
    // Said once per logger: a handler per request must not repeat a deployment problem per request.
    const sink = o.logger ?? consoleLogger(o.verbose);
    this.#logger = redactingLogger(sink, o.apiKey, o.verbose);
    const problem = o.envProblem;
    if (problem) {
      logOnce(sink, problem, () => this.#logger.warn(problem));
      return;
    }
    if (!o.enabled) return;
    if (!o.apiKey) {
      logOnce(sink, "missing API key", () =>
        this.#logger.warn(
          "no HoneyHive API key: set HH_API_KEY (or pass apiKey). Nothing will be recorded; the app runs as usual.",
        ),
      );
      return;
    }
    if (o.verbose) {
      this.#logger.info(
        `sending events to ${o.serverUrl} (key from ${o.sources.apiKey === "option" ? "the apiKey option" : o.sources.apiKey})`,
      );
    }
    const onError = (error: Error): void => this.#reportError(error);
    this.#delivery = createDelivery({
      ...o,
      apiKey: o.apiKey,
      logger: this.#logger,
      onError,
      redact: redactor(o.apiKey),
    });
    this.#sampled = sessionSampler(o.sampleRate);
    this.#recorder = new Recorder(o, this.#delivery.pipeline, {
      sampled: this.#sampled,
      mask: fieldMasker(o.mask, o.maskTimeoutMs, onError),
      onError,
      onPerCallProblem: (problem) => logOnce(sink, problem.key, () => this.#logger.warn(problem.message)),
    });
  }

  /** The handler's own failures (bugs, bad arguments) are logged, never thrown into LangChain. */
  #guard(callback: string, fn: (recorder: Recorder) => void): void {
    const recorder = this.#recorder;
    if (!recorder || this.#stopped) return;
    try {
      fn(recorder);
    } catch (error) {
      this.#logger.debug(
        `${callback} failed inside the handler: ${error instanceof Error ? error.stack : error}`,
      );
      this.#reportError(error);
    }
  }

  /**
   * Hands an error to the user's onError, always as a HoneyHiveError (anything else is a bug in
   * here: `internal`). One that throws or rejects must not reach the delivery loop or the app.
   */
  #reportError(error: unknown): void {
    callContained(this.#options.onError, asHoneyHiveError(error));
  }

  /**
   * LangChain may copy callback handlers. A copy must share this handler's runs and queue (and an
   * options object would not survive the round trip through the constructor), so it is this handler.
   */
  override copy(): this {
    return this;
  }

  /** Ends a run; `end` builds its outputs from the open record (which holds what the start saw). */
  #end(callback: string, runId: unknown, end: (record: RunRecord) => RunEnd): void {
    this.#guard(callback, (r) => {
      const record = typeof runId === "string" ? r.get(runId) : undefined;
      if (!record) {
        this.#logger.debug(
          `${callback} for a run this handler did not see start (${String(runId)}): ignored`,
        );
        return;
      }
      r.end(record.runId, end(record));
    });
  }

  #error(
    callback: string,
    err: unknown,
    runId: unknown,
    extra?: (end: RunEnd, record: RunRecord) => void,
  ): void {
    this.#end(callback, runId, (record) => {
      const info = describeError(err);
      const end: RunEnd = { outputs: {}, error: info.error, metadata: info.metadata };
      extra?.(end, record);
      return end;
    });
  }

  // ---- chat models and LLMs ----------------------------------------------------------------

  override handleChatModelStart(
    llm: unknown,
    messages: unknown,
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    const chatHistory = Array.isArray(messages) && Array.isArray(messages[0]) ? messages[0] : [];
    this.#startModel("chat", llm, chatHistory, runId, parentRunId, extraParams, tags, metadata, name);
  }

  override handleLLMStart(
    llm: unknown,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    const prompt = Array.isArray(prompts) ? prompts[0] : prompts;
    this.#startModel("llm", llm, prompt, runId, parentRunId, extraParams, tags, metadata, name);
  }

  /** `input`: the chat messages, or the completion prompt. */
  #startModel(
    kind: "chat" | "llm",
    llm: unknown,
    input: unknown,
    runId: string,
    parentRunId: string | undefined,
    extraParams: unknown,
    tags: unknown,
    metadata: unknown,
    name: unknown,
  ): void {
    this.#guard(kind === "chat" ? "handleChatModelStart" : "handleLLMStart", (r) => {
      const runName_ = runName(llm, name, kind === "chat" ? "ChatModel" : "LLM");
      const className = serializedClass(llm);
      // The prompt template's variables sit beside chat_history (HoneyHive fills {{var}} from inputs).
      const template = this.#links.templateFor(parentRunId, input);
      const own = kind === "chat" ? { chat_history: input } : { prompt: input };
      const at = placement(r, parentRunId, "model", runName_, className, metadata);
      r.start({
        runId,
        parent: at.parent,
        kind,
        name: runName_,
        className,
        inputs: template ? { ...template.variables, ...own } : own,
        tags: eventTags(tagsOf(tags)),
        metadata: at.metadata,
        invocationParams: asDict(asDict(extraParams)?.invocation_params),
        agentScope: at.inside,
        startConfig: template ? { template: template.template } : undefined,
      });
    });
  }

  /** Time to first token: the first token that carries content, not a provider's empty opening event. */
  override handleLLMNewToken(
    token: string,
    _idx: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    fields?: unknown,
  ): void {
    this.#guard("handleLLMNewToken", (r) => r.firstToken(runId, () => tokenCarriesContent(token, fields)));
  }

  /** Time to first token on the stream-events path: the first content block or delta with content. */
  override handleChatModelStreamEvent(event: unknown, runId: string): void {
    this.#guard("handleChatModelStreamEvent", (r) => {
      r.firstToken(runId, () => streamEventCarriesContent(event));
      const model = streamEventModel(event);
      if (model) r.streamedModel(runId, model);
    });
  }

  override handleLLMEnd(output: unknown, runId: string): void {
    this.#end("handleLLMEnd", runId, (record) => {
      const end = modelEnd(output, record.kind === "chat", record.invocationParams, record.metadata);
      if (record.streamedModel && end.metadata.response_model === undefined)
        end.metadata.response_model = record.streamedModel;
      // The prompt template it was fed (config.template), known since its start.
      if (record.startConfig) Object.assign(end.config, record.startConfig);
      this.#links.modelEnded(record.invocationParams, answeredToolCalls(output));
      return end;
    });
  }

  override handleLLMError(err: unknown, runId: string): void {
    this.#error("handleLLMError", err, runId, (end, record) => {
      end.config = modelConfig(record.invocationParams, record.metadata, undefined);
      if (record.startConfig) Object.assign(end.config, record.startConfig);
    });
  }

  // ---- chains, runnables, graph nodes ------------------------------------------------------

  /** Parameters in the order the CallbackManager passes them (not the order base.d.ts declares). */
  override handleChainStart(
    chain: unknown,
    inputs: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    name?: string,
    extra?: Record<string, unknown>,
  ): void {
    this.#guard("handleChainStart", (r) => {
      const t = tagsOf(tags);
      const hidden = t?.includes(HIDDEN_TAG) ?? false;
      const runName_ = runName(chain, name, "chain");
      const className = serializedClass(chain);
      const agent = ownAgent(runName_, className, asDict(metadata));
      // A hidden run with a parent has no event: only the agent scope it passes on matters.
      const at = placement(
        r,
        parentRunId,
        "chain",
        runName_,
        className,
        metadata,
        agent,
        !(hidden && parentRunId !== undefined),
      );
      r.start({
        runId,
        parent: at.parent,
        kind: "chain",
        name: runName_,
        className,
        // A hidden run's inputs are never sent (LangGraph's writers and branches: most of a graph's runs).
        inputs: hidden ? undefined : chainValue(inputs),
        tags: eventTags(t),
        metadata: at.metadata,
        hidden,
        defersInputs: asDict(extra)?.lc_defers_inputs === true,
        agentScope: agent ?? at.inside,
        // `config.agent_name` of an agent's own chain event (honeyhive-event-schema.md CHAIN).
        startConfig: agent === undefined ? undefined : { agent_name: agent },
        prompt: runType === "prompt" ? promptStart(parentRunId, chain, inputs) : undefined,
      });
    });
  }

  override handleChainEnd(
    outputs: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    kwargs?: unknown,
  ): void {
    this.#end("handleChainEnd", runId, (record) => {
      const deferred = asDict(kwargs)?.inputs;
      if (record.prompt) this.#links.promptEnded(record.prompt, outputs, deferred);
      // Nothing of a hidden run that is not a root is sent: no need to shape its values.
      if (record.hidden && record.root === undefined) return { outputs: {} };
      const end: RunEnd = { outputs: chainValue(outputs), inputs: chainValue(deferred) };
      if (record.startConfig) end.config = record.startConfig;
      return end;
    });
  }

  override handleChainError(
    err: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    kwargs?: unknown,
  ): void {
    this.#error("handleChainError", err, runId, (end, record) => {
      end.inputs = chainValue(asDict(kwargs)?.inputs);
      if (record.startConfig) end.config = record.startConfig;
    });
  }

  // ---- tools and retrievers ----------------------------------------------------------------

  override handleToolStart(
    tool: unknown,
    input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
    toolCallId?: string,
  ): void {
    this.#guard("handleToolStart", (r) => {
      const runName_ = runName(tool, name, "tool");
      const className = serializedClass(tool);
      const callId = str(toolCallId);
      const at = placement(r, parentRunId, "tool", runName_, className, metadata);
      r.start({
        runId,
        parent: at.parent,
        kind: "tool",
        name: runName_,
        className,
        inputs: toolInputs(input),
        tags: eventTags(tagsOf(tags)),
        metadata: at.metadata,
        toolCallId: callId,
        agentScope: at.inside,
        startConfig: this.#links.toolConfig(runName_, tool, callId),
      });
    });
  }

  override handleToolEnd(output: unknown, runId: string): void {
    this.#end("handleToolEnd", runId, (record) => {
      const result = toolResult(output);
      const end: RunEnd = { outputs: result.outputs };
      if (record.startConfig) end.config = record.startConfig;
      if (result.error) end.error = result.error;
      if (result.toolCallId) end.metadata = { tool_call_id: result.toolCallId };
      return end;
    });
  }

  override handleToolError(err: unknown, runId: string): void {
    this.#error("handleToolError", err, runId, (end, record) => {
      if (record.startConfig) end.config = record.startConfig;
    });
  }

  override handleToolEvent(chunk: unknown, runId: string): void {
    this.#guard("handleToolEvent", (r) => r.annotate(runId, "tool_events", chunk));
  }

  override handleRetrieverStart(
    retriever: unknown,
    query: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.#guard("handleRetrieverStart", (r) => {
      const runName_ = runName(retriever, name, "retriever");
      const className = serializedClass(retriever);
      const at = placement(r, parentRunId, "retriever", runName_, className, metadata);
      r.start({
        runId,
        parent: at.parent,
        kind: "retriever",
        name: runName_,
        className,
        inputs: { query },
        tags: eventTags(tagsOf(tags)),
        metadata: at.metadata,
        agentScope: at.inside,
      });
    });
  }

  override handleRetrieverEnd(documents: unknown, runId: string): void {
    this.#end("handleRetrieverEnd", runId, () => ({ outputs: { documents } }));
  }

  override handleRetrieverError(err: unknown, runId: string): void {
    this.#error("handleRetrieverError", err, runId);
  }

  // ---- annotations on an existing run ------------------------------------------------------

  /** Legacy AgentExecutor: carries the chain's own run id, so it annotates that chain's event. */
  override handleAgentAction(action: unknown, runId: string): void {
    this.#guard("handleAgentAction", (r) => r.annotate(runId, "agent_actions", action));
  }

  override handleAgentEnd(finish: unknown, runId: string): void {
    this.#guard("handleAgentEnd", (r) => r.annotate(runId, "agent_finish", finish));
  }

  override handleText(text: string, runId: string): void {
    this.#guard("handleText", (r) => r.annotate(runId, "text", text));
  }

  override handleCustomEvent(eventName: string, data: unknown, runId: string): void {
    this.#guard("handleCustomEvent", (r) => r.annotate(runId, "custom_events", { name: eventName, data }));
  }

  // ---- trace context: the app's own code and other services (SPEC §8) ------------------------

  /** What `getCurrentEvent` / `propagationHeaders` ask of this handler about its LangChain runs. */
  get [CONTEXT_OWNER](): ContextOwner | undefined {
    return this.#stopped ? undefined : this.#recorder;
  }

  /**
   * Wraps `fn` so that each call is an event: inputs are its arguments (by parameter name where
   * they can be read), outputs its result (a promise's value; an iteration's items, the event
   * lasting until the iteration ends), error what it threw — which reaches the caller untouched.
   * LangChain runs started inside (with this handler in their callbacks) and traced calls inside
   * are its children; a call made inside a LangChain run (a tool, a lambda, a graph node) is that
   * run's child. A call with no parent is a root: its session follows the rules of a root run.
   *
   * @throws TypeError when `fn` is not a function; HoneyHiveConfigError for an invalid option.
   */
  trace<F extends (...args: never[]) => unknown>(fn: F, options: TraceOptions = {}): F {
    if (typeof fn !== "function") throw new TypeError("handler.trace: expected a function to wrap");
    const spec = this.#traceSpec(fn, options);
    // Created now, before the first call: LangChain's store too, so a tool's run is known inside it.
    if (this.#recorder) contextStorage();
    const params = parameterNames(fn);
    return wrapFunction(fn, (_this, args) => this.#beginCall(spec, params, args));
  }

  #traceSpec(fn: (...args: never[]) => unknown, options: TraceOptions): TraceSpec {
    if (typeof options !== "object" || options === null) {
      throw new HoneyHiveConfigError("handler.trace: options must be an object");
    }
    const { name, eventType = "chain", config, metadata } = options;
    if (name !== undefined && (typeof name !== "string" || !name)) {
      throw new HoneyHiveConfigError("handler.trace: name must be a non-empty string");
    }
    if (!Object.hasOwn(EVENT_KINDS, eventType)) {
      throw new HoneyHiveConfigError(
        `handler.trace: eventType must be "chain", "tool" or "model" (got ${String(eventType)})`,
      );
    }
    for (const [key, value] of [
      ["config", config],
      ["metadata", metadata],
    ] as const) {
      if (value !== undefined && asDict(value) === undefined) {
        throw new HoneyHiveConfigError(`handler.trace: ${key} must be an object`);
      }
    }
    // A function with no name gets a stand-in that counts as no name (session named after the script).
    const fnName = fn.name || "function";
    return {
      name: name ?? fnName,
      className: name === undefined && !fn.name ? "function" : undefined,
      kind: EVENT_KINDS[eventType],
      // Snapshotted once: the same for every call.
      config: config === undefined ? undefined : asDict(toJsonSafe(config, DEFAULT_LIMITS)),
      metadata,
    };
  }

  #beginCall(
    spec: TraceSpec,
    params: ReturnType<typeof parameterNames>,
    args: unknown[],
  ): TracedCall | undefined {
    const recorder = this.#recorder;
    if (!recorder || this.#stopped) return undefined;
    let call: TracedCall | undefined;
    this.#guard("trace", (r) => {
      const outer = frameOf(r);
      const lc = currentLangChainRun();
      // The innermost of: a LangChain run entered inside our frame (or with none), our frame.
      let parent: Attachment | undefined;
      if (lc !== undefined && lc.runId !== outer?.lcRunId) parent = r.knownRun(lc.runId);
      parent ??= outer?.attachment;
      const runId = crypto.randomUUID();
      r.start({
        runId,
        parent,
        kind: spec.kind,
        name: spec.name,
        className: spec.className,
        inputs: callInputs(params, args),
        tags: undefined,
        // A root gets the OpenTelemetry ids in the recorder; a traced call inside a tree here.
        metadata: parent ? withOtel(spec.metadata, undefined) : spec.metadata,
        startConfig: spec.config,
      });
      const record = r.get(runId);
      if (!record) return;
      const frame: Frame = {
        owner: r,
        attachment: {
          sessionId: record.sessionId,
          visibleId: record.visibleId,
          clock: record.clock,
          delivery: record.delivery,
          agentScope: record.agentScope,
        },
        lcRunId: lc?.runId,
        traceId: outer?.traceId,
        outer: innermostFrame(),
      };
      call = {
        frame: contextStorage() ? frame : undefined,
        end: (outcome) => this.#endCall(runId, outcome),
        snapshot: (item) => (record.delivery === null ? null : toJsonSafe(item, this.#limits)),
      };
    });
    return call;
  }

  get #limits() {
    return { ...DEFAULT_LIMITS, maxStringLength: this.#options.maxFieldLength };
  }

  #endCall(runId: string, outcome: Outcome): void {
    this.#guard("trace", (r) => {
      const record = r.get(runId);
      if (!record) return;
      const config = record.startConfig;
      if (outcome.ok) {
        r.end(runId, { outputs: outcome.output, ...(config ? { config } : {}) });
        return;
      }
      const info = describeError(outcome.error);
      r.end(runId, {
        outputs: outcome.items?.length ? { output: outcome.items } : {},
        error: info.error,
        metadata: info.metadata,
        ...(config ? { config } : {}),
      });
    });
  }

  /**
   * Runs `fn` as part of the calling service's trace: every traced call and LangChain run (of this
   * handler) inside is a child of the caller's event (`baggage` `parent_id`), in the caller's
   * session (`baggage` `session_id`), which this process never creates or completes. Returns what
   * `fn` returns. `headers`: a Fetch `Headers` or `Request`, or Node's `IncomingHttpHeaders`.
   * They are untrusted: a malformed, oversized or unknown value is ignored (a debug line), and
   * nothing in them can change an option; without usable ones `fn` just runs.
   */
  continueTrace<R>(headers: TraceHeaders, fn: () => R): R {
    const frame = this.#continuedFrame(headers);
    return frame ? runInFrame(frame, fn) : fn();
  }

  #continuedFrame(headers: TraceHeaders): Frame | undefined {
    const recorder = this.#recorder;
    if (!recorder || this.#stopped) return undefined;
    let frame: Frame | undefined;
    this.#guard("continueTrace", (r) => {
      if (!contextStorage()) {
        logOnce(this.#logger, "no async context", () =>
          this.#logger.warn(
            "continueTrace: this runtime has no AsyncLocalStorage, so runs cannot find the caller's trace; pass honeyhive({ sessionId, parentEventId }) from readTraceHeaders(headers) instead.",
          ),
        );
        return;
      }
      const incoming = readTraceHeaders(headers, (m) => this.#logger.debug(m));
      if (!incoming.sessionId && !incoming.traceId) return;
      const outer = frameOf(r);
      frame = {
        owner: r,
        attachment: incoming.sessionId
          ? r.link(incoming.sessionId, incoming.parentEventId ?? incoming.sessionId, incoming.traceId)
          : outer?.attachment,
        lcRunId: currentLangChainRun()?.runId,
        traceId: incoming.traceId ?? outer?.traceId,
        outer: innermostFrame(),
      };
    });
    return frame;
  }

  // ---- sessions and feedback ----------------------------------------------------------------

  /**
   * The HoneyHive session id of a run (give the `runId` you passed in the run's config, or any run
   * id LangChain reported), or of the most recent root run when called without one.
   */
  getSessionId(runId?: string): string | undefined {
    if (!this.#recorder) return undefined;
    return runId === undefined ? this.#recorder.lastSessionId : this.#recorder.sessionOf(runId);
  }

  /**
   * Attaches feedback, metrics, metadata or user properties to an event (its id is the LangChain
   * run id) after the fact. Works before and after the run ended. Returns false when nothing was
   * recorded (invalid arguments, handler disabled or shut down, session not sampled).
   */
  enrichEvent(eventId: string, enrichment: EventEnrichment): boolean {
    return this.#enrich("enrichEvent", eventId, this.#recorder?.sessionOf(eventId), enrichment);
  }

  /** Attaches feedback, metrics, metadata or user properties to a session. Accepts non-UUID keys like `sessionId`. */
  enrichSession(sessionId: string, enrichment: EventEnrichment): boolean {
    if (typeof sessionId !== "string" || !sessionId) return false;
    const id = sessionIdFor(sessionId);
    return this.#enrich("enrichSession", id, id, enrichment);
  }

  #enrich(
    method: string,
    targetId: string,
    sessionId: string | undefined,
    enrichment: EventEnrichment,
  ): boolean {
    const recorder = this.#recorder;
    if (!recorder || this.#stopped) return false;
    try {
      return this.#enrichSafely(method, targetId, sessionId, enrichment, recorder);
    } catch (error) {
      this.#reportError(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  #enrichSafely(
    method: string,
    targetId: string,
    sessionId: string | undefined,
    enrichment: EventEnrichment,
    recorder: Recorder,
  ): boolean {
    // Snapshot first: a getter or Proxy that throws becomes a marker instead of an exception in the app.
    const parsed = enrichmentSchema.safeParse(toJsonSafe(enrichment, DEFAULT_LIMITS));
    if (typeof targetId !== "string" || !targetId || !parsed.success) {
      this.#logger.warn(
        `${method}: expected an id and { feedback?, metrics?, metadata?, userProperties? } objects; nothing recorded.`,
      );
      return false;
    }
    if (recorder.recorded(targetId) === false) return false;
    if (sessionId !== undefined && !this.#sampled(sessionId)) return false;
    // Snapshotted now, like every value the app hands over: later mutation changes nothing.
    const fields: Enrichment = {};
    const { userProperties, ...rest } = parsed.data;
    for (const [key, value] of Object.entries({ ...rest, user_properties: userProperties })) {
      if (value !== undefined) fields[key as keyof Enrichment] = toJsonSafe(value, DEFAULT_LIMITS) as Dict;
    }
    recorder.enrich(targetId, sessionId, fields);
    return true;
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Delivery counters, plus the number of runs still open. */
  stats(): HandlerStats {
    return { ...this.#deliveryStats(), openRuns: this.#recorder?.openRuns ?? 0 };
  }

  #deliveryStats(): DeliveryStats {
    return this.#delivery?.pipeline.stats() ?? { ...EMPTY_STATS };
  }

  #timeoutMs(options: FlushOptions | undefined): number {
    return timerDelay(options?.timeoutMs, this.#options.flushTimeoutMs);
  }

  /**
   * Delivers everything recorded so far, or gives up at the deadline. Resolves with the delivery
   * counters; never rejects. Safe to call from any callback, including an app handler's that runs
   * on LangChain's background queue: that queue is not awaited — this handler's own callbacks never
   * go on it (`awaitHandlers`), and an app handler on it that calls `flush()` would wait for itself
   * (the queue runs one callback at a time), holding up every other background callback.
   */
  async flush(options: FlushOptions = {}): Promise<FlushResult> {
    const pipeline = this.#delivery?.pipeline;
    if (!pipeline) return { ...EMPTY_FLUSH };
    try {
      return await pipeline.flush(this.#timeoutMs(options));
    } catch (error) {
      this.#logger.debug(`flush failed: ${error instanceof Error ? error.message : error}`);
      return { ...pipeline.stats(), timedOut: true };
    }
  }

  /**
   * Flushes, sends runs that never ended as unfinished, and closes the connections. Later
   * callbacks are no-ops. Idempotent; never rejects.
   */
  shutdown(options: FlushOptions = {}): Promise<FlushResult> {
    if (!this.#shutdownPromise) {
      this.#shutdownPromise = this.#shutdown(options);
      return this.#shutdownPromise;
    }
    // A second call with its own deadline waits for the first, but no longer than its own deadline.
    const timeoutMs = this.#timeoutMs(options);
    const first = this.#shutdownPromise;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ ...this.#deliveryStats(), timedOut: true }), timeoutMs);
      void first.then((result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  }

  async #shutdown(options: FlushOptions): Promise<FlushResult> {
    const delivery = this.#delivery;
    if (!delivery) {
      this.#stopped = true;
      return { ...EMPTY_FLUSH };
    }
    try {
      this.#stopped = true;
      this.#recorder?.abandonAll("the handler was shut down first");
      return await delivery.shutdown(this.#timeoutMs(options));
    } catch (error) {
      this.#stopped = true;
      this.#logger.debug(`shutdown failed: ${error instanceof Error ? error.message : error}`);
      return { ...delivery.pipeline.stats(), timedOut: true };
    }
  }
}

export { HoneyHiveConfigError };
