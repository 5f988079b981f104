/**
 * Mistral's chat completions wire format (`POST /v1/chat/completions`), as the `@mistralai/mistralai`
 * SDK reads it. Close to OpenAI's, with Mistral's own habits: tool ids of 9 characters, a whole tool
 * call in one streamed chunk, and the usage on the streamed finish chunk (no include_usage option).
 */
import { type FakeReply, json, type StreamEvent, sse } from "./fake-server.js";
import { CREATED, type ToolCallAnswer, words } from "./openai-wire.js";

export interface MistralAnswer {
  model: string;
  content?: string;
  toolCalls?: ToolCallAnswer[];
  usage?: { prompt: number; completion: number };
  /** Streamed: a pause between the opening role-only chunk and the first content. */
  openingPauseMs?: number;
}

function usageBody(u: NonNullable<MistralAnswer["usage"]>) {
  return { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion };
}

const finishOf = (a: MistralAnswer) => (a.toolCalls?.length ? "tool_calls" : "stop");

const toolCallsOf = (a: MistralAnswer) =>
  a.toolCalls?.map((t, index) => ({
    id: t.id,
    type: "function",
    function: { name: t.name, arguments: t.arguments },
    index,
  }));

export function mistralCompletion(a: MistralAnswer): FakeReply {
  return json({
    id: "cmpl-fake-1",
    object: "chat.completion",
    model: a.model,
    created: CREATED,
    usage: usageBody(a.usage ?? { prompt: 0, completion: 0 }),
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: a.content ?? "",
          tool_calls: toolCallsOf(a) ?? null,
          prefix: false,
        },
        finish_reason: finishOf(a),
      },
    ],
  });
}

/**
 * Text word by word (`content`) after an opening role-only chunk (`opening`); tool calls whole in
 * one chunk (`tool_call`); usage on the finish chunk (`finish`); then `[DONE]`.
 */
export function mistralStream(a: MistralAnswer): FakeReply {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra = {}) => ({
    id: "cmpl-fake-1",
    object: "chat.completion.chunk",
    created: CREATED,
    model: a.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  });
  const chunks: StreamEvent[] = [{ label: "opening", data: chunk({ role: "assistant", content: "" }) }];
  for (const p of words(a.content ?? "")) chunks.push({ label: "content", data: chunk({ content: p }) });
  const calls = toolCallsOf(a);
  if (calls) chunks.push({ label: "tool_call", data: chunk({ tool_calls: calls }) });
  chunks.push({
    label: "finish",
    data: chunk({ content: "" }, finishOf(a), a.usage ? { usage: usageBody(a.usage) } : {}),
  });
  return sse(chunks, { done: true, pauseAfterFirstMs: a.openingPauseMs });
}

/** Mistral's 429 body. */
export function mistralRateLimited(): FakeReply {
  return json(
    {
      object: "error",
      message: "Requests rate limit exceeded",
      type: "rate_limited",
      param: null,
      code: "1300",
    },
    429,
  );
}
