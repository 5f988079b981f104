/** `@langchain/ollama` (ChatOllama, on the ollama client) against a local fake of Ollama's /api/chat. */
import { ChatOllama } from "@langchain/ollama";
import { describe, expect, it } from "vitest";
import { weather } from "../../helpers/agents.js";
import { modelEvents } from "../../helpers/providers/events.js";
import { useFake } from "../../helpers/providers/fake-server.js";
import { ollamaChat, ollamaError } from "../../helpers/providers/ollama-wire.js";
import { streamed, toolRound } from "../../helpers/providers/tool-round.js";
import { useCollector } from "../../helpers/setup.js";

const hh = useCollector();
const fake = useFake();

// Ollama answers with the model as it resolved the tag; the app asks for the short name.
const REQUESTED = "llama3.1";
const ANSWERED = "llama3.1:8b-instruct-q4_K_M";

// ChatOllama's option is `baseUrl`; it has no retries of its own beyond LangChain's AsyncCaller.
const ollama = () => new ChatOllama({ model: REQUESTED, baseUrl: fake.url, maxRetries: 0 });

describe("Ollama", () => {
  it("invoke: requested vs answered model, provider, tokens, finish reason", async () => {
    const handler = hh.handler();
    fake.reply(
      ollamaChat({ model: ANSWERED, content: "Hello there.", usage: { prompt: 26, completion: 4 } }),
    );
    const reply = await ollama().invoke("Hi", { callbacks: [handler] });
    expect(fake.requests.at(-1)).toMatchObject({
      path: "/api/chat",
      body: { model: REQUESTED, stream: true },
    });
    expect(reply.content).toBe("Hello there.");
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 26, output_tokens: 4, total_tokens: 30 });
    expect(reply.response_metadata).toMatchObject({ model: ANSWERED, done_reason: "stop" });
    await handler.flush();

    const [ev] = modelEvents(hh);
    expect(ev?.event_name).toBe("ChatOllama");
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "ollama" });
    expect(ev?.metadata).toMatchObject({
      response_model: ANSWERED,
      ls_provider: "ollama",
      prompt_tokens: 26,
      completion_tokens: 4,
      total_tokens: 30,
      finish_reason: "stop",
    });
    expect(ev?.outputs).toEqual({ role: "assistant", content: "Hello there." });
  });

  it("stream: full text, answered model once, usage, finish reason, TTFT", async () => {
    const handler = hh.handler();
    fake.reply(
      ollamaChat({ model: ANSWERED, content: "one two three four", usage: { prompt: 9, completion: 4 } }),
    );
    const reply = await streamed(ollama().stream("count", { callbacks: [handler] }));
    expect(reply?.content).toBe("one two three four");
    expect(reply?.usage_metadata).toMatchObject({ input_tokens: 9, output_tokens: 4, total_tokens: 13 });
    await handler.flush();

    const [ev] = modelEvents(hh);
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "ollama" });
    expect(ev?.metadata).toMatchObject({
      response_model: ANSWERED,
      prompt_tokens: 9,
      completion_tokens: 4,
      total_tokens: 13,
      finish_reason: "stop",
    });
    expect(ev?.outputs).toEqual({ role: "assistant", content: "one two three four" });
    expect(typeof ev?.metrics?.ttft_ms).toBe("number");
  });

  it("tool round: the tool call, the tool message, the answer; the second call's chat_history", async () => {
    const handler = hh.handler();
    fake.reply(
      ollamaChat({
        model: ANSWERED,
        toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }],
        usage: { prompt: 50, completion: 10 },
      }),
      ollamaChat({ model: ANSWERED, content: "It is sunny in Oslo.", usage: { prompt: 70, completion: 8 } }),
    );
    const round = await toolRound(ollama(), [handler]);
    // Ollama sends no tool call ids: the package makes one up.
    const id = round.first.tool_calls?.[0]?.id;
    expect(typeof id).toBe("string");
    expect(round.first.tool_calls).toEqual([
      { id, name: "get_weather", args: { city: "Oslo" }, type: "tool_call" },
    ]);
    expect(round.second.content).toBe("It is sunny in Oslo.");
    expect(fake.requests.at(-1)?.body?.messages).toContainEqual(
      expect.objectContaining({ role: "tool", content: "sunny in Oslo" }),
    );
    await handler.flush();

    const call = { id, type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } };
    const [first, second] = modelEvents(hh);
    expect(first?.outputs).toEqual({ role: "assistant", content: "", tool_calls: [call] });
    expect(second?.inputs?.chat_history).toEqual([
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: "", tool_calls: [call] },
      { role: "tool", content: "sunny in Oslo", name: "get_weather", tool_call_id: id },
    ]);
    expect(second?.outputs).toEqual({ role: "assistant", content: "It is sunny in Oslo." });
    expect(second?.metadata).toMatchObject({
      response_model: ANSWERED,
      prompt_tokens: 70,
      completion_tokens: 8,
    });
    expect(hh.collector.events.find((e) => e.event_type === "tool")?.metadata?.tool_call_id).toBe(id);
  });

  it("streamed tool call: one tool call in outputs", async () => {
    const handler = hh.handler();
    fake.reply(
      ollamaChat({
        model: ANSWERED,
        toolCalls: [{ name: "get_weather", arguments: { city: "Bergen" } }],
        usage: { prompt: 40, completion: 9 },
      }),
    );
    const reply = await streamed(
      ollama()
        .bindTools([weather()])
        .stream("Weather in Bergen?", { callbacks: [handler] }),
    );
    expect(reply?.tool_call_chunks?.length).toBeGreaterThan(0);
    const id = reply?.tool_calls?.[0]?.id;
    expect(reply?.tool_calls).toEqual([
      { id, name: "get_weather", args: { city: "Bergen" }, type: "tool_call" },
    ]);
    await handler.flush();

    const [ev] = modelEvents(hh);
    expect(ev?.outputs).toEqual({
      role: "assistant",
      content: "",
      tool_calls: [
        { id, type: "function", function: { name: "get_weather", arguments: '{"city":"Bergen"}' } },
      ],
    });
    expect(ev?.metadata).toMatchObject({ response_model: ANSWERED, prompt_tokens: 40, completion_tokens: 9 });
    expect(typeof ev?.metrics?.ttft_ms).toBe("number");
  });

  it("a server error: the app gets the client's error, the event records it", async () => {
    const handler = hh.handler();
    fake.reply(ollamaError(404, `model "${REQUESTED}" not found, try pulling it first`));
    const error = await ollama()
      .invoke("Hi", { callbacks: [handler] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("not found, try pulling it first");
    await handler.flush();
    const [ev] = modelEvents(hh);
    expect(ev?.error).toBe(`${(error as Error).name}: ${(error as Error).message}`);
    expect(ev?.config).toMatchObject({ model: REQUESTED, provider: "ollama" });
  });
});
