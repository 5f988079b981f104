/**
 * `HoneyHiveHandler`: the LangChain callback surface. Each callback reads LangChain's arguments (in
 * the order the CallbackManager really passes them), shapes them shallowly, and hands them to the
 * recorder. Nothing here awaits, does I/O, or throws into LangChain.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { z } from "zod";
import {
  HoneyHiveConfigError,
  type HoneyHiveHandlerOptions,
  type ResolvedOptions,
  resolveOptions,
} from "./config/options.js";
import { Exporter } from "./delivery/exporter.js";
import { DeliveryQueue, type DeliveryStats, type FlushResult } from "./delivery/queue.js";
import { type Dict, isObject } from "./mapping/langchain-objects.js";
import { modelConfig, modelEnd } from "./mapping/model.js";
import { asObject, describeError, runName, toolInputs, toolResult } from "./mapping/values.js";
import { privacyTransform, sessionSampler } from "./privacy/privacy.js";
import { Recorder, type RunEnd } from "./recorder.js";
import type { Enrichment, RunRecord } from "./runs/run-store.js";
import { sessionIdFor } from "./runs/sessions.js";
import { createTransport, type PlatformTransport } from "./runtime/platform.js";
import { unrefTimer } from "./runtime/timers.js";
import { consoleLogger, type Logger, redactingLogger, redactor } from "./util/logger.js";

export interface FlushOptions {
  /** Give up waiting after this many ms (default: the `flushTimeoutMs` option). */
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

function str(v: unknown): string | undefined {
  return typeof v === "string" && v ? v : undefined;
}

const EMPTY_FLUSH: FlushResult = {
  queued: 0,
  inFlight: 0,
  sent: 0,
  retried: 0,
  failed: 0,
  dropped: 0,
  timedOut: false,
};

