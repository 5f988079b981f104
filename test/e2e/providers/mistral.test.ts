/** `@langchain/mistralai` (ChatMistralAI, on @mistralai/mistralai) against a local fake of Mistral's API. */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { AIMessageChunk } from "@langchain/core/messages";
import { ChatMistralAI } from "@langchain/mistralai";
import { describe, expect, it } from "vitest";
import { weather } from "../../helpers/agents.js";
import { expectTtftAtFirstContent, modelEvents } from "../../helpers/providers/events.js";
import { useFake } from "../../helpers/providers/fake-server.js";
import {
  mistralCompletion,
  mistralRateLimited,
  mistralStream,
} from "../../helpers/providers/mistral-wire.js";
import { streamed, toolRound } from "../../helpers/providers/tool-round.js";
import { useCollector } from "../../helpers/setup.js";

const hh = useCollector();
const fake = useFake();

const REQUESTED = "mistral-large-latest";
const ANSWERED = "mistral-large-2411";
/** The pause between a stream's role-only opening chunk and its first content (time to first token). */
const OPENING_PAUSE_MS = 40;

// ChatMistralAI's option is `serverURL` (the SDK appends /v1/chat/completions); its own retries
// are LangChain's AsyncCaller, turned off with maxRetries.
const mistral = () =>
  new ChatMistralAI({ model: REQUESTED, apiKey: "fake", serverURL: fake.url, maxRetries: 0 });

const CALL_ID = "w1Xk9Pq2a";
const call = {
  id: CALL_ID,
  type: "function",
  function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
};

