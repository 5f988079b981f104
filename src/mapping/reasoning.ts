/**
 * A model's reasoning, wherever its provider package puts it, as one text: the `reasoning` key of
 * a model event's outputs and of an assistant message in `chat_history` (README, "What is
 * recorded"). Content keeps only what the model said; the reasoning is recorded once, beside it.
 *
 * Sources, as the packages deliver them:
 * - content blocks: Anthropic `thinking` (and Gemini thought parts, which @langchain/google-genai
 *   turns into `thinking` blocks), Anthropic `redacted_thinking` and Bedrock's redacted
 *   `reasoning_content` (encrypted: recorded as `[redacted]`, so a reader sees that the model
 *   reasoned without the ciphertext), LangChain's standard `reasoning` block (OpenAI Responses
 *   summaries, v1 output, Bedrock Converse reasoning);
 * - `additional_kwargs.reasoning_content`: DeepSeek, xAI, Ollama (`think`);
 * - `additional_kwargs.reasoning.summary[].text`: OpenAI's Responses API reasoning item.
 * @langchain/openai puts a Responses summary both in a `reasoning` block and in
 * `additional_kwargs.reasoning`: the blocks win, so it is never recorded twice.
 */
import { type Dict, isObject } from "../util/dict.js";

/** What a redacted (encrypted) thinking block is recorded as. */
export const REDACTED_REASONING = "[redacted]";

const REASONING_BLOCK_TYPES = new Set(["thinking", "redacted_thinking", "reasoning", "reasoning_content"]);

/** True for a content block that is reasoning (left out of `content`, recorded under `reasoning`). */
export function isReasoningBlock(block: unknown): boolean {
  return isObject(block) && REASONING_BLOCK_TYPES.has(block.type as string);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === "string" && v.length > 0;
}

function summaryTexts(summary: unknown, into: string[]): void {
  if (!Array.isArray(summary)) return;
  for (const part of summary) if (isObject(part) && nonEmpty(part.text)) into.push(part.text);
}

function blockReasoning(block: Dict, into: string[]): void {
  if (block.type === "thinking") {
    if (nonEmpty(block.thinking)) into.push(block.thinking);
  } else if (
    block.type === "redacted_thinking" ||
    (block.type === "reasoning_content" && block.redactedContent)
  ) {
    into.push(REDACTED_REASONING);
  } else if (block.type === "reasoning") {
    if (nonEmpty(block.reasoning)) into.push(block.reasoning);
    else summaryTexts(block.summary, into);
  }
}

/**
 * A streamed piece of the block before it: @langchain/google-genai does not merge a streamed
 * thought's chunks (its blocks carry no `index` for LangChain to merge by), so one thought arrives
 * as adjacent `thinking` blocks. Blocks the package did keep apart (distinct `index`, as
 * Anthropic's are) stay separate reasoning.
 */
function continues(previous: Dict, block: Dict): boolean {
  return previous.type === block.type && block.type !== "redacted_thinking" && previous.index === block.index;
}

/**
 * The reasoning of a message (its own fields: `content`, `additional_kwargs`), blocks joined by a
 * blank line; undefined when it has none.
 */
export function reasoningOf(fields: Dict): string | undefined {
  const parts: string[] = [];
  if (Array.isArray(fields.content)) {
    // The block before, when it added the last part (only then can this one continue it).
    let previous: Dict | undefined;
    for (const block of fields.content) {
      const before = parts.length;
      if (isObject(block)) blockReasoning(block, parts);
      const added = parts.length > before;
      if (added && previous && continues(previous, block as Dict)) {
        const piece = parts.pop() as string;
        parts[parts.length - 1] += piece;
      }
      previous = added ? (block as Dict) : undefined;
    }
  }
  if (parts.length === 0 && isObject(fields.additional_kwargs)) {
    const extra = fields.additional_kwargs;
    if (nonEmpty(extra.reasoning_content)) parts.push(extra.reasoning_content);
    else if (isObject(extra.reasoning)) summaryTexts(extra.reasoning.summary, parts);
  }
  return parts.length ? parts.join("\n\n") : undefined;
}
