/**
 * Whether a streaming callback carries content (text, a tool-call chunk, reasoning), for time to
 * first token (SPEC §4). Providers open a stream with empty events — Anthropic's `message_start`,
 * an empty `content_block_start`, OpenAI's role-only first chunk — and LangChain reports each as a
 * token; they are not the first token. This runs on every streamed chunk until the first one that
 * counts: a few property reads, nothing serialized.
 */
import { type Dict, isObject } from "../util/dict.js";

function nonEmpty(v: unknown): boolean {
  return typeof v === "string" && v.length > 0;
}

/** Block types whose content is only their text fields: empty text is no content yet. */
const TEXT_LIKE = new Set(["text", "text_delta", "thinking", "reasoning", "input_json_delta"]);

/** A content block (any provider's or LangChain's standard shape) with something in it. */
function blockCarriesContent(block: unknown): boolean {
  if (typeof block === "string") return block.length > 0;
  if (!isObject(block)) return false;
  if (TEXT_LIKE.has(block.type as string))
    return (
      nonEmpty(block.text) || nonEmpty(block.thinking) || nonEmpty(block.reasoning) || nonEmpty(block.input)
    );
  // A tool-use start (id and name), a redacted thinking block, an image…: content by being there.
  return true;
}

function messageCarriesContent(message: Dict): boolean {
  const content = message.content;
  if (nonEmpty(content)) return true;
  if (Array.isArray(content)) {
    for (const block of content) if (blockCarriesContent(block)) return true;
  }
  const toolChunks = message.tool_call_chunks;
  if (Array.isArray(toolChunks)) {
    for (const c of toolChunks) if (isObject(c) && (nonEmpty(c.name) || nonEmpty(c.args))) return true;
  }
  const extra = message.additional_kwargs;
  if (isObject(extra)) {
    if (nonEmpty(extra.reasoning_content)) return true;
    const summary = isObject(extra.reasoning) ? extra.reasoning.summary : undefined;
    if (Array.isArray(summary) && summary.some((p) => isObject(p) && nonEmpty(p.text))) return true;
  }
  return false;
}

/**
 * `handleLLMNewToken(token, …, fields)`: a non-empty token counts; an empty one counts when the
 * chunk it came with (`fields.chunk`, a ChatGenerationChunk) carries a tool call or reasoning.
 * Without a chunk an empty token cannot be told apart, and it counts: @langchain/google-genai
 * reports a streamed function call as an empty token without its chunk, while the packages that
 * open with an empty event (Anthropic, OpenAI) pass the chunk.
 */
export function tokenCarriesContent(token: unknown, fields: unknown): boolean {
  if (nonEmpty(token)) return true;
  const chunk = isObject(fields) ? fields.chunk : undefined;
  if (!isObject(chunk)) return true;
  return isObject(chunk.message) && messageCarriesContent(chunk.message);
}

/** `handleChatModelStreamEvent`: a content block that starts with content, or any content delta. */
export function streamEventCarriesContent(event: unknown): boolean {
  if (!isObject(event)) return false;
  if (event.event === "content-block-start") return blockCarriesContent(event.content);
  if (event.event !== "content-block-delta" || !isObject(event.delta)) return false;
  const delta = event.delta;
  switch (delta.type) {
    case "text-delta":
      return nonEmpty(delta.text);
    case "reasoning-delta":
      return nonEmpty(delta.reasoning);
    case "tool-call-delta":
      return nonEmpty(delta.args);
    case "data-delta":
      return nonEmpty(delta.data);
    case "block-delta":
      // A signature or other provider field merged onto a block is not content.
      return (
        isObject(delta.fields) &&
        (nonEmpty(delta.fields.text) || nonEmpty(delta.fields.reasoning) || nonEmpty(delta.fields.args))
      );
    default:
      return false;
  }
}

/**
 * The model a stream event names as answering. On the stream-events path @langchain/anthropic
 * reports `message_start`'s model only in a `provider` event, and the message LangChain assembles
 * from the events has no model at all; others may put it in `responseMetadata`.
 */
export function streamEventModel(event: unknown): string | undefined {
  if (!isObject(event)) return undefined;
  const kind = event.event;
  let where: unknown;
  if (kind === "provider") where = event.payload;
  else if (kind === "message-start" || kind === "message-finish") where = event.responseMetadata;
  else return undefined;
  if (!isObject(where)) return undefined;
  const model = where.model_name ?? where.model;
  return typeof model === "string" && model ? model : undefined;
}
