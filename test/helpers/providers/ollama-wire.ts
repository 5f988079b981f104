/**
 * Ollama's `POST /api/chat` with `stream: true` (ChatOllama always streams, invoke included):
 * NDJSON, one message object a line, the last `done: true` with `done_reason` and the counts.
 * Tool calls arrive whole, arguments as an object, without ids. No empty opening line: the first
 * line already carries content (or thinking).
 */
import { type FakeReply, json, ndjson, type StreamEvent } from "./fake-server.js";
import { words } from "./openai-wire.js";

export interface OllamaAnswer {
  model: string;
  content?: string;
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
  /** `prompt_eval_count` and `eval_count` of the last line. */
  usage?: { prompt: number; completion: number };
  /** The `thinking` field of `think: true` models. */
  thinking?: string;
}

const CREATED_AT = "2026-01-01T00:00:00.000000Z";

export function ollamaChat(a: OllamaAnswer): FakeReply {
  const lines: StreamEvent[] = [];
  const line = (
    label: string,
    message: Record<string, unknown>,
    extra: Record<string, unknown> = { done: false },
  ) =>
    lines.push({
      label,
      data: { model: a.model, created_at: CREATED_AT, message: { role: "assistant", ...message }, ...extra },
    });
  for (const p of words(a.thinking ?? "")) line("thinking", { content: "", thinking: p });
  for (const p of words(a.content ?? "")) line("content", { content: p });
  if (a.toolCalls?.length) {
    line("tool_call", {
      content: "",
      tool_calls: a.toolCalls.map((t) => ({ function: { name: t.name, arguments: t.arguments } })),
    });
  }
  line(
    "done",
    { content: "" },
    {
      done: true,
      done_reason: "stop",
      total_duration: 2_500_000_000,
      load_duration: 20_000_000,
      prompt_eval_count: a.usage?.prompt ?? 0,
      prompt_eval_duration: 300_000_000,
      eval_count: a.usage?.completion ?? 0,
      eval_duration: 2_000_000_000,
    },
  );
  return ndjson(lines);
}

/** Ollama's error body (it has no rate limit of its own; a proxy in front of it may answer 429). */
export function ollamaError(status: number, error: string): FakeReply {
  return json({ error }, status);
}
