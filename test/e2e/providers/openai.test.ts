/**
 * `@langchain/openai` (ChatOpenAI, chat completions) against a local fake of OpenAI's API: what the
 * package parsed first (so a wrong fake fails loudly), then what the collector received.
 */
import { ChatOpenAI } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { weather } from "../../helpers/agents.js";
import { expectTtftAtFirstContent, modelEvents } from "../../helpers/providers/events.js";
import { useFake } from "../../helpers/providers/fake-server.js";
import { completion, completionStream, rateLimited } from "../../helpers/providers/openai-wire.js";
import { streamed, toolRound } from "../../helpers/providers/tool-round.js";
import { useCollector } from "../../helpers/setup.js";

const hh = useCollector();
const fake = useFake();

const REQUESTED = "gpt-4o";
const ANSWERED = "gpt-4o-2024-08-06";

const openai = (fields: Record<string, unknown> = {}) =>
  new ChatOpenAI({
    model: REQUESTED,
    apiKey: "sk-fake",
    configuration: { baseURL: `${fake.url}/v1` },
    maxRetries: 0,
    temperature: 0,
    ...fields,
  });

const usage = { prompt: 120, completion: 30, cached: 100, reasoning: 12 };

describe("OpenAI (chat completions)", () => {
  it("invoke: requested vs answered model, provider, tokens with cached and reasoning details", async () => {
    const handler = hh.handler();
    fake.reply(completion({ model: ANSWERED, content: "Hello there.", usage }));
    const reply = await openai().invoke("Hi", { callbacks: [handler] });
    expect(reply.content).toBe("Hello there.");
    expect(reply.usage_metadata).toMatchObject({
      input_tokens: 120,
      output_tokens: 30,
      input_token_details: { cache_read: 100 },
      output_token_details: { reasoning: 12 },
    });
    expect(reply.response_metadata.model_name).toBe(ANSWERED);
    await handler.flush();

    const [ev] = modelEvents(hh);
    expect(ev?.event_name).toBe("ChatOpenAI");
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "openai", temperature: 0 });
    expect(ev?.metadata).toMatchObject({
      response_model: ANSWERED,
      ls_provider: "openai",
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      cache_read_input_tokens: 100,
      reasoning_tokens: 12,
      finish_reason: "stop",
    });
    expect(ev?.metadata).not.toHaveProperty("cache_write_input_tokens");
    expect(ev?.outputs).toEqual({ role: "assistant", content: "Hello there." });
    expect(ev?.metrics?.ttft_ms).toBeUndefined();
  });

  it("stream with stream_options.include_usage: one answered model, usage from the usage chunk, TTFT", async () => {
    const handler = hh.handler();
    fake.reply(
      completionStream({ model: ANSWERED, content: "one two three four", usage, openingPauseMs: 60 }),
    );
    const reply = await streamed(openai({ streamUsage: true }).stream("count", { callbacks: [handler] }));
    expect(fake.requests.at(-1)?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(reply?.content).toBe("one two three four");
    expect(reply?.usage_metadata).toMatchObject({ input_tokens: 120, output_tokens: 30 });
    expect(reply?.usage_metadata?.input_token_details?.cache_read).toBe(100);
    await handler.flush();

    const [ev] = modelEvents(hh);
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "openai" });
    expect(ev?.metadata).toMatchObject({
      response_model: ANSWERED,
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      cache_read_input_tokens: 100,
      reasoning_tokens: 12,
      finish_reason: "stop",
    });
    expect(ev?.outputs).toEqual({ role: "assistant", content: "one two three four" });
    expect(typeof ev?.metrics?.ttft_ms).toBe("number");
    // Stamped at the first content, not at the role-only opening chunk written 60 ms before it.
    expectTtftAtFirstContent(ev, fake.requests.at(-1), "content");
    expect(ev?.metrics?.ttft_ms as number).toBeLessThanOrEqual(ev?.duration as number);
  });

  it("tool round: the tool call, the tool's message and the answer; the second call's chat_history", async () => {
    const handler = hh.handler();
    fake.reply(
      completion({
        model: ANSWERED,
        toolCalls: [{ id: "call_w1", name: "get_weather", arguments: '{"city":"Oslo"}' }],
        usage: { prompt: 50, completion: 10 },
      }),
      completion({ model: ANSWERED, content: "It is sunny in Oslo.", usage: { prompt: 70, completion: 8 } }),
    );
    const round = await toolRound(openai(), [handler]);
    expect(round.first.tool_calls).toEqual([
      { id: "call_w1", name: "get_weather", args: { city: "Oslo" }, type: "tool_call" },
    ]);
    expect(round.second.content).toBe("It is sunny in Oslo.");
    // The package sent the tool definition and the tool's result back.
    expect(fake.requests.at(-2)?.body?.tools).toEqual([
      expect.objectContaining({
        type: "function",
        function: expect.objectContaining({ name: "get_weather" }),
      }),
    ]);
    expect(fake.requests.at(-1)?.body?.messages).toContainEqual(
      expect.objectContaining({ role: "tool", content: "sunny in Oslo", tool_call_id: "call_w1" }),
    );
    await handler.flush();

    const [first, second] = modelEvents(hh);
    expect(first?.outputs).toEqual({
      role: "assistant",
      content: "",
      tool_calls: [
        { id: "call_w1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
      ],
    });
    expect(first?.metadata?.finish_reason).toBe("tool_calls");
    expect((first?.config?.tools as { function: { name: string } }[] | undefined)?.[0]?.function.name).toBe(
      "get_weather",
    );
    const toolEvent = hh.collector.events.find((e) => e.event_type === "tool");
    expect(toolEvent?.event_name).toBe("get_weather");
    expect(toolEvent?.outputs).toEqual({ message: "sunny in Oslo" });
    expect(toolEvent?.metadata?.tool_call_id).toBe("call_w1");
    expect(second?.inputs?.chat_history).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          {
            id: "call_w1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
          },
        ],
      },
      // The ToolMessage a tool() returns carries the tool's name.
      { role: "tool", content: "sunny in Oslo", name: "get_weather", tool_call_id: "call_w1" },
    ]);
    expect(second?.outputs).toEqual({ role: "assistant", content: "It is sunny in Oslo." });
    expect(second?.metadata).toMatchObject({
      response_model: ANSWERED,
      prompt_tokens: 70,
      finish_reason: "stop",
    });
  });

  it("streamed tool call: tool-call chunks become one tool call in outputs", async () => {
    const handler = hh.handler();
    fake.reply(
      completionStream({
        model: ANSWERED,
        toolCalls: [{ id: "call_s1", name: "get_weather", arguments: '{"city":"Bergen"}' }],
        usage: { prompt: 40, completion: 9 },
        openingPauseMs: 40,
      }),
    );
    const model = openai({ streamUsage: true }).bindTools([weather()]);
    const reply = await streamed(model.stream("Weather in Bergen?", { callbacks: [handler] }));
    expect(reply?.tool_call_chunks?.length).toBeGreaterThan(0);
    expect(reply?.tool_calls).toEqual([
      { id: "call_s1", name: "get_weather", args: { city: "Bergen" }, type: "tool_call" },
    ]);
    await handler.flush();

    const [ev] = modelEvents(hh);
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
    expect(ev?.metadata).toMatchObject({
      response_model: ANSWERED,
      finish_reason: "tool_calls",
      prompt_tokens: 40,
      completion_tokens: 9,
    });
    expect(typeof ev?.metrics?.ttft_ms).toBe("number");
    expectTtftAtFirstContent(ev, fake.requests.at(-1), "tool_call");
  });

  it("withStructuredOutput: the parsed object reaches the app; the model event keeps the JSON answer and response_format", async () => {
    const handler = hh.handler();
    const answer = '{"city":"Oslo","celsius":21}';
    fake.reply(completion({ model: ANSWERED, content: answer, usage: { prompt: 60, completion: 12 } }));
    const schema = z.object({ city: z.string(), celsius: z.number() });
    const structured = openai().withStructuredOutput(schema, { name: "weather_report" });
    const result = await structured.invoke("Weather in Oslo as JSON", { callbacks: [handler] });
    expect(result).toEqual({ city: "Oslo", celsius: 21 });
    expect(fake.requests.at(-1)?.body?.response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "weather_report" },
    });
    await handler.flush();

    const [ev] = modelEvents(hh);
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "openai" });
    expect(ev?.config?.response_format).toMatchObject({ type: "json_schema" });
    expect(ev?.outputs).toMatchObject({ role: "assistant", content: answer });
    expect(ev?.metadata).toMatchObject({
      response_model: ANSWERED,
      prompt_tokens: 60,
      completion_tokens: 12,
    });
  });

  it("a 429: the app gets the package's own error, the event records it, nothing more from us", async () => {
    const handler = hh.handler();
    fake.reply(rateLimited());
    const error = await openai()
      .invoke("Hi", { callbacks: [handler] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    expect((error as { status?: number }).status).toBe(429);
    expect(String((error as Error).message)).toContain("Rate limit reached");
    await handler.flush();

    const [ev] = modelEvents(hh);
    expect(ev?.error).toMatch(/^\w+: .*Rate limit reached/);
    expect(ev?.error).toContain((error as Error).name);
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "openai" });
    expect(ev?.outputs).toEqual({});
    expect(ev?.metadata).not.toHaveProperty("response_model");
  });
});
