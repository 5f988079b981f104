/** The model mapping's reading of what LangChain hands over for streamed runs (pure, no LangChain run). */
import { describe, expect, it } from "vitest";
import { modelEnd } from "../../src/mapping/model.js";

/** An LLMResult with one chat generation. */
const result = (responseMetadata: Record<string, unknown>, generationInfo?: Record<string, unknown>) => ({
  generations: [
    [
      {
        text: "hi",
        generationInfo,
        message: { type: "ai", content: "hi", response_metadata: responseMetadata },
      },
    ],
  ],
});

describe("response_model of a streamed run", () => {
  it("reads a model name LangChain concatenated across chunks once", () => {
    // What is left when no generationInfo comes along (a message assembled from chunks).
    const end = modelEnd(result({ model: "mistral-large-2411".repeat(7) }), true, undefined, undefined);
    expect(end.metadata.response_model).toBe("mistral-large-2411");
    expect(end.config.model).toBe("mistral-large-2411");
  });

  it("prefers generationInfo, which LangChain merges key by key", () => {
    // A concatenation that is no exact repetition (one chunk named the model differently).
    const end = modelEnd(
      result({ model_name: "m-1m-1m-1-0125" }, { model_name: "m-1" }),
      true,
      undefined,
      undefined,
    );
    expect(end.metadata.response_model).toBe("m-1");
  });

  it("leaves names that are not a repetition as they are", () => {
    for (const name of ["gpt-4o", "llama3.1:8b-instruct-q4_K_M", "o1", "gpt-4o-2024-08-06"]) {
      expect(modelEnd(result({ model_name: name }), true, undefined, undefined).metadata.response_model).toBe(
        name,
      );
    }
  });
});
