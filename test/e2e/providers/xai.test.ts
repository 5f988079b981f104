/** `@langchain/xai` (ChatXAI, chat completions through the OpenAI client) against a local fake. */
import { ChatXAI } from "@langchain/xai";
import { describe } from "vitest";
import { openAICompatibleCases } from "../../helpers/providers/openai-compatible-suite.js";
import { useCollector } from "../../helpers/setup.js";

const hh = useCollector();

describe("xAI", () => {
  openAICompatibleCases({
    hh,
    // ChatXAI takes `baseURL` at the top level (it builds the OpenAI client's configuration itself).
    model: (url) => new ChatXAI({ model: "grok-4", apiKey: "xai-fake", baseURL: `${url}/v1`, maxRetries: 0 }),
    requested: "grok-4",
    answered: "grok-4-0709",
    provider: "xai",
    lsProvider: "xai",
    path: "/v1/chat/completions",
  });
});
