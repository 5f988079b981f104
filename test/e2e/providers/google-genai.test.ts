/**
 * @langchain/google-genai against a local fake of the Gemini API (generateContent and
 * streamGenerateContent?alt=sse): what the package parsed first, then the exact event fields.
 */
import { ChatGoogleGenerativeAI } from "@langchain/google-genai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { expectTtftAtFirstContent, modelEvents } from "../../helpers/providers/events.js";
import { useFake } from "../../helpers/providers/fake-server.js";
import {
  type GeminiAnswer,
  geminiError,
  geminiGenerate,
  geminiStream,
} from "../../helpers/providers/gemini-wire.js";
import { streamed, toolRound } from "../../helpers/providers/tool-round.js";
import { useCollector } from "../../helpers/setup.js";

const hh = useCollector();
const fake = useFake();

const REQUESTED = "gemini-2.5-flash";
const ANSWERED = "gemini-2.5-flash-preview-05-20";
const GAP_MS = 25;

const chat = () =>
  new ChatGoogleGenerativeAI({
    model: REQUESTED,
    apiKey: "fake-google-key",
    baseUrl: fake.url,
    maxRetries: 0,
  });

const thoughtful: GeminiAnswer = {
  modelVersion: ANSWERED,
  parts: [{ text: "The user greets me.", thought: true }, { text: "Hello from the fake." }],
  usage: {
    promptTokenCount: 12,
    candidatesTokenCount: 6,
    totalTokenCount: 38,
    cachedContentTokenCount: 8,
    thoughtsTokenCount: 20,
  },
};

const weatherCall: GeminiAnswer = {
  modelVersion: ANSWERED,
  parts: [{ functionCall: { name: "get_weather", args: { city: "Oslo" } } }],
  usage: { promptTokenCount: 30, candidatesTokenCount: 5, totalTokenCount: 35 },
};
const sunny: GeminiAnswer = {
  modelVersion: ANSWERED,
  parts: [{ text: "Sunny in Oslo." }],
  usage: { promptTokenCount: 50, candidatesTokenCount: 4, totalTokenCount: 54 },
};