let missingKeyWarned = false;

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
  readonly #queue: DeliveryQueue | undefined;
  readonly #client: PlatformTransport | undefined;
  #stopped = false;
  #sampled: (sessionId: string) => boolean = () => true;
  #shutdownPromise: Promise<FlushResult> | undefined;

  /** @throws HoneyHiveConfigError when an option is invalid (the message names it). */
  constructor(options: HoneyHiveHandlerOptions = {}) {
    super();
    this.#options = resolveOptions(options);
    const o = this.#options;
    this.#logger = redactingLogger(o.logger ?? consoleLogger(o.verbose), o.apiKey, o.verbose);
    if (!o.enabled) return;
    if (!o.apiKey) {
      if (!missingKeyWarned) {
        missingKeyWarned = true;
        this.#logger.warn(
          "no HoneyHive API key: set HH_API_KEY (or pass apiKey). Nothing will be recorded; the app runs as usual.",
        );
      }
      return;
    }
    const onError = (error: Error): void => this.#reportError(error);
    // undici on Node, the runtime's fetch elsewhere: chosen by the build (src/runtime/platform.ts).
    this.#client = createTransport({
      serverUrl: o.serverUrl,
      apiKey: o.apiKey,
      connections: o.concurrency,
      requestTimeoutMs: o.requestTimeoutMs,
      maxResponseBytes: 64 * 1024,
    });
    let queue: DeliveryQueue | undefined;
    const exporter = new Exporter(this.#client, {
      maxRetries: o.maxRetries,
      retryBudgetMs: o.retryBudgetMs,
      logger: this.#logger,
      onError,
      onRetry: () => queue?.countRetry(),
      redact: redactor(o.apiKey),
    });
    queue = new DeliveryQueue(
      exporter,
      { ...o, logger: this.#logger, onError, transform: privacyTransform(o, onError) },
      o.flushTimeoutMs,
    );
    this.#queue = queue;
    this.#sampled = sessionSampler(o.sampleRate);
    const sampled = this.#sampled;
    this.#recorder = new Recorder(o, (item) => {
      if (sampled(item.sessionId ?? "")) queue.enqueue(item);
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
      this.#reportError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Hands an error to the user's onError; one that throws must not reach the delivery loop or the app. */
  #reportError(error: Error): void {
    try {
      this.#options.onError?.(error);
    } catch {
      // Nothing sensible to do with an error from the error handler.
    }
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
    this.#startModel(
      "chat",
      llm,
      { chat_history: chatHistory },
      runId,
      parentRunId,
      extraParams,
      tags,
      metadata,
      name,
    );
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
    this.#startModel("llm", llm, { prompt }, runId, parentRunId, extraParams, tags, metadata, name);
  }

  #startModel(
    kind: "chat" | "llm",
    llm: unknown,
    inputs: Dict,
    runId: string,
    parentRunId: string | undefined,
    extraParams: unknown,
    tags: unknown,
    metadata: unknown,
    name: unknown,
  ): void {
    this.#guard(kind === "chat" ? "handleChatModelStart" : "handleLLMStart", (r) =>
      r.start({
        runId,
        parentRunId,
        kind,
        name: runName(llm, name, kind === "chat" ? "ChatModel" : "LLM"),
        inputs,
        tags: tagsOf(tags),
        metadata: asDict(metadata),
        invocationParams: asDict(asDict(extraParams)?.invocation_params),
      }),
    );
  }

  override handleLLMNewToken(_token: string, _idx: unknown, runId: string): void {
    this.#guard("handleLLMNewToken", (r) => r.firstToken(runId));
  }

  /** Time to first token on the stream-events path: the first content block, not `message-start`. */
  override handleChatModelStreamEvent(event: unknown, runId: string): void {
    const kind = asDict(event)?.event;
    if (kind !== "content-block-start" && kind !== "content-block-delta") return;
    this.#guard("handleChatModelStreamEvent", (r) => r.firstToken(runId));
  }

  override handleLLMEnd(output: unknown, runId: string): void {
    this.#end("handleLLMEnd", runId, (record) =>
      modelEnd(output, record.kind === "chat", record.invocationParams, record.metadata),
    );
  }

  override handleLLMError(err: unknown, runId: string): void {
    this.#error("handleLLMError", err, runId, (end, record) => {
      end.config = modelConfig(record.invocationParams, record.metadata, undefined);
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
    _runType?: string,
    name?: string,
    extra?: Record<string, unknown>,
  ): void {
    this.#guard("handleChainStart", (r) => {
      const t = tagsOf(tags);
      r.start({
        runId,
        parentRunId,
        kind: "chain",
        name: runName(chain, name, "chain"),
        inputs,
        tags: t,
        metadata: asDict(metadata),
        hidden: t?.includes(HIDDEN_TAG) ?? false,
        defersInputs: asDict(extra)?.lc_defers_inputs === true,
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
    this.#end("handleChainEnd", runId, () => ({
      outputs: asObject(outputs, "output"),
      inputs: asDict(kwargs)?.inputs,
    }));
  }

  override handleChainError(
    err: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    kwargs?: unknown,
  ): void {
    this.#error("handleChainError", err, runId, (end) => {
      end.inputs = asDict(kwargs)?.inputs;
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
    this.#guard("handleToolStart", (r) =>
      r.start({
        runId,
        parentRunId,
        kind: "tool",
        name: runName(tool, name, "tool"),
        inputs: toolInputs(input),
        tags: tagsOf(tags),
        metadata: asDict(metadata),
        toolCallId: str(toolCallId),
      }),
    );
  }

  override handleToolEnd(output: unknown, runId: string): void {
    this.#end("handleToolEnd", runId, () => {
      const result = toolResult(output);
      const end: RunEnd = { outputs: result.outputs };
      if (result.error) end.error = result.error;
      if (result.toolCallId) end.metadata = { tool_call_id: result.toolCallId };
      return end;
    });
  }

  override handleToolError(err: unknown, runId: string): void {
    this.#error("handleToolError", err, runId);
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
    this.#guard("handleRetrieverStart", (r) =>
      r.start({
        runId,
        parentRunId,
        kind: "retriever",
        name: runName(retriever, name, "retriever"),
        inputs: { query },
        tags: tagsOf(tags),
        metadata: asDict(metadata),
      }),
    );
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
    const queue = this.#queue;
    if (!recorder || !queue || this.#stopped) return false;
    const parsed = enrichmentSchema.safeParse(enrichment);
    if (typeof targetId !== "string" || !targetId || !parsed.success) {
      this.#logger.warn(
        `${method}: expected an id and { feedback?, metrics?, metadata?, userProperties? } objects; nothing recorded.`,
      );
      return false;
    }
    if (sessionId !== undefined && !this.#sampled(sessionId)) return false;
    const { userProperties, ...rest } = parsed.data;
    const fields: Enrichment = { ...rest, ...(userProperties ? { user_properties: userProperties } : {}) };
    if (recorder.enrichOpen(targetId, fields)) return true;
    return queue.enqueue({ kind: "update", targetId, sessionId, body: { ...fields } });
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Delivery counters, plus the number of runs still open. */
  stats(): HandlerStats {
    return { ...(this.#queue?.stats() ?? EMPTY_FLUSH), openRuns: this.#recorder?.openRuns ?? 0 };
  }

  /**
   * Delivers everything recorded so far — including callbacks LangChain still holds in its
   * background queue — or gives up at the deadline. Resolves with the delivery counters; never rejects.
   */
  async flush(options: FlushOptions = {}): Promise<FlushResult> {
    const queue = this.#queue;
    if (!queue) return { ...EMPTY_FLUSH };
    const timeoutMs = options.timeoutMs ?? this.#options.flushTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    try {
      await withDeadline(awaitAllCallbacks(), timeoutMs);
      return await queue.flush(Math.max(0, deadline - Date.now()));
    } catch (error) {
      this.#logger.debug(`flush failed: ${error instanceof Error ? error.message : error}`);
      return { ...queue.stats(), timedOut: true };
    }
  }

  /**
   * Flushes, sends runs that never ended as unfinished, and closes the connections. Later
   * callbacks are no-ops. Idempotent; never rejects.
   */
  shutdown(options: FlushOptions = {}): Promise<FlushResult> {
    this.#shutdownPromise ??= this.#shutdown(options);
    return this.#shutdownPromise;
  }

  async #shutdown(options: FlushOptions): Promise<FlushResult> {
    const queue = this.#queue;
    if (!queue) {
      this.#stopped = true;
      return { ...EMPTY_FLUSH };
    }
    const timeoutMs = options.timeoutMs ?? this.#options.flushTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    try {
      await withDeadline(awaitAllCallbacks(), timeoutMs);
      this.#stopped = true;
      this.#recorder?.abandonAll("the handler was shut down first");
      const result = await queue.shutdown(Math.max(0, deadline - Date.now()));
      if (result.timedOut) await this.#client?.destroy();
      else await this.#client?.close();
      return result;
    } catch (error) {
      this.#stopped = true;
      this.#logger.debug(`shutdown failed: ${error instanceof Error ? error.message : error}`);
      return { ...queue.stats(), timedOut: true };
    }
  }
}

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    unrefTimer(timer);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

export { HoneyHiveConfigError };
