/** Which streaming callbacks are a first token (mapping/stream-content.ts, SPEC §4). */
import { AIMessageChunk } from "@langchain/core/messages";
import { ChatGenerationChunk, GenerationChunk } from "@langchain/core/outputs";
import { describe, expect, it } from "vitest";
import {
  streamEventCarriesContent,
  streamEventModel,
  tokenCarriesContent,
} from "../../src/mapping/stream-content.js";

const chunk = (fields: ConstructorParameters<typeof AIMessageChunk>[0]) => ({
  chunk: new ChatGenerationChunk({ text: "", message: new AIMessageChunk(fields) }),
});

describe("tokenCarriesContent", () => {
  it("empty opening events are not tokens", () => {
    // Anthropic message_start (blocks mode), an empty text / thinking block start, a signature delta.
    expect(tokenCarriesContent("", chunk({ content: [], additional_kwargs: { model: "claude" } }))).toBe(
      false,
    );
    expect(tokenCarriesContent("", chunk({ content: [{ type: "text", text: "", index: 0 }] }))).toBe(false);
    expect(
      tokenCarriesContent(
        "",
        chunk({ content: [{ type: "thinking", thinking: "", signature: "", index: 0 }] }),
      ),
    ).toBe(false);
    expect(
      tokenCarriesContent("", chunk({ content: [{ type: "thinking", signature: "sig", index: 0 }] })),
    ).toBe(false);
    // OpenAI's first chunk: the role, empty content.
    expect(tokenCarriesContent("", chunk({ content: "", additional_kwargs: { role: "assistant" } }))).toBe(
      false,
    );
    // A completion LLM's empty token.
    expect(tokenCarriesContent("", { chunk: new GenerationChunk({ text: "" }) })).toBe(false);
  });

  it("text, tool-call chunks and reasoning are", () => {
    expect(tokenCarriesContent("Hi", undefined)).toBe(true);
    expect(
      tokenCarriesContent("", chunk({ content: [{ type: "thinking", thinking: "Hmm", index: 0 }] })),
    ).toBe(true);
    expect(
      tokenCarriesContent("", chunk({ content: [{ type: "redacted_thinking", data: "x", index: 0 }] })),
    ).toBe(true);
    expect(
      tokenCarriesContent(
        "",
        chunk({ content: "", tool_call_chunks: [{ id: "c1", name: "get_weather", args: "", index: 0 }] }),
      ),
    ).toBe(true);
    expect(
      tokenCarriesContent("", chunk({ content: "", tool_call_chunks: [{ args: '{"ci', index: 0 }] })),
    ).toBe(true);
    expect(
      tokenCarriesContent("", chunk({ content: "", additional_kwargs: { reasoning_content: "Let" } })),
    ).toBe(true);
    expect(
      tokenCarriesContent(
        "",
        chunk({
          content: "",
          additional_kwargs: { reasoning: { summary: [{ type: "summary_text", text: "S" }] } },
        }),
      ),
    ).toBe(true);
  });

  it("an empty token without its chunk counts: the caller gave nothing to tell it by (Gemini's streamed function calls)", () => {
    expect(tokenCarriesContent("", undefined)).toBe(true);
  });
});

describe("streamEventCarriesContent", () => {
  it("content-block-start counts when the block has content; deltas when they add some", () => {
    expect(streamEventCarriesContent({ event: "message-start" })).toBe(false);
    expect(
      streamEventCarriesContent({
        event: "content-block-start",
        index: 0,
        content: { type: "text", text: "" },
      }),
    ).toBe(false);
    expect(
      streamEventCarriesContent({
        event: "content-block-start",
        index: 0,
        content: { type: "tool_call_chunk", id: "c1", name: "get_weather", args: "" },
      }),
    ).toBe(true);
    expect(
      streamEventCarriesContent({
        event: "content-block-delta",
        index: 0,
        delta: { type: "text-delta", text: "" },
      }),
    ).toBe(false);
    expect(
      streamEventCarriesContent({
        event: "content-block-delta",
        index: 0,
        delta: { type: "text-delta", text: "H" },
      }),
    ).toBe(true);
    expect(
      streamEventCarriesContent({
        event: "content-block-delta",
        index: 0,
        delta: { type: "reasoning-delta", reasoning: "R" },
      }),
    ).toBe(true);
    expect(
      streamEventCarriesContent({
        event: "content-block-delta",
        index: 0,
        delta: { type: "tool-call-delta", args: "{" },
      }),
    ).toBe(true);
    expect(
      streamEventCarriesContent({
        event: "content-block-delta",
        index: 0,
        delta: { type: "block-delta", fields: { type: "reasoning", signature: "sig" } },
      }),
    ).toBe(false);
    expect(
      streamEventCarriesContent({
        event: "content-block-finish",
        index: 0,
        content: { type: "text", text: "x" },
      }),
    ).toBe(false);
  });
});

describe("streamEventModel", () => {
  it("the model a provider event or the message's response metadata names; nothing from other events", () => {
    const start = {
      event: "provider",
      provider: "anthropic",
      name: "message_start",
      payload: { model: "claude-x-1", id: "m" },
    };
    expect(streamEventModel(start)).toBe("claude-x-1");
    expect(
      streamEventModel({
        event: "message-finish",
        reason: "stop",
        responseMetadata: { model_name: "gpt-x" },
      }),
    ).toBe("gpt-x");
    expect(
      streamEventModel({ event: "provider", provider: "anthropic", name: "context_management", payload: {} }),
    ).toBe(undefined);
    expect(
      streamEventModel({
        event: "content-block-delta",
        index: 0,
        delta: { type: "text-delta", text: "model" },
      }),
    ).toBe(undefined);
  });
});