describe("@langchain/google-genai", () => {
  it("invoke: requested model, provider google, cached tokens, finish reason; thought parts as reasoning", async () => {
    fake.reply(geminiGenerate(thoughtful));
    const handler = hh.handler();
    const reply = await chat().invoke("hi", { callbacks: [handler] });
    expect(reply.content).toEqual([
      { type: "thinking", thinking: "The user greets me." },
      { type: "text", text: "Hello from the fake." },
    ]);
    // The package drops modelVersion and thoughtsTokenCount: neither reaches LangChain.
    expect(reply.usage_metadata).toEqual({
      input_tokens: 12,
      output_tokens: 6,
      total_tokens: 38,
      input_token_details: { cache_read: 8 },
    });
    expect(JSON.stringify(reply)).not.toContain(ANSWERED);
    expect(fake.requests[0]?.path).toBe(`/v1beta/models/${REQUESTED}:generateContent`);
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.event_name).toBe("ChatGoogleGenerativeAI");
    expect(event?.config).toMatchObject({ model: REQUESTED, provider: "google" });
    expect(event?.outputs).toEqual({
      role: "assistant",
      content: "Hello from the fake.",
      reasoning: "The user greets me.",
    });
    expect(event?.metadata).toMatchObject({
      ls_provider: "google_genai",
      finish_reason: "STOP",
      input_tokens: 12,
      output_tokens: 6,
      total_tokens: 38,
      cache_read_input_tokens: 8,
    });
    expect(event?.metadata).not.toHaveProperty("response_model");
    expect(event?.metadata).not.toHaveProperty("reasoning_tokens");
  });

  it("stream: a thought streamed in two pieces is one reasoning text; TTFT at the first part", async () => {
    fake.reply(geminiStream(thoughtful, GAP_MS));
    const handler = hh.handler();
    const reply = await streamed(chat().stream("hi", { callbacks: [handler] }));
    // The package leaves the pieces as separate blocks.
    expect(reply.content).toEqual([
      { type: "thinking", thinking: "The user g" },
      { type: "thinking", thinking: "reets me." },
      { type: "text", text: "Hello from" },
      { type: "text", text: " the fake." },
    ]);
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 12, output_tokens: 6, total_tokens: 38 });
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.outputs).toEqual({
      role: "assistant",
      content: "Hello from the fake.",
      reasoning: "The user greets me.",
    });
    expect(event?.metadata).toMatchObject({
      ls_provider: "google_genai",
      finish_reason: "STOP",
      input_tokens: 12,
    });
    expect(event?.config).toMatchObject({ model: REQUESTED, provider: "google" });
    expectTtftAtFirstContent(event, fake.requests[0], "thought");
  });

  it("tool round (invoke): functionCall parsed, the tool runs, the second call's chat_history has the tool_calls and the tool message", async () => {
    fake.reply(geminiGenerate(weatherCall), geminiGenerate(sunny));
    const handler = hh.handler();
    const { first, second } = await toolRound(chat(), [handler], "invoke");
    expect(second.content).toBe("Sunny in Oslo.");
    const id = first.tool_calls?.[0]?.id as string; // Gemini sends none: the package makes a uuid.
    await handler.flush();
    const [asking, answering] = modelEvents(hh);
    const call = { id, type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } };
    expect(asking?.outputs).toEqual({ role: "assistant", content: "", tool_calls: [call] });
    expect(answering?.inputs?.chat_history).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: "", tool_calls: [call] },
      { role: "tool", content: "sunny in Oslo", name: "get_weather", tool_call_id: id },
    ]);
    expect(answering?.metadata).toMatchObject({ input_tokens: 50, output_tokens: 4, finish_reason: "STOP" });
  });

  it('streamed tool call: the assistant turn in the next chat_history has no name "model"; TTFT at the functionCall', async () => {
    fake.reply(geminiStream(weatherCall, GAP_MS), geminiStream(sunny));
    const handler = hh.handler();
    const { first, history } = await toolRound(chat(), [handler], "stream");
    // The package names each chunk after Gemini's role; a one-chunk answer keeps it.
    expect(first.name).toBe("model");
    expect(history[1]).toBe(first);
    const id = first.tool_calls?.[0]?.id as string;
    await handler.flush();
    const [asking, answering] = modelEvents(hh);
    const call = { id, type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } };
    expect(asking?.outputs).toEqual({ role: "assistant", content: "", tool_calls: [call] });
    expectTtftAtFirstContent(asking, fake.requests[0], "functionCall");
    expect(answering?.inputs?.chat_history).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: "", tool_calls: [call] },
      { role: "tool", content: "sunny in Oslo", name: "get_weather", tool_call_id: id },
    ]);
    expect(answering?.outputs).toEqual({ role: "assistant", content: "Sunny in Oslo." });
  });

  it("withStructuredOutput (JSON schema, the package's default): the parsed object for the app; the model event shows the JSON text and the response schema", async () => {
    fake.reply(
      geminiGenerate({
        modelVersion: ANSWERED,
        parts: [{ text: '{"city":"Oslo","days":3}' }],
        usage: { promptTokenCount: 20, candidatesTokenCount: 9, totalTokenCount: 29 },
      }),
    );
    const handler = hh.handler();
    const parsed = await chat()
      .withStructuredOutput(z.object({ city: z.string(), days: z.number() }), { name: "weather_query" })
      .invoke("Oslo, three days", { callbacks: [handler] });
    expect(parsed).toEqual({ city: "Oslo", days: 3 });
    const request = fake.requests[0]?.body as { generationConfig?: Record<string, unknown> };
    expect(request.generationConfig).toMatchObject({ responseMimeType: "application/json" });
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.outputs).toEqual({ role: "assistant", content: '{"city":"Oslo","days":3}' });
    expect(event?.config).toMatchObject({ model: REQUESTED, provider: "google" });
    expect(JSON.stringify(event?.config)).toContain("responseMimeType");
    expect(event?.metadata).toMatchObject({ input_tokens: 20, output_tokens: 9, finish_reason: "STOP" });
  });

  it("provider error 429 RESOURCE_EXHAUSTED: the model event is an error", async () => {
    fake.reply(geminiError(429, "RESOURCE_EXHAUSTED", "Quota exceeded for this fake project."));
    const handler = hh.handler();
    const err = await chat()
      .invoke("hi", { callbacks: [handler] })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err?.message).toContain("Quota exceeded");
    expect(fake.requests).toHaveLength(1);
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.error).toContain("Quota exceeded");
    expect(event?.config).toMatchObject({ model: REQUESTED, provider: "google" });
  });
});
