/** `@langchain/groq` (ChatGroq, on groq-sdk) against a local fake of Groq's OpenAI-compatible API. */
import { ChatGroq } from "@langchain/groq";
import { describe, expect } from "vitest";
import { openAICompatibleCases } from "../../helpers/providers/openai-compatible-suite.js";
import { useCollector } from "../../helpers/setup.js";

const hh = useCollector();

describe("Groq", () => {
  openAICompatibleCases({
    hh,
    // ChatGroq's option is `baseUrl`; groq-sdk appends /openai/v1/chat/completions. The SDK's
    // retries are already 0 in the package; LangChain's own (AsyncCaller) are turned off here.
    model: (url) =>
      new ChatGroq({ model: "llama-3.3-70b-versatile", apiKey: "gsk-fake", baseUrl: url, maxRetries: 0 }),
    requested: "llama-3.3-70b-versatile",
    answered: "llama-3.3-70b-versatile-0125",
    provider: "groq",
    lsProvider: "groq",
    path: "/openai/v1/chat/completions",
    answer: { xGroq: true },
    tokenDetails(reply) {
      // ChatGroq's usage_metadata has the counts only; the details stay in the raw usage.
      expect(reply.usage_metadata?.input_token_details).toBeUndefined();
      expect(reply.response_metadata.usage).toMatchObject({
        prompt_tokens_details: { cached_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 12 },
      });
    },
    streamedUsage(reply) {
      // No usage_metadata: the counts sit in response_metadata.usage, where LangChain merged the
      // finish chunk's x_groq.usage and the include_usage chunk — summing total_tokens (13 + 13).
      expect(reply?.usage_metadata).toBeUndefined();
      expect(reply?.response_metadata.usage).toMatchObject({
        prompt_tokens: 9,
        completion_tokens: 4,
        total_tokens: 26,
      });
    },
  });
});
