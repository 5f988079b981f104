/**
 * Bedrock Runtime's Converse API (`POST /model/{modelId}/converse`) and ConverseStream
 * (`/converse-stream`, answered in AWS's binary event-stream encoding, written with the codec the
 * AWS SDK itself decodes with) as the fake answers them. The fake checks no SigV4 signature.
 */
import { EventStreamCodec } from "@smithy/core/event-streams";
import { type FakeReply, json } from "./fake-server.js";

export type ConverseBlock =
  | { text: string }
  | { reasoningContent: { reasoningText: { text: string; signature?: string } } }
  | { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } };

export interface ConverseUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseAnswer {
  content: ConverseBlock[];
  stopReason?: string;
  usage: ConverseUsage;
}

export function converse(a: ConverseAnswer): FakeReply {
  return json({
    output: { message: { role: "assistant", content: a.content } },
    stopReason: a.stopReason ?? "end_turn",
    usage: a.usage,
    metrics: { latencyMs: 42 },
  });
}

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString("utf8"),
  (text) => Buffer.from(text, "utf8"),
);

function frame(eventType: string, body: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ":event-type": { type: "string", value: eventType },
      ":message-type": { type: "string", value: "event" },
      ":content-type": { type: "string", value: "application/json" },
    },
    body: Buffer.from(JSON.stringify(body), "utf8"),
  });
}

/**
 * ConverseStream: `messageStart` (the role, no content), per block `contentBlockStart` (tool use
 * only) / `contentBlockDelta` / `contentBlockStop`, then `messageStop` and `metadata` (usage).
 * `gapMs` between frames.
 */
export function converseStream(a: ConverseAnswer, gapMs = 0): FakeReply {
  const frames: { label: string; type: string; body: unknown }[] = [];
  frames.push({ label: "messageStart", type: "messageStart", body: { role: "assistant" } });
  a.content.forEach((block, contentBlockIndex) => {
    const delta = (label: string, d: unknown) =>
      frames.push({ label, type: "contentBlockDelta", body: { contentBlockIndex, delta: d } });
    if ("text" in block) {
      const half = Math.ceil(block.text.length / 2);
      delta("text", { text: block.text.slice(0, half) });
      delta("text", { text: block.text.slice(half) });
    } else if ("reasoningContent" in block) {
      const { text, signature } = block.reasoningContent.reasoningText;
      delta("reasoning", { reasoningContent: { text } });
      if (signature) delta("signature", { reasoningContent: { signature } });
    } else {
      const { toolUseId, name, input } = block.toolUse;
      frames.push({
        label: "toolUseStart",
        type: "contentBlockStart",
        body: { contentBlockIndex, start: { toolUse: { toolUseId, name } } },
      });
      delta("toolUseInput", { toolUse: { input: JSON.stringify(input) } });
    }
    frames.push({ label: "contentBlockStop", type: "contentBlockStop", body: { contentBlockIndex } });
  });
  frames.push({
    label: "messageStop",
    type: "messageStop",
    body: { stopReason: a.stopReason ?? "end_turn" },
  });
  frames.push({ label: "metadata", type: "metadata", body: { usage: a.usage, metrics: { latencyMs: 42 } } });
  return {
    headers: { "content-type": "application/vnd.amazon.eventstream" },
    body: frames.map((f) => ({ label: f.label, data: frame(f.type, f.body) })),
    gapMs,
  };
}

/** An AWS JSON error (`429 ThrottlingException`, `400 ValidationException`). */
export function bedrockError(status: number, type: string, message: string): FakeReply {
  return json({ message }, status, {
    "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  });
}
