/**
 * @langchain/aws ChatBedrockConverse against a local fake of Bedrock Runtime (Converse JSON and
 * ConverseStream in AWS's binary event-stream encoding): what the package parsed first, then the
 * exact event fields. The client is pointed at the fake through its `endpoint` with an HTTP/1.1
 * handler (the SDK's default is HTTP/2, which a node:http fake does not speak).
 */
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { ChatBedrockConverse } from "@langchain/aws";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  bedrockError,
  type ConverseAnswer,
  converse,
  converseStream,
} from "../../helpers/providers/bedrock-wire.js";
import { expectTtftAtFirstContent, modelEvents } from "../../helpers/providers/events.js";
import { useFake } from "../../helpers/providers/fake-server.js";
import { streamed, toolRound } from "../../helpers/providers/tool-round.js";
import { useCollector } from "../../helpers/setup.js";

const hh = useCollector();
const fake = useFake();

const MODEL = "anthropic.claude-3-7-sonnet-20250219-v1:0";
const GAP_MS = 25;

const chat = () =>
  new ChatBedrockConverse({
    model: MODEL,
    region: "us-east-1",
    client: new BedrockRuntimeClient({
      region: "us-east-1",
      endpoint: fake.url,
      credentials: { accessKeyId: "AKIAFAKEFAKEFAKE", secretAccessKey: "fake-secret" },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    }),
  });

