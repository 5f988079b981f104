/**
 * Ollama's `POST /api/chat` with `stream: true` (ChatOllama always streams, invoke included):
 * NDJSON, one message object a line, the last `done: true` with `done_reason` and the counts.
 * Tool calls arrive whole, arguments as an object, without ids.
 */
import type { FakeReply } from "./fake-server.js";

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
  const line = (message: Record<string, unknown>, extra: Record<string, unknown> = { done: false }) =>
    `${JSON.stringify({ model: a.model, created_at: CREATED_AT, message: { role: "assistant", ...message }, ...extra })}\n`;
  const lines: string[] = [];
  for (const p of a.thinking?.match(/\S+\s*|\s+/g) ?? []) lines.push(line({ content: "", thinking: p }));
  for (const p of a.content?.match(/\S+\s*|\s+/g) ?? []) lines.push(line({ content: p }));
  if (a.toolCalls?.length) {
    lines.push(
      line({
        content: "",
        tool_calls: a.toolCalls.map((t) => ({ function: { name: t.name, arguments: t.arguments } })),
      }),
    );
  }
  lines.push(
    line(
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
    ),
  );
  return { headers: { "content-type": "application/x-ndjson" }, body: lines };
}

/** Ollama's error body (it has no rate limit of its own; a proxy in front of it may answer 429). */
export function ollamaError(status: number, error: string): FakeReply {
  return { status, body: JSON.stringify({ error }) };
}