describe("Mistral", () => {
  it("invoke: requested vs answered model, provider, tokens, finish reason", async () => {
    const handler = hh.handler();
    fake.reply(
      mistralCompletion({ model: ANSWERED, content: "Bonjour.", usage: { prompt: 12, completion: 3 } }),
    );
    const reply = await mistral().invoke("Hi", { callbacks: [handler] });
    expect(fake.requests.at(-1)?.path).toBe("/v1/chat/completions");
    expect(reply.content).toBe("Bonjour.");
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 12, output_tokens: 3, total_tokens: 15 });
    expect(reply.response_metadata.model).toBe(ANSWERED);
    await handler.flush();

    const [ev] = modelEvents(hh);
    expect(ev?.event_name).toBe("ChatMistralAI");
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "mistral" });
    expect(ev?.metadata).toMatchObject({
      response_model: ANSWERED,
      ls_provider: "mistral",
      prompt_tokens: 12,
      completion_tokens: 3,
      total_tokens: 15,
      finish_reason: "stop",
    });
    expect(ev?.outputs).toEqual({ role: "assistant", content: "Bonjour." });
  });

  it("stream: response_model is the answered model once, not once per chunk; usage; TTFT", async () => {
    const handler = hh.handler();
    fake.reply(
      mistralStream({
        model: ANSWERED,
        content: "un deux trois quatre",
        usage: { prompt: 9, completion: 4 },
        openingPauseMs: OPENING_PAUSE_MS,
      }),
    );
    const reply = await streamed(mistral().stream("count", { callbacks: [handler] }));
    expect(reply?.content).toBe("un deux trois quatre");
    expect(reply?.usage_metadata).toMatchObject({ input_tokens: 9, output_tokens: 4, total_tokens: 13 });
    // What LangChain hands over: the model string concatenated across chunks.
    expect(reply?.response_metadata.model).toBe(ANSWERED.repeat(5));
    await handler.flush();

    const [ev] = modelEvents(hh);
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "mistral" });
    expect(ev?.metadata?.response_model).toBe(ANSWERED);
    expect(ev?.metadata).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 4,
      total_tokens: 13,
      finish_reason: "stop",
    });
    expect(ev?.outputs).toEqual({ role: "assistant", content: "un deux trois quatre" });
    expect(typeof ev?.metrics?.ttft_ms).toBe("number");
    // Stamped at the first content, not at the role-only opening chunk written a pause before it.
    expectTtftAtFirstContent(ev, fake.requests.at(-1), "content");
  });

  it("invoke with a streaming consumer (streamEvents): response_model once", async () => {
    const handler = hh.handler();
    fake.reply(mistralStream({ model: ANSWERED, content: "un deux", usage: { prompt: 9, completion: 2 } }));
    let text = "";
    for await (const e of mistral().streamEvents("count", { version: "v2", callbacks: [handler] })) {
      if (e.event === "on_chat_model_stream") text += (e.data.chunk as AIMessageChunk).content;
    }
    expect(text).toBe("un deux");
    await handler.flush();
    const [ev] = modelEvents(hh);
    expect(ev?.metadata?.response_model).toBe(ANSWERED);
    expect(ev?.outputs).toEqual({ role: "assistant", content: "un deux" });
  });

  it("invoke beside a handler that prefers chat model stream events: response_model once", async () => {
    // On this path LangChain assembles the message from stream events: no generationInfo, only the
    // concatenated response_metadata.
    class StreamEventsConsumer extends BaseCallbackHandler {
      name = "stream_events_consumer";
      readonly lc_prefer_chat_model_stream_events = true;
      events = 0;
      override handleChatModelStreamEvent() {
        this.events++;
      }
    }
    const other = new StreamEventsConsumer();
    const handler = hh.handler();
    fake.reply(
      mistralStream({ model: ANSWERED, content: "un deux trois", usage: { prompt: 9, completion: 3 } }),
    );
    const reply = await mistral().invoke("count", { callbacks: [handler, other] });
    expect(reply.text).toBe("un deux trois");
    expect(other.events).toBeGreaterThan(0);
    await handler.flush();
    const [ev] = modelEvents(hh);
    expect(ev?.metadata?.response_model).toBe(ANSWERED);
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "mistral" });
  });

  it("tool round: the tool call, the tool message, the answer; the second call's chat_history", async () => {
    const handler = hh.handler();
    fake.reply(
      mistralCompletion({
        model: ANSWERED,
        toolCalls: [{ id: CALL_ID, name: "get_weather", arguments: '{"city":"Oslo"}' }],
        usage: { prompt: 50, completion: 10 },
      }),
      mistralCompletion({
        model: ANSWERED,
        content: "Il fait beau à Oslo.",
        usage: { prompt: 70, completion: 8 },
      }),
    );
    const round = await toolRound(mistral(), [handler]);
    expect(round.first.tool_calls).toEqual([
      { id: CALL_ID, name: "get_weather", args: { city: "Oslo" }, type: "tool_call" },
    ]);
    expect(round.second.content).toBe("Il fait beau à Oslo.");
    expect(fake.requests.at(-1)?.body?.messages).toContainEqual(
      expect.objectContaining({ role: "tool", content: "sunny in Oslo", tool_call_id: CALL_ID }),
    );
    await handler.flush();

    const [first, second] = modelEvents(hh);
    expect(first?.outputs).toEqual({ role: "assistant", content: "", tool_calls: [call] });
    expect(first?.metadata?.finish_reason).toBe("tool_calls");
    expect(second?.inputs?.chat_history).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: "", tool_calls: [call] },
      { role: "tool", content: "sunny in Oslo", name: "get_weather", tool_call_id: CALL_ID },
    ]);
    expect(second?.outputs).toEqual({ role: "assistant", content: "Il fait beau à Oslo." });
    expect(second?.metadata).toMatchObject({ response_model: ANSWERED, prompt_tokens: 70 });
  });

  it("streamed tool call: one tool call in outputs, response_model once", async () => {
    const handler = hh.handler();
    fake.reply(
      mistralStream({
        model: ANSWERED,
        toolCalls: [{ id: CALL_ID, name: "get_weather", arguments: '{"city":"Oslo"}' }],
        usage: { prompt: 40, completion: 9 },
        openingPauseMs: OPENING_PAUSE_MS,
      }),
    );
    const reply = await streamed(
      mistral()
        .bindTools([weather()])
        .stream("Weather in Oslo?", { callbacks: [handler] }),
    );
    expect(reply?.tool_call_chunks?.length).toBeGreaterThan(0);
    expect(reply?.tool_calls).toEqual([
      { id: CALL_ID, name: "get_weather", args: { city: "Oslo" }, type: "tool_call" },
    ]);
    await handler.flush();

    const [ev] = modelEvents(hh);
    expect(ev?.outputs).toEqual({ role: "assistant", content: "", tool_calls: [call] });
    expect(ev?.metadata).toMatchObject({
      response_model: ANSWERED,
      finish_reason: "tool_calls",
      prompt_tokens: 40,
    });
    expect(typeof ev?.metrics?.ttft_ms).toBe("number");
    expectTtftAtFirstContent(ev, fake.requests.at(-1), "tool_call");
  });

  it("a 429: the app gets the package's own error, the event records it", async () => {
    const handler = hh.handler();
    fake.reply(mistralRateLimited());
    const error = await mistral()
      .invoke("Hi", { callbacks: [handler] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain("429");
    await handler.flush();
    const [ev] = modelEvents(hh);
    expect(ev?.error).toBe(`${(error as Error).name}: ${(error as Error).message}`);
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "mistral" });
  });
});
