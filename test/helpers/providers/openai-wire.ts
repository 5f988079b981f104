/**
 * OpenAI's chat completions wire format (`POST …/chat/completions`), answered as JSON or as SSE
 * chunks. Groq, xAI and DeepSeek speak the same format (Groq adds `x_groq`, DeepSeek
 * `reasoning_content`), so their tests use this fake too.
 */
import {
  type FakeReply,
  json,
  type ReceivedRequest,
  type Scripted,
  type StreamEvent,
  sse,
} from "./fake-server.js";

export interface ToolCallAnswer {
  id: string;
  name: string;
  /** The arguments as the model writes them: a JSON text. */
  arguments: string;
}

export interface CompletionAnswer {
  /** The model that answers (a dated snapshot, unlike the alias the app asks for). */
  model: string;
  content?: string;
  toolCalls?: ToolCallAnswer[];
  usage?: { prompt: number; completion: number; cached?: number; reasoning?: number };
  finishReason?: string;
  /** DeepSeek's reasoner: the thinking, beside the answer. */
  reasoningContent?: string;
  /** Groq reports streamed usage in `x_groq.usage` of the last chunk. */
  xGroq?: boolean;
  /**
   * Streamed: a pause between the opening role-only chunk and the first content (what time to
   * first token must not count).
   */
  openingPauseMs?: number;
}

/** The `created` time of every fake completion. */
export const CREATED = 1_760_000_000;

function usageBody(usage: NonNullable<CompletionAnswer["usage"]>): Record<string, unknown> {
  return {
    prompt_tokens: usage.prompt,
    completion_tokens: usage.completion,
    total_tokens: usage.prompt + usage.completion,
    ...(usage.cached !== undefined && { prompt_tokens_details: { cached_tokens: usage.cached } }),
    ...(usage.reasoning !== undefined && {
      completion_tokens_details: { reasoning_tokens: usage.reasoning },
    }),
  };
}

function finishOf(a: CompletionAnswer): string {
  return a.finishReason ?? (a.toolCalls?.length ? "tool_calls" : "stop");
}

/** A whole `chat.completion` object. */
export function completion(a: CompletionAnswer): FakeReply {
  return json({
    id: "chatcmpl-fake-1",
    object: "chat.completion",
    created: CREATED,
    model: a.model,
    system_fingerprint: "fp_fake",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: a.content ?? null,
          ...(a.reasoningContent !== undefined && { reasoning_content: a.reasoningContent }),
          ...(a.toolCalls?.length && {
            tool_calls: a.toolCalls.map((t) => ({
              id: t.id,
              type: "function",
              function: { name: t.name, arguments: t.arguments },
            })),
          }),
        },
        logprobs: null,
        finish_reason: finishOf(a),
      },
    ],
    ...(a.usage && { usage: usageBody(a.usage) }),
  });
}

/** Text in pieces of a word each, as a model streams it. */
export function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/**
 * The same answer as `chat.completion.chunk`s: an opening role-only chunk (content "", labelled
 * `opening`), reasoning and text word by word (`reasoning`, `content`), each tool call as a head
 * (id, name; `tool_call`) and its arguments in two halves (`tool_call_args`), the finish chunk
 * (`finish`), and the usage chunk (`choices: []`, `usage`) when the request asked for it with
 * `stream_options.include_usage`; then `[DONE]`.
 */
export function completionStream(a: CompletionAnswer): Scripted {
  return (request: ReceivedRequest) => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra = {}) => ({
      id: "chatcmpl-fake-1",
      object: "chat.completion.chunk",
      created: CREATED,
      model: a.model,
      system_fingerprint: "fp_fake",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...extra,
    });
    const chunks: StreamEvent[] = [{ label: "opening", data: chunk({ role: "assistant", content: "" }) }];
    const push = (label: string, data: unknown) => chunks.push({ label, data });
    for (const p of words(a.reasoningContent ?? "")) push("reasoning", chunk({ reasoning_content: p }));
    for (const p of words(a.content ?? "")) push("content", chunk({ content: p }));
    a.toolCalls?.forEach((t, index) => {
      const half = Math.ceil(t.arguments.length / 2);
      push(
        "tool_call",
        chunk({
          tool_calls: [{ index, id: t.id, type: "function", function: { name: t.name, arguments: "" } }],
        }),
      );
      for (const part of [t.arguments.slice(0, half), t.arguments.slice(half)]) {
        push("tool_call_args", chunk({ tool_calls: [{ index, function: { arguments: part } }] }));
      }
    });
    const groq = a.xGroq && a.usage ? { x_groq: { id: "req_fake", usage: usageBody(a.usage) } } : {};
    push("finish", chunk({}, finishOf(a), groq));
    const streamOptions = request.body?.stream_options as { include_usage?: boolean } | undefined;
    if (a.usage && streamOptions?.include_usage) {
      push("usage", { ...chunk({}), choices: [], usage: usageBody(a.usage) });
    }
    return sse(chunks, { done: true, pauseAfterFirstMs: a.openingPauseMs });
  };
}

/** A rate-limit refusal as OpenAI writes it. */
export function rateLimited(): FakeReply {
  return json(
    {
      error: {
        message: "Rate limit reached for requests",
        type: "requests",
        param: null,
        code: "rate_limit_exceeded",
      },
    },
    429,
  );
}
