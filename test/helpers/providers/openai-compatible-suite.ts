/**
 * The cases every provider speaking OpenAI's chat completions format runs (Groq, xAI, DeepSeek):
 * invoke, stream, tool round and streamed tool call against `openai-wire.ts`. Each provider's own
 * test file calls this with its package's model and names, and adds what only it has.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AIMessage, AIMessageChunk } from "@langchain/core/messages";
import { expect, it } from "vitest";
import { weather } from "../agents.js";
import type { CollectorFixture } from "../setup.js";
import { expectTtftAtFirstContent, modelEvents } from "./events.js";
import { type FakeServer, useFake } from "./fake-server.js";
import { type CompletionAnswer, completion, completionStream, rateLimited } from "./openai-wire.js";
import { streamed, toolRound } from "./tool-round.js";

export interface OpenAICompatibleCase {
  hh: CollectorFixture;
  /** The real package's chat model pointed at `baseURL` (the fake), retries off. */
  model(baseURL: string): BaseChatModel;
  requested: string;
  answered: string;
  /** `config.provider` (HoneyHive's name) and `metadata.ls_provider` (LangChain's) expected. */
  provider: string;
  lsProvider: string;
  /** The path under the base URL where the package posts (Groq: /openai/v1/chat/completions). */
  path: string;
  /** Extra fields of every scripted answer (Groq's `x_groq`). */
  answer?: Partial<CompletionAnswer>;
  /**
   * What the package made of the streamed usage (9 in, 4 out); by default `usage_metadata`. ChatGroq
   * streamed sets none: it leaves usage in `response_metadata.usage`.
   */
  streamedUsage?(reply: AIMessageChunk | undefined): void;
  /**
   * Where the package put the cached (100) and reasoning (12) token counts of an invoke; by default
   * `usage_metadata`'s details. ChatGroq leaves them in `response_metadata.usage`.
   */
  tokenDetails?(reply: AIMessage): void;
}

/**
 * Streams open with a role-only chunk (content ""), then this pause before the first content: long
 * enough that time to first token stamped at the opening chunk fails `expectTtftAtFirstContent`.
 */
const OPENING_PAUSE_MS = 40;

