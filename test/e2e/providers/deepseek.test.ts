/**
 * `@langchain/deepseek` (ChatDeepSeek, a ChatOpenAI completions subclass) against a local fake of
 * DeepSeek's OpenAI-compatible API, `reasoning_content` included.
 */
import { ChatDeepSeek } from "@langchain/deepseek";
import { describe, expect, it } from "vitest";
import { modelEvents } from "../../helpers/providers/events.js";
import { openAICompatibleCases } from "../../helpers/providers/openai-compatible-suite.js";
import { completion, completionStream } from "../../helpers/providers/openai-wire.js";
import { streamed } from "../../helpers/providers/tool-round.js";
import { useCollector } from "../../helpers/setup.js";

const hh = useCollector();

const REQUESTED = "deepseek-reasoner";
const ANSWERED = "deepseek-reasoner-0528";
const THINKING = "The user wants a greeting. Keep it short.";

// ChatDeepSeek takes the OpenAI client's `configuration.baseURL` (its default is api.deepseek.com).
const deepseek = (url: string) =>
  new ChatDeepSeek({ model: REQUESTED, apiKey: "sk-fake", configuration: { baseURL: url }, maxRetries: 0 });

describe("DeepSeek", () => {
  const { fake } = openAICompatibleCases({
    hh,
    model: deepseek,
    requested: REQUESTED,
    answered: ANSWERED,
    // LangChain reports ls_provider "openai" (ChatDeepSeek inherits ChatOpenAI's getLsParams); the
    // answer says model_provider "deepseek".
    provider: "deepseek",
    lsProvider: "openai",
    path: "/chat/completions",
  });

  describe("reasoning_content", () => {
    const invokeWithReasoning = async () => {
      const handler = hh.handler();
      fake().reply(
        completion({
          model: ANSWERED,
          content: "Hello!",
          reasoningContent: THINKING,
          usage: { prompt: 10, completion: 20, reasoning: 12 },
        }),
      );
      const reply = await deepseek(fake().url).invoke("Hi", { callbacks: [handler] });
      await handler.flush();
      return { reply, ev: modelEvents(hh)[0] };
    };

    it("invoke: the package surfaces the reasoning; content stays the answer; reasoning tokens recorded", async () => {
      const { reply, ev } = await invokeWithReasoning();
      expect(reply.content).toBe("Hello!");
      expect(reply.additional_kwargs.reasoning_content).toBe(THINKING);
      expect(ev?.outputs?.content).toBe("Hello!");
      expect(JSON.stringify(ev?.outputs?.content)).not.toContain(THINKING);
      expect(ev?.metadata).toMatchObject({
        response_model: ANSWERED,
        reasoning_tokens: 12,
        completion_tokens: 20,
      });
    });

    it("records reasoning_content as outputs.reasoning", async () => {
      const { ev } = await invokeWithReasoning();
      expect(ev?.outputs?.reasoning).toBe(THINKING);
    });

    it("stream: reasoning chunks reach the app; content is the answer alone", async () => {
      const handler = hh.handler();
      fake().reply(
        completionStream({
          model: ANSWERED,
          content: "Hello!",
          reasoningContent: THINKING,
          usage: { prompt: 10, completion: 20 },
        }),
      );
      const reply = await streamed(deepseek(fake().url).stream("Hi", { callbacks: [handler] }));
      expect(reply?.content).toBe("Hello!");
      expect(reply?.additional_kwargs.reasoning_content).toBe(THINKING);
      await handler.flush();
      const [ev] = modelEvents(hh);
      expect(ev?.outputs?.content).toBe("Hello!");
      expect(ev?.metadata).toMatchObject({
        response_model: ANSWERED,
        prompt_tokens: 10,
        completion_tokens: 20,
      });
      expect(typeof ev?.metrics?.ttft_ms).toBe("number");
    });
  });
});