const reasoned: ConverseAnswer = {
  content: [
    { reasoningContent: { reasoningText: { text: "A greeting; answer briefly.", signature: "sig-b" } } },
    { text: "Hello from the fake." },
  ],
  usage: {
    inputTokens: 12,
    outputTokens: 9,
    totalTokens: 51,
    cacheReadInputTokens: 20,
    cacheWriteInputTokens: 10,
  },
};
const weatherCall: ConverseAnswer = {
  content: [{ toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Oslo" } } }],
  stopReason: "tool_use",
  usage: { inputTokens: 30, outputTokens: 8, totalTokens: 38 },
};
const sunny: ConverseAnswer = {
  content: [{ text: "Sunny in Oslo." }],
  usage: { inputTokens: 50, outputTokens: 4, totalTokens: 54 },
};
const call = {
  id: "tooluse_1",
  type: "function",
  function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
};
const roundHistory = [
  { role: "user", content: "Weather in Oslo?" },
  { role: "assistant", content: "", tool_calls: [call] },
  { role: "tool", content: "sunny in Oslo", name: "get_weather", tool_call_id: "tooluse_1" },
];

describe("@langchain/aws ChatBedrockConverse", () => {
  it("invoke: model id, provider bedrock, cache read and write tokens, finish reason; reasoning content as reasoning", async () => {
    fake.reply(converse(reasoned));
    const handler = hh.handler();
    const reply = await chat().invoke("hi", { callbacks: [handler] });
    expect(reply.content).toEqual([
      { type: "reasoning", reasoning: "A greeting; answer briefly.", signature: "sig-b" },
      { type: "text", text: "Hello from the fake." },
    ]);
    // Converse's inputTokens exclude the cache; the package adds them back.
    expect(reply.usage_metadata).toEqual({
      input_tokens: 42,
      output_tokens: 9,
      total_tokens: 51,
      input_token_details: { cache_read: 20, cache_creation: 10 },
    });
    expect(fake.requests[0]?.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse`);
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.event_name).toBe("ChatBedrockConverse");
    expect(event?.config).toMatchObject({ model: MODEL, provider: "bedrock" });
    expect(event?.outputs).toEqual({
      role: "assistant",
      content: "Hello from the fake.",
      reasoning: "A greeting; answer briefly.",
    });
    expect(event?.metadata).toMatchObject({
      ls_provider: "amazon_bedrock",
      finish_reason: "end_turn",
      input_tokens: 42,
      output_tokens: 9,
      total_tokens: 51,
      cache_read_input_tokens: 20,
      cache_write_input_tokens: 10,
    });
    // Converse names no model in its answer.
    expect(event?.metadata).not.toHaveProperty("response_model");
  });

  it("stream (binary event stream): finish reason from messageStop; TTFT at the first reasoning delta, not messageStart", async () => {
    fake.reply(converseStream(reasoned, GAP_MS));
    const handler = hh.handler();
    const reply = await streamed(chat().stream("hi", { callbacks: [handler] }));
    expect(reply.content).toEqual([
      { type: "reasoning", reasoning: "A greeting; answer briefly.", index: 0, signature: "sig-b" },
      { type: "text", text: "Hello from" },
      { type: "text", text: " the fake." },
    ]);
    expect(reply.response_metadata).toMatchObject({ messageStop: { stopReason: "end_turn" } });
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 42, output_tokens: 9, total_tokens: 51 });
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.outputs).toEqual({
      role: "assistant",
      content: "Hello from the fake.",
      reasoning: "A greeting; answer briefly.",
    });
    expect(event?.metadata).toMatchObject({
      ls_provider: "amazon_bedrock",
      finish_reason: "end_turn",
      input_tokens: 42,
      cache_read_input_tokens: 20,
      cache_write_input_tokens: 10,
    });
    expectTtftAtFirstContent(event, fake.requests[0], "reasoning");
  });

  it("tool round (invoke): toolUse parsed, the tool runs with its description (tools bound inside toolConfig), the second call's chat_history", async () => {
    fake.reply(converse(weatherCall), converse(sunny));
    const handler = hh.handler();
    const { first, second } = await toolRound(chat(), [handler], "invoke");
    expect(first.tool_calls?.[0]?.id).toBe("tooluse_1");
    expect(second.content).toBe("Sunny in Oslo.");
    await handler.flush();
    const [asking, answering] = modelEvents(hh);
    expect(asking?.outputs).toEqual({ role: "assistant", content: "", tool_calls: [call] });
    expect(asking?.metadata).toMatchObject({ finish_reason: "tool_use", input_tokens: 30, output_tokens: 8 });
    expect(answering?.inputs?.chat_history).toEqual(roundHistory);
    const toolEvent = hh.collector.events.find((e) => e.event_type === "tool");
    expect(toolEvent?.config).toMatchObject({
      tool_name: "get_weather",
      tool_description: "Weather for a city",
    });
    expect(toolEvent?.metadata).toMatchObject({ tool_call_id: "tooluse_1" });
  });

  it("streamed tool call: contentBlockStart + toolUse input delta assembled; TTFT at the tool-use start", async () => {
    fake.reply(converseStream(weatherCall, GAP_MS), converseStream(sunny));
    const handler = hh.handler();
    const { first } = await toolRound(chat(), [handler], "stream");
    expect(first.tool_calls).toEqual([
      { id: "tooluse_1", name: "get_weather", args: { city: "Oslo" }, type: "tool_call" },
    ]);
    await handler.flush();
    const [asking, answering] = modelEvents(hh);
    expect(asking?.outputs).toEqual({ role: "assistant", content: "", tool_calls: [call] });
    expect(asking?.metadata).toMatchObject({ finish_reason: "tool_use" });
    expectTtftAtFirstContent(asking, fake.requests[0], "toolUseStart");
    expect(answering?.inputs?.chat_history).toEqual(roundHistory);
    expect(answering?.outputs).toEqual({ role: "assistant", content: "Sunny in Oslo." });
  });

  it("withStructuredOutput (forced tool use): the parsed object for the app; the model event shows the call", async () => {
    fake.reply(
      converse({
        content: [
          { toolUse: { toolUseId: "tooluse_s1", name: "weather_query", input: { city: "Oslo", days: 3 } } },
        ],
        stopReason: "tool_use",
        usage: { inputTokens: 40, outputTokens: 15, totalTokens: 55 },
      }),
    );
    const handler = hh.handler();
    const parsed = await chat()
      .withStructuredOutput(z.object({ city: z.string(), days: z.number() }), { name: "weather_query" })
      .invoke("Oslo, three days", { callbacks: [handler] });
    expect(parsed).toEqual({ city: "Oslo", days: 3 });
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.outputs).toEqual({
      role: "assistant",
      content: "",
      tool_calls: [
        {
          id: "tooluse_s1",
          type: "function",
          function: { name: "weather_query", arguments: '{"city":"Oslo","days":3}' },
        },
      ],
    });
    expect(event?.config).toMatchObject({ model: MODEL, provider: "bedrock" });
    expect(event?.metadata).toMatchObject({ finish_reason: "tool_use", input_tokens: 40, output_tokens: 15 });
  });

  it("provider error 429 ThrottlingException: the model event is an error", async () => {
    fake.reply(bedrockError(429, "ThrottlingException", "Too many requests, please wait."));
    const handler = hh.handler();
    const err = await chat()
      .invoke("hi", { callbacks: [handler] })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err?.message).toContain("Too many requests");
    expect(fake.requests).toHaveLength(1);
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.error).toContain("Too many requests");
    expect(event?.config).toMatchObject({ model: MODEL, provider: "bedrock" });
  });
});
