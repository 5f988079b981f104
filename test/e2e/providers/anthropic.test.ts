/**
 * @langchain/anthropic against a local fake of the Messages API (JSON and SSE): what the package
 * itself parsed first (a wrong fake fails there), then the exact event fields.
 */
import { ChatAnthropic } from "@langchain/anthropic";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { HumanMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AnthropicAnswer,
  anthropicError,
  anthropicMessage,
  anthropicStream,
} from "../../helpers/providers/anthropic-wire.js";
import { expectTtftAtFirstContent, modelEvents } from "../../helpers/providers/events.js";
import { useFake } from "../../helpers/providers/fake-server.js";
import { streamed, toolRound } from "../../helpers/providers/tool-round.js";
import { useCollector } from "../../helpers/setup.js";

const hh = useCollector();
const fake = useFake();

const REQUESTED = "claude-sonnet-4-5";
const ANSWERED = "claude-sonnet-4-5-20250929";
/** Long enough that the empty opening events and the first content are told apart by the fake's clock. */
const GAP_MS = 25;

const chat = (fields: ConstructorParameters<typeof ChatAnthropic>[0] = {}) =>
  new ChatAnthropic({
    model: REQUESTED,
    apiKey: "sk-ant-fake",
    anthropicApiUrl: fake.url,
    maxRetries: 0,
    ...fields,
  });

const hello: AnthropicAnswer = {
  model: ANSWERED,
  content: [{ type: "text", text: "Hello from the fake." }],
  usage: {
    input_tokens: 12,
    output_tokens: 6,
    cache_read_input_tokens: 100,
    cache_creation_input_tokens: 20,
  },
};

