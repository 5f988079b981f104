/**
 * LLM and chat model runs → HoneyHive `model` event fields: config (model, provider, invocation
 * parameters, tools), outputs (the assistant message, every choice), and metadata (token usage,
 * finish reason, cost) read from every place LangChain and the providers put them.
 */
import { asChatMessage, type Dict, isObject } from "./langchain-objects.js";
import { answeringProvider } from "./providers.js";

/** `invocation_params` keys that are not request parameters. */
const NOT_PARAMS = new Set(["callbacks", "signal", "configurable", "runName", "runId", "recursionLimit"]);

function str(v: unknown): string | undefined {
  return typeof v === "string" && v ? v : undefined;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) {
    const s = str(v);
    if (s) return s;
  }
  return undefined;
}

/**
 * `config` for a model event: every invocation parameter, plus `model` and `provider`.
 * HoneyHive's event standard (honeyhive-event-schema.md): `config.model` is the model requested
 * (what the Playground replays), the model that answered goes to `metadata.response_model`.
 */
export function modelConfig(
  invocationParams: Dict | undefined,
  metadata: Dict | undefined,
  responseMetadata: Dict | undefined,
): Dict {
  const config: Dict = {};
  if (invocationParams) {
    for (const [k, v] of Object.entries(invocationParams)) {
      if (v !== undefined && !NOT_PARAMS.has(k)) config[k] = v;
    }
  }
  const model = firstString(requestedModel(invocationParams, metadata), responseModel(responseMetadata));
  if (model) config.model = model;
  // ls_provider is absent here when LangChain only derived it from the class name (handler start).
  const provider = answeringProvider(metadata?.ls_provider, responseMetadata?.model_provider);
  if (provider) config.provider = provider;
  // Fill the common parameters LangChain reports only through ls_* metadata.
  if (config.temperature === undefined && typeof metadata?.ls_temperature === "number")
    config.temperature = metadata.ls_temperature;
  if (config.max_tokens === undefined && typeof metadata?.ls_max_tokens === "number")
    config.max_tokens = metadata.ls_max_tokens;
  if (config.stop === undefined && Array.isArray(metadata?.ls_stop)) config.stop = metadata.ls_stop;
  return config;
}

/** The model the app asked for: the invocation parameters, else LangChain's `ls_model_name`. */
function requestedModel(invocationParams: Dict | undefined, metadata: Dict | undefined): string | undefined {
  return firstString(
    invocationParams?.model,
    invocationParams?.model_name,
    invocationParams?.modelName,
    invocationParams?.model_id,
    invocationParams?.modelId,
    invocationParams?.azure_deployment,
    invocationParams?.deployment_name,
    metadata?.ls_model_name,
  );
}

/**
 * The model that answered, as the provider reported it. Streamed, LangChain concatenates the
 * string fields of the chunks' `response_metadata` (Mistral names the model on every chunk:
 * "m…m…m…"), while a generation's `generationInfo` is merged key by key, so that is read first;
 * where only the concatenation is left (the stream-events path), a name repeated whole is read once.
 */
function responseModel(responseMetadata: Dict | undefined, generationInfo?: Dict): string | undefined {
  const answered = firstString(
    generationInfo?.model_name,
    generationInfo?.model,
    responseMetadata?.model_name,
    responseMetadata?.model,
    responseMetadata?.modelId,
  );
  return answered === undefined ? undefined : unrepeated(answered);
}

/** `s` without exact repetition: the shortest `u` with `s === u.repeat(k)`, k ≥ 1. */
function unrepeated(s: string): string {
  // The first place `s` occurs again inside `s + s` is its shortest period (it divides s.length).
  const period = (s + s).indexOf(s, 1);
  return period < s.length ? s.slice(0, period) : s;
}

interface Generation {
  text?: unknown;
  message?: unknown;
  generationInfo?: unknown;
}

/** The generations of the run's single prompt (LangChain gives one list per prompt). */
function generationsOf(result: unknown): Generation[] {
  if (!isObject(result) || !Array.isArray(result.generations)) return [];
  const first = result.generations[0];
  return Array.isArray(first) ? (first.filter(isObject) as Generation[]) : [];
}

/** The generation's message fields; a serialized message (another copy of core) keeps them under kwargs. */
function messageOf(gen: Generation): Dict | undefined {
  const m = gen.message;
  if (!isObject(m)) return undefined;
  return m.lc === 1 && isObject(m.kwargs) ? m.kwargs : m;
}

function responseMetadataOf(gens: Generation[]): Dict | undefined {
  for (const gen of gens) {
    const rm = messageOf(gen)?.response_metadata;
    if (isObject(rm) && Object.keys(rm).length) return rm;
  }
  return undefined;
}

function chatChoice(gen: Generation): Dict {
  const normalized = isObject(gen.message) ? asChatMessage(gen.message) : undefined;
  const out: Dict = {
    role: "assistant",
    content: normalized ? normalized.content : typeof gen.text === "string" ? gen.text : "",
  };
  if (normalized?.reasoning !== undefined) out.reasoning = normalized.reasoning;
  if (normalized?.tool_calls) out.tool_calls = normalized.tool_calls;
  return out;
}

