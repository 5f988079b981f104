/**
 * Anthropic Messages API (`POST /v1/messages`) as the fake answers it: a message JSON, or the SSE
 * stream the real API sends (`message_start` with empty content, `content_block_start/delta/stop`
 * per block, `message_delta` with the stop reason and output tokens, `message_stop`).
 */
import { type FakeReply, json, sse } from "./fake-server.js";

export type AnthropicBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface AnthropicAnswer {
  /** The model id the fake says answered (tests make it differ from the one requested). */
  model: string;
  content: AnthropicBlock[];
  stop_reason?: string;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens?: number;
    cache_creation_input_tokens?: number;
  };
}

let ids = 0;

export function anthropicMessage(a: AnthropicAnswer): FakeReply {
  return json({
    id: `msg_fake_${++ids}`,
    type: "message",
    role: "assistant",
    model: a.model,
    content: a.content,
    stop_reason: a.stop_reason ?? "end_turn",
    stop_sequence: null,
    usage: a.usage,
  });
}

/** Splits a string into pieces of about `n` characters (the deltas of a stream). */
function pieces(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out.length ? out : [""];
}

/**
 * The answer as Anthropic streams it. `gapMs` separates the events (the empty `message_start`
 * comes first, then a gap before any content: what time to first token must not count).
 */
export function anthropicStream(a: AnthropicAnswer, gapMs = 0): FakeReply {
  const events: { event: string; label: string; data: unknown }[] = [];
  const push = (event: string, data: Record<string, unknown>, kind?: unknown) =>
    events.push({ event, label: kind ? `${event}:${kind}` : event, data: { type: event, ...data } });
  const { output_tokens, ...startUsage } = a.usage;
  push("message_start", {
    message: {
      id: `msg_fake_${++ids}`,
      type: "message",
      role: "assistant",
      model: a.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...startUsage, output_tokens: 1 },
    },
  });
  push("ping", {});
  a.content.forEach((block, index) => {
    const start = (content_block: { type: string; [k: string]: unknown }) =>
      push("content_block_start", { index, content_block }, content_block.type);
    const delta = (d: { type: string; [k: string]: unknown }) =>
      push("content_block_delta", { index, delta: d }, d.type);
    if (block.type === "text") {
      start({ type: "text", text: "" });
      for (const text of pieces(block.text, 6)) delta({ type: "text_delta", text });
    } else if (block.type === "thinking") {
      start({ type: "thinking", thinking: "", signature: "" });
      for (const thinking of pieces(block.thinking, 10)) delta({ type: "thinking_delta", thinking });
      delta({ type: "signature_delta", signature: block.signature });
    } else if (block.type === "redacted_thinking") {
      start(block);
    } else {
      start({ type: "tool_use", id: block.id, name: block.name, input: {} });
      for (const partial_json of pieces(JSON.stringify(block.input), 8))
        delta({ type: "input_json_delta", partial_json });
    }
    push("content_block_stop", { index });
  });
  push("message_delta", {
    delta: { stop_reason: a.stop_reason ?? "end_turn", stop_sequence: null },
    usage: { output_tokens },
  });
  push("message_stop", {});
  return sse(events, { gapMs });
}

/** An API error in Anthropic's shape (`529 overloaded_error`, `400 invalid_request_error`). */
export function anthropicError(status: number, type: string, message: string): FakeReply {
  return json({ type: "error", error: { type, message } }, status);
}
