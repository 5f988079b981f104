/**
 * Reasoning from every provider package's shape (mapping/reasoning.ts), and what message
 * normalization does with it: recorded once under `reasoning`, never inside `content`.
 */
import { AIMessage, AIMessageChunk, HumanMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { asChatMessage } from "../../src/mapping/langchain-objects.js";
import { modelEnd } from "../../src/mapping/model.js";
import { REDACTED_REASONING, reasoningOf } from "../../src/mapping/reasoning.js";

describe("reasoningOf", () => {
  it("Anthropic thinking blocks (and Gemini thought parts, which @langchain/google-genai makes thinking blocks), joined by a blank line", () => {
    const content = [
      { type: "thinking", thinking: "First, the city.", signature: "sig" },
      { type: "text", text: "Oslo." },
      { type: "thinking", thinking: "Then the weather.", signature: "sig2" },
    ];
    expect(reasoningOf({ content })).toBe("First, the city.\n\nThen the weather.");
  });

  it("a thought streamed in pieces the package did not merge (Gemini: adjacent thinking blocks without index) is one text", () => {
    const content = [
      { type: "thinking", thinking: "Let me " },
      { type: "thinking", thinking: "think." },
      { type: "text", text: "Hi" },
      { type: "thinking", thinking: "Again." },
    ];
    expect(reasoningOf({ content })).toBe("Let me think.\n\nAgain.");
    // Anthropic's blocks carry their index: two blocks stay two.
    const indexed = [
      { type: "thinking", thinking: "One.", index: 0 },
      { type: "thinking", thinking: "Two.", index: 1 },
    ];
    expect(reasoningOf({ content: indexed })).toBe("One.\n\nTwo.");
  });

  it("Anthropic redacted_thinking: the ciphertext is not recorded, the fact that the model reasoned is", () => {
    const content = [
      { type: "redacted_thinking", data: "EncryptedBlob==" },
      { type: "text", text: "Done." },
    ];
    expect(reasoningOf({ content })).toBe(REDACTED_REASONING);
    // Bedrock Converse's redacted reasoning, as @langchain/aws gives it.
    expect(reasoningOf({ content: [{ type: "reasoning_content", redactedContent: "QUJD" }] })).toBe(
      REDACTED_REASONING,
    );
  });

  it("LangChain's standard reasoning block (v1 output, OpenAI Responses summaries)", () => {
    expect(reasoningOf({ content: [{ type: "reasoning", reasoning: "Summed up." }] })).toBe("Summed up.");
    expect(
      reasoningOf({ content: [{ type: "reasoning", summary: [{ type: "summary_text", text: "A" }] }] }),
    ).toBe("A");
  });

  it("OpenAI Responses API: additional_kwargs.reasoning summaries; when the package also made a reasoning block, once", () => {
    const reasoning = {
      id: "rs_1",
      type: "reasoning",
      summary: [
        { type: "summary_text", text: "Step one." },
        { type: "summary_text", text: "Step two." },
      ],
    };
    expect(reasoningOf({ content: "Answer.", additional_kwargs: { reasoning } })).toBe(
      "Step one.\n\nStep two.",
    );
    expect(
      reasoningOf({
        content: [
          { type: "reasoning", reasoning: "Step one.Step two." },
          { type: "text", text: "Answer." },
        ],
        additional_kwargs: { reasoning },
      }),
    ).toBe("Step one.Step two.");
  });

  it("DeepSeek, xAI and Ollama: additional_kwargs.reasoning_content", () => {
    expect(reasoningOf({ content: "42", additional_kwargs: { reasoning_content: "6 times 7." } })).toBe(
      "6 times 7.",
    );
  });

  it("none: no reasoning key at all (not an empty string)", () => {
    expect(reasoningOf({ content: "plain" })).toBeUndefined();
    expect(
      reasoningOf({ content: [{ type: "thinking", thinking: "" }], additional_kwargs: {} }),
    ).toBeUndefined();
    expect(reasoningOf({ content: "x", additional_kwargs: { reasoning: { summary: [] } } })).toBeUndefined();
  });
});

describe("messages with reasoning", () => {
  it("text + thinking: content is the plain text string, the thinking is the message's reasoning", () => {
    const message = new AIMessage({
      content: [
        { type: "thinking", thinking: "Hmm.", signature: "s" },
        { type: "text", text: "Hello." },
      ],
    });
    expect(asChatMessage(message)).toEqual({ role: "assistant", content: "Hello.", reasoning: "Hmm." });
  });

  it("thinking + tool use: the tool_use block goes to tool_calls, the thinking to reasoning, content is empty", () => {
    const message = new AIMessage({
      content: [
        { type: "thinking", thinking: "Call the tool.", signature: "s" },
        { type: "tool_use", id: "t1", name: "get_weather", input: { city: "Oslo" } },
      ],
      tool_calls: [{ id: "t1", name: "get_weather", args: { city: "Oslo" }, type: "tool_call" }],
    });
    expect(asChatMessage(message)).toEqual({
      role: "assistant",
      content: "",
      reasoning: "Call the tool.",
      tool_calls: [
        { id: "t1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
      ],
    });
  });

  it("a serialized message (another copy of core) keeps its reasoning under kwargs", () => {
    const serialized = JSON.parse(
      JSON.stringify(
        new AIMessage({ content: "42", additional_kwargs: { reasoning_content: "6 times 7." } }),
      ),
    );
    expect(asChatMessage(serialized)).toEqual({ role: "assistant", content: "42", reasoning: "6 times 7." });
  });

  it("a model event's outputs carry the reasoning beside the content", () => {
    const message = new AIMessage({
      content: [
        { type: "reasoning", reasoning: "Because." },
        { type: "text", text: "Yes." },
      ],
    });
    const end = modelEnd({ generations: [[{ text: "Yes.", message }]] }, true, undefined, undefined);
    expect(end.outputs).toEqual({ role: "assistant", content: "Yes.", reasoning: "Because." });
  });
});

describe("message names", () => {
  it("Gemini's role label (`name: \"model\"` on a streamed chunk) is not a participant's name; a real name is kept", () => {
    expect(asChatMessage(new AIMessageChunk({ content: "Hi", name: "model" }))).toEqual({
      role: "assistant",
      content: "Hi",
    });
    expect(asChatMessage(new AIMessage({ content: "Hi", name: "assistant" }))).toEqual({
      role: "assistant",
      content: "Hi",
    });
    expect(asChatMessage(new AIMessage({ content: "Hi", name: "planner" }))).toMatchObject({
      name: "planner",
    });
    expect(asChatMessage(new HumanMessage({ content: "Hi", name: "alice" }))).toMatchObject({
      name: "alice",
    });
  });
});