/** `outputs` of a model event: the assistant message (chat) or `{text}` (completion); all choices when n > 1. */
function modelOutputs(gens: Generation[], chat: boolean): Dict {
  if (gens.length === 0) return {};
  const choices = gens.map((g) => (chat && messageOf(g) ? chatChoice(g) : { text: g.text ?? "" }));
  const first = choices[0] as Dict;
  return choices.length > 1 ? { ...first, choices } : first;
}

// ---- token usage -------------------------------------------------------------------------

interface Usage {
  input?: number;
  output?: number;
  total?: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function sumDefined(...values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined;
}

/** Reads one usage object in any of the shapes LangChain and providers use. */
function readUsage(u: unknown): Usage | undefined {
  if (!isObject(u)) return undefined;
  const usage: Usage = {};
  const inputDetails = isObject(u.input_token_details) ? u.input_token_details : undefined;
  const outputDetails = isObject(u.output_token_details) ? u.output_token_details : undefined;
  const promptDetails = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : undefined;
  const completionDetails = isObject(u.completion_tokens_details) ? u.completion_tokens_details : undefined;

  if (num(u.prompt_tokens) !== undefined || num(u.completion_tokens) !== undefined) {
    // OpenAI: prompt_tokens already includes cached tokens.
    usage.input = num(u.prompt_tokens);
    usage.output = num(u.completion_tokens);
    // OpenAI defines total_tokens as prompt + completion. A reported total that says otherwise is
    // LangChain summing the numbers of several streamed chunks' response_metadata (ChatGroq: the
    // finish chunk's x_groq.usage and the include_usage chunk both carry a total).
    usage.total =
      usage.input !== undefined && usage.output !== undefined
        ? usage.input + usage.output
        : num(u.total_tokens);
    usage.cacheRead = num(promptDetails?.cached_tokens);
    usage.reasoning = num(completionDetails?.reasoning_tokens);
  } else if (num(u.promptTokens) !== undefined || num(u.completionTokens) !== undefined) {
    // LangChain llmOutput.tokenUsage / estimatedTokenUsage.
    usage.input = num(u.promptTokens);
    usage.output = num(u.completionTokens);
    usage.total = num(u.totalTokens);
  } else if (inputDetails || outputDetails || (num(u.input_tokens) !== undefined && "total_tokens" in u)) {
    // LangChain UsageMetadata: input_tokens already includes cache reads and writes.
    usage.input = num(u.input_tokens);
    usage.output = num(u.output_tokens);
    usage.total = num(u.total_tokens);
    usage.cacheRead = num(inputDetails?.cache_read);
    usage.cacheWrite = num(inputDetails?.cache_creation);
    usage.reasoning = num(outputDetails?.reasoning);
  } else if (num(u.input_tokens) !== undefined || num(u.output_tokens) !== undefined) {
    // Anthropic raw usage: input_tokens excludes the cached part, so add it back for the total input.
    usage.cacheRead = num(u.cache_read_input_tokens);
    usage.cacheWrite = num(u.cache_creation_input_tokens);
    usage.input = sumDefined(num(u.input_tokens), usage.cacheRead, usage.cacheWrite);
    usage.output = num(u.output_tokens);
  } else if (num(u.inputTokens) !== undefined || num(u.outputTokens) !== undefined) {
    // Bedrock Converse.
    usage.input = num(u.inputTokens);
    usage.output = num(u.outputTokens);
    usage.total = num(u.totalTokens);
    usage.cacheRead = num(u.cacheReadInputTokens);
    usage.cacheWrite = num(u.cacheWriteInputTokens);
  } else if (num(u.promptTokenCount) !== undefined || num(u.candidatesTokenCount) !== undefined) {
    // Google Gemini usageMetadata.
    usage.input = num(u.promptTokenCount);
    usage.output = num(u.candidatesTokenCount);
    usage.total = num(u.totalTokenCount);
    usage.cacheRead = num(u.cachedContentTokenCount);
    usage.reasoning = num(u.thoughtsTokenCount);
  } else {
    return undefined;
  }
  if (usage.total === undefined && (usage.input !== undefined || usage.output !== undefined)) {
    usage.total = (usage.input ?? 0) + (usage.output ?? 0);
  }
  return usage;
}

/** Every place usage can be, most specific first. */
function usageSources(result: unknown, gens: Generation[]): unknown[] {
  const sources: unknown[] = [];
  for (const gen of gens) sources.push(messageOf(gen)?.usage_metadata);
  if (isObject(result) && isObject(result.llmOutput)) {
    const llmOutput = result.llmOutput;
    sources.push(llmOutput.tokenUsage, llmOutput.estimatedTokenUsage, llmOutput.usage, llmOutput.token_usage);
  }
  for (const gen of gens) {
    const info = isObject(gen.generationInfo) ? gen.generationInfo : undefined;
    const rm = messageOf(gen)?.response_metadata;
    const meta = isObject(rm) ? rm : undefined;
    sources.push(info?.usage, info?.token_usage, info?.usage_metadata, info);
    sources.push(meta?.usage, meta?.tokenUsage, meta?.token_usage, meta?.usageMetadata, meta?.usage_metadata);
  }
  return sources;
}

/** Merges usage from all sources: counts from the first source that has them, details filled from any. */
function extractUsage(result: unknown, gens: Generation[]): Usage {
  const merged: Usage = {};
  for (const source of usageSources(result, gens)) {
    const u = readUsage(source);
    if (!u) continue;
    if (
      merged.input === undefined &&
      merged.output === undefined &&
      (u.input !== undefined || u.output !== undefined)
    ) {
      merged.input = u.input;
      merged.output = u.output;
      merged.total = u.total;
    }
    merged.cacheRead ??= u.cacheRead;
    merged.cacheWrite ??= u.cacheWrite;
    merged.reasoning ??= u.reasoning;
  }
  return merged;
}

/**
 * Model metadata extras: token counts (absent when unknown, never 0 by default), finish reason and
 * the answering model. Tokens stay in `metadata`: HoneyHive sums them per session from there
 * (honeyhive-event-schema.md, "Attribute Namespacing Rules").
 */
function modelMetadata(result: unknown, gens: Generation[], rm: Dict | undefined): Dict {
  const out: Dict = {};
  const usage = extractUsage(result, gens);
  const set = (key: string, v: number | undefined): void => {
    if (v !== undefined) out[key] = v;
  };
  set("prompt_tokens", usage.input);
  set("completion_tokens", usage.output);
  set("total_tokens", usage.total);
  set("input_tokens", usage.input);
  set("output_tokens", usage.output);
  set("cache_read_input_tokens", usage.cacheRead);
  set("cache_write_input_tokens", usage.cacheWrite);
  set("reasoning_tokens", usage.reasoning);

  const gen = gens[0];
  const info = gen && isObject(gen.generationInfo) ? gen.generationInfo : undefined;
  const streamed = gen ? streamedMessageFacts(gen) : undefined;
  const finish = firstString(
    info?.finish_reason,
    rm?.finish_reason,
    rm?.stop_reason,
    rm?.stopReason,
    rm?.finishReason,
    // Ollama's last NDJSON line.
    rm?.done_reason,
    streamed?.stop_reason,
    // Bedrock ConverseStream: LangChain merges the stream's events into response_metadata by name.
    isObject(rm?.messageStop) ? rm.messageStop.stopReason : undefined,
  );
  if (finish) out.finish_reason = finish;
  const answered = responseModel(rm, info) ?? str(streamed?.model);
  if (answered) out.response_model = answered;
  return out;
}

/**
 * @langchain/anthropic's streamed message keeps the API's `message_start` fields (`model`) and
 * `message_delta` fields (`stop_reason`) in `additional_kwargs`, not in `response_metadata` as its
 * invoke does: read there when `response_metadata` has neither. Each arrives in one chunk only, so
 * LangChain's concatenation of chunks leaves them whole.
 */
function streamedMessageFacts(gen: Generation): Dict | undefined {
  const extra = messageOf(gen)?.additional_kwargs;
  return isObject(extra) ? extra : undefined;
}

/** Cost and timings go to `metrics` (honeyhive-event-schema.md: `metrics.cost`), only when reported. */
function modelMetrics(result: unknown, gens: Generation[], rm: Dict | undefined): Dict | undefined {
  const gen = gens[0];
  const info = gen && isObject(gen.generationInfo) ? gen.generationInfo : undefined;
  const llmOutput = isObject(result) && isObject(result.llmOutput) ? result.llmOutput : undefined;
  const rmUsage = isObject(rm?.usage) ? rm.usage : undefined;
  const cost = num(rm?.cost) ?? num(rmUsage?.cost) ?? num(llmOutput?.cost) ?? num(info?.cost);
  return cost === undefined ? undefined : { cost };
}

/**
 * Everything a model event takes from LangChain's LLMResult — outputs, metadata (usage, finish
 * reason, cost) and config — reading the generations and response metadata once.
 */
export function modelEnd(
  result: unknown,
  chat: boolean,
  invocationParams: Dict | undefined,
  metadata: Dict | undefined,
): { outputs: Dict; metadata: Dict; config: Dict; metrics?: Dict } {
  const gens = generationsOf(result);
  const rm = responseMetadataOf(gens);
  const end: { outputs: Dict; metadata: Dict; config: Dict; metrics?: Dict } = {
    outputs: modelOutputs(gens, chat),
    metadata: modelMetadata(result, gens, rm),
    config: modelConfig(invocationParams, metadata, rm),
  };
  const metrics = modelMetrics(result, gens, rm);
  if (metrics) end.metrics = metrics;
  return end;
}

/** The tool calls a model answered with (id and name), for linking tool runs to their definitions. */
export function answeredToolCalls(result: unknown): { id: string; name: string }[] {
  const out: { id: string; name: string }[] = [];
  for (const gen of generationsOf(result)) {
    const calls = messageOf(gen)?.tool_calls;
    if (!Array.isArray(calls)) continue;
    for (const call of calls) {
      if (isObject(call) && typeof call.id === "string" && typeof call.name === "string")
        out.push({ id: call.id, name: call.name });
    }
  }
  return out;
}
