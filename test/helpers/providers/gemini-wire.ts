/**
 * Gemini API (`POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`) as
 * the fake answers it: candidates with `parts` (text, thought text, functionCall), `finishReason`,
 * `usageMetadata` and `modelVersion`; streamed, one `GenerateContentResponse` per SSE event with
 * the usage so far on each.
 */
import { type FakeReply, json, sse } from "./fake-server.js";

export type GeminiPart =
  | { text: string; thought?: boolean }
  | { functionCall: { name: string; args: Record<string, unknown> } };

export interface GeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

export interface GeminiAnswer {
  /** The version the fake says answered (Gemini's `modelVersion`). */
  modelVersion: string;
  parts: GeminiPart[];
  finishReason?: string;
  usage: GeminiUsage;
}

function response(a: GeminiAnswer, parts: GeminiPart[], last: boolean, usage: GeminiUsage): unknown {
  return {
    candidates: [
      {
        content: { parts, role: "model" },
        ...(last ? { finishReason: a.finishReason ?? "STOP" } : {}),
        index: 0,
      },
    ],
    usageMetadata: usage,
    modelVersion: a.modelVersion,
  };
}

export function geminiGenerate(a: GeminiAnswer): FakeReply {
  return json(response(a, a.parts, true, a.usage));
}

/**
 * Streamed: each part is its own event (text parts split in two), every event carrying the usage
 * so far as the real API does. `gapMs` between events.
 */
export function geminiStream(a: GeminiAnswer, gapMs = 0): FakeReply {
  const pieces: { part: GeminiPart; label: string }[] = [];
  for (const part of a.parts) {
    if ("text" in part && part.text.length > 1) {
      const half = Math.ceil(part.text.length / 2);
      const label = part.thought ? "thought" : "text";
      pieces.push({ part: { ...part, text: part.text.slice(0, half) }, label });
      pieces.push({ part: { ...part, text: part.text.slice(half) }, label });
    } else pieces.push({ part, label: "functionCall" in part ? "functionCall" : "text" });
  }
  const events = pieces.map(({ part, label }, i) => {
    const last = i === pieces.length - 1;
    const usage = last
      ? a.usage
      : {
          promptTokenCount: a.usage.promptTokenCount,
          candidatesTokenCount: 0,
          totalTokenCount: a.usage.promptTokenCount,
        };
    return { label, data: response(a, [part], last, usage) };
  });
  return sse(events, { gapMs });
}

/** A Google API error (`429 RESOURCE_EXHAUSTED`, `400 INVALID_ARGUMENT`). */
export function geminiError(code: number, status: string, message: string): FakeReply {
  return json({ error: { code, message, status } }, code);
}