/** Registers the shared cases in the calling `describe`; returns the fake so the file can add its own. */
export function openAICompatibleCases(c: OpenAICompatibleCase): { fake(): FakeServer } {
  const server = useFake();
  const fake = () => server;
  const model = () => c.model(fake().url);
  const answer = (a: Omit<CompletionAnswer, "model">): CompletionAnswer => ({
    model: c.answered,
    ...c.answer,
    ...a,
  });

  it("invoke: requested vs answered model, provider, tokens, finish reason", async () => {
    const handler = c.hh.handler();
    fake().reply(completion(answer({ content: "Hello there.", usage: { prompt: 21, completion: 4 } })));
    const reply = await model().invoke("Hi", { callbacks: [handler] });
    expect(fake().requests.at(-1)?.path).toBe(c.path);
    expect(fake().requests.at(-1)?.body?.model).toBe(c.requested);
    expect(reply.content).toBe("Hello there.");
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 21, output_tokens: 4, total_tokens: 25 });
    await handler.flush();

    const [ev] = modelEvents(c.hh);
    expect(ev?.config).toMatchObject({ model: c.requested, provider: c.provider });
    expect(ev?.metadata).toMatchObject({
      response_model: c.answered,
      ls_provider: c.lsProvider,
      prompt_tokens: 21,
      completion_tokens: 4,
      total_tokens: 25,
      finish_reason: "stop",
    });
    expect(ev?.outputs).toEqual({ role: "assistant", content: "Hello there." });
    expect(ev?.metrics?.ttft_ms).toBeUndefined();
  });

  it("invoke: cached and reasoning token details", async () => {
    const handler = c.hh.handler();
    fake().reply(
      completion(
        answer({ content: "Done.", usage: { prompt: 120, completion: 30, cached: 100, reasoning: 12 } }),
      ),
    );
    const reply = (await model().invoke("Hi", { callbacks: [handler] })) as AIMessage;
    if (c.tokenDetails) c.tokenDetails(reply);
    else {
      expect(reply.usage_metadata?.input_token_details?.cache_read).toBe(100);
      expect(reply.usage_metadata?.output_token_details?.reasoning).toBe(12);
    }
    await handler.flush();
    const [ev] = modelEvents(c.hh);
    expect(ev?.metadata).toMatchObject({
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      cache_read_input_tokens: 100,
      reasoning_tokens: 12,
    });
  });

  it("a 429: the app gets the package's own error, the event records it", async () => {
    const handler = c.hh.handler();
    fake().reply(rateLimited());
    const error = await model()
      .invoke("Hi", { callbacks: [handler] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("Rate limit reached");
    await handler.flush();
    const [ev] = modelEvents(c.hh);
    expect(ev?.error).toBe(`${(error as Error).name}: ${(error as Error).message}`);
    expect(ev?.config).toMatchObject({ model: c.requested });
    expect(ev?.outputs).toEqual({});
  });

  it("stream: the full text, one answered model, usage, TTFT at the first content", async () => {
    const handler = c.hh.handler();
    fake().reply(
      completionStream(
        answer({
          content: "one two three four",
          usage: { prompt: 9, completion: 4 },
          openingPauseMs: OPENING_PAUSE_MS,
        }),
      ),
    );
    const reply = await streamed(model().stream("count", { callbacks: [handler] }));
    expect(reply?.content).toBe("one two three four");
    if (c.streamedUsage) c.streamedUsage(reply);
    else expect(reply?.usage_metadata).toMatchObject({ input_tokens: 9, output_tokens: 4, total_tokens: 13 });
    await handler.flush();

    const [ev] = modelEvents(c.hh);
    expect(ev?.config).toMatchObject({ model: c.requested, provider: c.provider });
    expect(ev?.metadata).toMatchObject({
      response_model: c.answered,
      prompt_tokens: 9,
      completion_tokens: 4,
      total_tokens: 13,
      finish_reason: "stop",
    });
    expect(ev?.outputs).toEqual({ role: "assistant", content: "one two three four" });
    expect(typeof ev?.metrics?.ttft_ms).toBe("number");
    expectTtftAtFirstContent(ev, fake().requests.at(-1), "content");
  });

  it("tool round: outputs carry the tool call; the second call's chat_history has it and the tool message", async () => {
    const handler = c.hh.handler();
    fake().reply(
      completion(
        answer({
          toolCalls: [{ id: "call_w1", name: "get_weather", arguments: '{"city":"Oslo"}' }],
          usage: { prompt: 50, completion: 10 },
        }),
      ),
      completion(answer({ content: "It is sunny in Oslo.", usage: { prompt: 70, completion: 8 } })),
    );
    const round = await toolRound(model(), [handler]);
    expect(round.first.tool_calls).toEqual([
      { id: "call_w1", name: "get_weather", args: { city: "Oslo" }, type: "tool_call" },
    ]);
    expect(round.second.content).toBe("It is sunny in Oslo.");
    expect(fake().requests.at(-1)?.body?.messages).toContainEqual(
      expect.objectContaining({ role: "tool", content: "sunny in Oslo", tool_call_id: "call_w1" }),
    );
    await handler.flush();

    const [first, second] = modelEvents(c.hh);
    const call = {
      id: "call_w1",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
    };
    expect(first?.outputs).toEqual({ role: "assistant", content: "", tool_calls: [call] });
    expect(first?.metadata?.finish_reason).toBe("tool_calls");
    expect(second?.inputs?.chat_history).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: "", tool_calls: [call] },
      { role: "tool", content: "sunny in Oslo", name: "get_weather", tool_call_id: "call_w1" },
    ]);
    expect(second?.outputs).toEqual({ role: "assistant", content: "It is sunny in Oslo." });
    expect(second?.config).toMatchObject({ model: c.requested, provider: c.provider });
    expect(second?.metadata).toMatchObject({
      response_model: c.answered,
      prompt_tokens: 70,
      completion_tokens: 8,
    });
  });

  it("streamed tool call: the tool-call chunks become one tool call in outputs", async () => {
    const handler = c.hh.handler();
    fake().reply(
      completionStream(
        answer({
          toolCalls: [{ id: "call_s1", name: "get_weather", arguments: '{"city":"Bergen"}' }],
          usage: { prompt: 40, completion: 9 },
          openingPauseMs: OPENING_PAUSE_MS,
        }),
      ),
    );
    const bound = model().bindTools?.([weather()]);
    if (!bound) throw new Error("no bindTools");
    const reply = await streamed(bound.stream("Weather in Bergen?", { callbacks: [handler] }));
    expect(reply?.tool_call_chunks?.length).toBeGreaterThan(0);
    expect(reply?.tool_calls).toEqual([
      { id: "call_s1", name: "get_weather", args: { city: "Bergen" }, type: "tool_call" },
    ]);
    await handler.flush();

    const [ev] = modelEvents(c.hh);
    expect(ev?.outputs).toEqual({
      role: "assistant",
      content: "",
      tool_calls: [
        {
          id: "call_s1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Bergen"}' },
        },
      ],
    });
    expect(ev?.metadata).toMatchObject({ response_model: c.answered, finish_reason: "tool_calls" });
    expect(typeof ev?.metrics?.ttft_ms).toBe("number");
    expectTtftAtFirstContent(ev, fake().requests.at(-1), "tool_call");
  });

  return { fake };
}