describe("@langchain/anthropic", () => {
  it("invoke: requested vs answered model, provider, tokens with cache read and write, finish reason", async () => {
    fake.reply(anthropicMessage(hello));
    const handler = hh.handler();
    const reply = await chat({ temperature: 0.2 }).invoke("hi", { callbacks: [handler] });
    // The package's own reading of the fake: input_tokens includes the cached parts.
    expect(reply.content).toBe("Hello from the fake.");
    expect(reply.usage_metadata).toMatchObject({
      input_tokens: 132,
      output_tokens: 6,
      total_tokens: 138,
      input_token_details: { cache_read: 100, cache_creation: 20 },
    });
    expect(fake.requests[0]?.path).toBe("/v1/messages");
    expect(fake.requests[0]?.body).toMatchObject({ model: REQUESTED });
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.event_name).toBe("ChatAnthropic");
    expect(event?.config).toMatchObject({ model: REQUESTED, provider: "anthropic", temperature: 0.2 });
    expect(event?.inputs).toEqual({ chat_history: [{ role: "user", content: "hi" }] });
    expect(event?.outputs).toEqual({ role: "assistant", content: "Hello from the fake." });
    expect(event?.metadata).toMatchObject({
      ls_provider: "anthropic",
      response_model: ANSWERED,
      finish_reason: "end_turn",
      input_tokens: 132,
      prompt_tokens: 132,
      output_tokens: 6,
      completion_tokens: 6,
      total_tokens: 138,
      cache_read_input_tokens: 100,
      cache_write_input_tokens: 20,
    });
    expect(event?.metadata).not.toHaveProperty("reasoning_tokens");
    expect(event?.metrics ?? {}).not.toHaveProperty("ttft_ms");
  });

  it("stream: the answered model and finish reason (kept in additional_kwargs when streamed); TTFT at the first text, not message_start", async () => {
    fake.reply(anthropicStream(hello, GAP_MS));
    const handler = hh.handler();
    const reply = await streamed(chat().stream("hi", { callbacks: [handler] }));
    expect(reply.content).toBe("Hello from the fake.");
    // Where the package puts message_start's model and message_delta's stop reason when streaming.
    expect(reply.additional_kwargs).toMatchObject({ model: ANSWERED, stop_reason: "end_turn" });
    expect(reply.response_metadata).not.toHaveProperty("model");
    // message_start reports 1 output token and message_delta the final 6: the package adds them.
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 132, output_tokens: 7 });
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.config).toMatchObject({ model: REQUESTED, provider: "anthropic" });
    expect(event?.outputs).toEqual({ role: "assistant", content: "Hello from the fake." });
    expect(event?.metadata).toMatchObject({
      ls_provider: "anthropic",
      response_model: ANSWERED,
      finish_reason: "end_turn",
      input_tokens: 132,
      output_tokens: 7,
      cache_read_input_tokens: 100,
      cache_write_input_tokens: 20,
    });
    expectTtftAtFirstContent(event, fake.requests[0], "content_block_delta:text_delta");
  });

  it("tool round (invoke): tool_use parsed, the tool runs, the second call's chat_history has the assistant's tool_calls and the tool message", async () => {
    fake.reply(
      anthropicMessage({
        model: ANSWERED,
        content: [
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Oslo" } },
        ],
        stop_reason: "tool_use",
        usage: { input_tokens: 30, output_tokens: 12 },
      }),
      anthropicMessage({
        model: ANSWERED,
        content: [{ type: "text", text: "Sunny in Oslo." }],
        usage: { input_tokens: 60, output_tokens: 5 },
      }),
    );
    const handler = hh.handler();
    const { first, second } = await toolRound(chat(), [handler], "invoke");
    expect(first.tool_calls?.[0]?.id).toBe("toolu_01");
    expect(second.content).toBe("Sunny in Oslo.");
    await handler.flush();
    const [asking, answering] = modelEvents(hh);
    const call = {
      id: "toolu_01",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
    };
    expect(asking?.outputs).toEqual({ role: "assistant", content: "Let me check.", tool_calls: [call] });
    expect(asking?.metadata).toMatchObject({ finish_reason: "tool_use", response_model: ANSWERED });
    expect(asking?.config?.tools).toBeDefined();
    expect(answering?.inputs?.chat_history).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: "Let me check.", tool_calls: [call] },
      { role: "tool", content: "sunny in Oslo", name: "get_weather", tool_call_id: "toolu_01" },
    ]);
    const toolEvent = hh.collector.events.find((e) => e.event_type === "tool");
    expect(toolEvent?.outputs).toEqual({ message: "sunny in Oslo" });
    expect(toolEvent?.metadata).toMatchObject({ tool_call_id: "toolu_01" });
  });

  it("streamed tool call: input_json_delta pieces assembled into one call; TTFT at the tool_use start", async () => {
    fake.reply(
      anthropicStream(
        {
          model: ANSWERED,
          content: [{ type: "tool_use", id: "toolu_02", name: "get_weather", input: { city: "Oslo" } }],
          stop_reason: "tool_use",
          usage: { input_tokens: 30, output_tokens: 12 },
        },
        GAP_MS,
      ),
      anthropicStream({
        model: ANSWERED,
        content: [{ type: "text", text: "Sunny." }],
        usage: { input_tokens: 60, output_tokens: 2 },
      }),
    );
    const handler = hh.handler();
    const { first } = await toolRound(chat(), [handler], "stream");
    expect(first.tool_calls).toEqual([
      { id: "toolu_02", name: "get_weather", args: { city: "Oslo" }, type: "tool_call" },
    ]);
    await handler.flush();
    const [asking, answering] = modelEvents(hh);
    const call = {
      id: "toolu_02",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
    };
    expect(asking?.outputs).toEqual({ role: "assistant", content: "", tool_calls: [call] });
    expect(asking?.metadata).toMatchObject({ finish_reason: "tool_use", response_model: ANSWERED });
    expectTtftAtFirstContent(asking, fake.requests[0], "content_block_start:tool_use");
    expect(answering?.inputs?.chat_history).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: "", tool_calls: [call] },
      { role: "tool", content: "sunny in Oslo", name: "get_weather", tool_call_id: "toolu_02" },
    ]);
    expect(answering?.outputs).toEqual({ role: "assistant", content: "Sunny." });
  });

  it("thinking + tool use streamed: reasoning in outputs.reasoning and on the history's assistant message, never in content; TTFT at the first thinking delta", async () => {
    const thinking = "The user wants Oslo's weather. I should call get_weather.";
    fake.reply(
      anthropicStream(
        {
          model: ANSWERED,
          content: [
            { type: "thinking", thinking, signature: "sig-abc" },
            { type: "redacted_thinking", data: "EncryptedBlob==" },
            { type: "tool_use", id: "toolu_03", name: "get_weather", input: { city: "Oslo" } },
          ],
          stop_reason: "tool_use",
          usage: { input_tokens: 40, output_tokens: 30 },
        },
        GAP_MS,
      ),
      anthropicStream({
        model: ANSWERED,
        content: [
          { type: "thinking", thinking: "The tool says sunny.", signature: "sig-def" },
          { type: "text", text: "It is sunny in Oslo." },
        ],
        usage: { input_tokens: 90, output_tokens: 20 },
      }),
    );
    const handler = hh.handler();
    const { first, second } = await toolRound(
      chat({ thinking: { type: "enabled", budget_tokens: 1024 } }),
      [handler],
      "stream",
    );
    // The package kept the thinking and redacted blocks (it must send them back on the next turn);
    // the streamed arguments stay behind as an input_json_delta block.
    expect((first.content as unknown[]).slice(0, 3)).toEqual([
      expect.objectContaining({ type: "thinking", thinking, signature: "sig-abc" }),
      expect.objectContaining({ type: "redacted_thinking", data: "EncryptedBlob==" }),
      expect.objectContaining({ type: "tool_use", id: "toolu_03" }),
    ]);
    expect(second.content).toEqual([
      expect.objectContaining({ type: "thinking", thinking: "The tool says sunny." }),
      expect.objectContaining({ type: "text", text: "It is sunny in Oslo." }),
    ]);
    // The thinking went back to the API with its signature (what the package must do for tool use).
    expect(JSON.stringify(fake.requests[1]?.body)).toContain("sig-abc");
    await handler.flush();
    const [asking, answering] = modelEvents(hh);
    const call = {
      id: "toolu_03",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
    };
    const reasoning = `${thinking}\n\n[redacted]`;
    expect(asking?.outputs).toEqual({ role: "assistant", content: "", reasoning, tool_calls: [call] });
    expectTtftAtFirstContent(asking, fake.requests[0], "content_block_delta:thinking_delta");
    expect(answering?.inputs?.chat_history).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: "", reasoning, tool_calls: [call] },
      { role: "tool", content: "sunny in Oslo", name: "get_weather", tool_call_id: "toolu_03" },
    ]);
    expect(answering?.outputs).toEqual({
      role: "assistant",
      content: "It is sunny in Oslo.",
      reasoning: "The tool says sunny.",
    });
    expect(JSON.stringify(hh.collector.events)).not.toContain("EncryptedBlob");
  });

  it("stream events path (another handler prefers chat model stream events): the answered model from the package's provider event; TTFT at the first reasoning delta", async () => {
    class StreamEventsConsumer extends BaseCallbackHandler {
      name = "stream_events_consumer";
      readonly lc_prefer_chat_model_stream_events = true;
      kinds: string[] = [];
      override handleChatModelStreamEvent(event: { event: string }) {
        this.kinds.push(event.event);
      }
    }
    fake.reply(
      anthropicStream(
        {
          model: ANSWERED,
          content: [
            { type: "thinking", thinking: "Short greeting.", signature: "sig-x" },
            { type: "text", text: "Hello." },
          ],
          usage: { input_tokens: 10, output_tokens: 5 },
        },
        GAP_MS,
      ),
    );
    const consumer = new StreamEventsConsumer();
    const handler = hh.handler();
    const reply = await chat({ thinking: { type: "enabled", budget_tokens: 1024 } }).invoke("hi", {
      callbacks: [handler, consumer],
    });
    // On this path the package answers with LangChain's v1 blocks: reasoning, then text.
    expect(reply.content).toEqual([
      { type: "reasoning", reasoning: "Short greeting.", signature: "sig-x" },
      { type: "text", text: "Hello." },
    ]);
    expect(consumer.kinds).toContain("content-block-delta");
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.outputs).toEqual({ role: "assistant", content: "Hello.", reasoning: "Short greeting." });
    // The assembled message names no model: it came only in the package's `provider` event.
    expect(JSON.stringify(reply)).not.toContain(ANSWERED);
    expect(event?.metadata).toMatchObject({ input_tokens: 10, output_tokens: 6, response_model: ANSWERED });
    expect(event?.config).toMatchObject({ model: REQUESTED, provider: "anthropic" });
    expectTtftAtFirstContent(event, fake.requests[0], "content_block_delta:thinking_delta");
  });

  it("withStructuredOutput (forced tool call): the parsed object for the app; the model event shows the call and the forced tool_choice", async () => {
    fake.reply(
      anthropicMessage({
        model: ANSWERED,
        content: [
          { type: "tool_use", id: "toolu_s1", name: "weather_query", input: { city: "Oslo", days: 3 } },
        ],
        stop_reason: "tool_use",
        usage: { input_tokens: 40, output_tokens: 15 },
      }),
    );
    const schema = z.object({ city: z.string(), days: z.number() });
    const handler = hh.handler();
    const parsed = await chat()
      .withStructuredOutput(schema, { name: "weather_query" })
      .invoke("Oslo, three days", { callbacks: [handler] });
    expect(parsed).toEqual({ city: "Oslo", days: 3 });
    expect(fake.requests[0]?.body).toMatchObject({ tool_choice: { type: "tool", name: "weather_query" } });
    await handler.flush();
    const [event] = modelEvents(hh);
    expect(event?.outputs).toEqual({
      role: "assistant",
      content: "",
      tool_calls: [
        {
          id: "toolu_s1",
          type: "function",
          function: { name: "weather_query", arguments: '{"city":"Oslo","days":3}' },
        },
      ],
    });
    expect(event?.config).toMatchObject({
      model: REQUESTED,
      provider: "anthropic",
      tool_choice: { type: "tool", name: "weather_query" },
    });
    expect(event?.metadata).toMatchObject({
      response_model: ANSWERED,
      finish_reason: "tool_use",
      input_tokens: 40,
    });
  });

  it.each([
    [529, "overloaded_error", "Overloaded"],
    [400, "invalid_request_error", "max_tokens: must be positive"],
  ])(
    "provider error %i (%s): the model event is an error, the app gets the package's error",
    async (status, type, message) => {
      fake.reply(anthropicError(status, type, message));
      const handler = hh.handler();
      const err = await chat()
        .invoke([new HumanMessage("hi")], { callbacks: [handler] })
        .then(
          () => undefined,
          (e: unknown) => e as Error & { status?: number },
        );
      expect(err?.status).toBe(status);
      expect(err?.message).toContain(message);
      expect(fake.requests).toHaveLength(1); // no retries
      await handler.flush();
      const [event] = modelEvents(hh);
      expect(event?.error).toContain(message);
      expect(event?.config).toMatchObject({ model: REQUESTED, provider: "anthropic" });
      expect(event?.outputs ?? {}).toEqual({});
    },
  );
});
