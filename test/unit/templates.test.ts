/** Prompt template reading (src/mapping/templates.ts), directly on LangChain's serialized prompts. */
import { ChatPromptTemplate, PromptTemplate } from "@langchain/core/prompts";
import { describe, expect, it } from "vitest";
import { chatPromptTemplate, stringPromptTemplate } from "../../src/mapping/templates.js";

const POLLUTED = "polluted_by_app";

/** Runs `fn` with an enumerable key on Object.prototype, as `Object.prototype.x = …` in an app adds one. */
function polluted<T>(fn: () => T): T {
  (Object.prototype as Record<string, unknown>)[POLLUTED] = "x";
  try {
    return fn();
  } finally {
    delete (Object.prototype as Record<string, unknown>)[POLLUTED];
  }
}

describe("template variables", () => {
  it("a chat template's variables are its own, without chat_history, even with Object.prototype polluted", async () => {
    const prompt = ChatPromptTemplate.fromMessages([["human", "{question}"]]);
    const inputs = { question: "why?", chat_history: [] };
    const value = await prompt.invoke(inputs);
    const serialized = prompt.toJSON();
    const info = polluted(() => chatPromptTemplate(serialized, inputs, value.messages));
    expect(Object.keys(info?.variables ?? {})).toEqual(["question"]);
    expect(Object.hasOwn(info?.variables ?? {}, POLLUTED)).toBe(false);
  });

  it("a string template's variables leave out prompt and chat_history, even with Object.prototype polluted", async () => {
    const prompt = PromptTemplate.fromTemplate("Tell me about {topic}");
    const value = await prompt.invoke({ topic: "tides" });
    const serialized = prompt.toJSON();
    const info = polluted(() => stringPromptTemplate(serialized, { topic: "tides" }, value.value));
    expect(info?.template).toBe("Tell me about {{topic}}");
    expect(Object.keys(info?.variables ?? {})).toEqual(["topic"]);
    expect(Object.hasOwn(info?.variables ?? {}, POLLUTED)).toBe(false);
  });
});
