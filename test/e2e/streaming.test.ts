/** Streaming: full outputs, time to first token on both streaming paths, deferred inputs, tool events. */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessageChunk } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();

/** Each of the 4 words is yielded after its own 30 ms timer. */
const CHUNK_DELAY_MS = 30;
/**
 * Time to first token is stamped at the first chunk, not at the end: at least the three later
 * chunks' timers (3 × 30 ms) separate it from the run's end. Timers never fire early, so this is a
 * lower bound set by the script (a slower machine only widens it), not a timed assertion; 5 ms of
 * slack for the clock's rounding.
 */
const TTFT_GAP_MS = 3 * CHUNK_DELAY_MS - 5;

const streamingModel = () =>
  new ScriptedChatModel({
    model: "stream-1",
    replies: [{ content: "one two three four", delayMs: CHUNK_DELAY_MS, usage: { input: 9, output: 4 } }],
  });

/**
 * Streams the way OpenAI does: a first chunk with the role and empty content (reported to the
 * callbacks as an empty token, with its chunk), then, `OPENING_GAP_MS` later, the text.
 */
const OPENING_GAP_MS = 60;
class RoleFirstModel extends BaseChatModel {
  static override lc_name(): string {
    return "RoleFirstModel";
  }
  _llmType(): string {
    return "role-first";
  }
  async _generate(): Promise<ChatResult> {
    throw new Error("streams only");
  }
  override async *_streamResponseChunks(
    _messages: unknown,
    _options: unknown,
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const pieces = ["", "Hello", " there"];
    for (const [i, text] of pieces.entries()) {
      if (i === 1) await new Promise((r) => setTimeout(r, OPENING_GAP_MS));
      const chunk = new ChatGenerationChunk({
        text,
        message: new AIMessageChunk({
          content: text,
          additional_kwargs: i === 0 ? { role: "assistant" } : {},
        }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(
        text,
        { prompt: 0, completion: 0 },
        undefined,
        undefined,
        undefined,
        {
          chunk,
        },
      );
    }
  }
}

describe("streaming", () => {
  it.each([
    ["handleLLMNewToken", false],
    ["stream events", true],
  ])(
    "TTFT (%s): a role-only opening chunk with empty content is not the first token",
    async (_path, events) => {
      class StreamEventsHandler extends BaseCallbackHandler {
        name = "stream_events_consumer";
        readonly lc_prefer_chat_model_stream_events = true;
      }
      const handler = hh.handler();
      const callbacks = events ? [handler, new StreamEventsHandler()] : [handler];
      let text = "";
      for await (const chunk of await new RoleFirstModel({}).stream("hi", { callbacks })) text += chunk.text;
      expect(text).toBe("Hello there");
      await handler.flush();
      const model = byName(hh.collector.events, "RoleFirstModel");
      // The test's own timer separates the opening chunk from the first text: a lower bound.
      expect(model.metrics?.ttft_ms).toBeGreaterThanOrEqual(OPENING_GAP_MS - 5);
    },
  );

  it(".stream(): outputs are the full message; time to first token is recorded and shorter than the run", async () => {
    const handler = hh.handler();
    const chain = ChatPromptTemplate.fromTemplate("count {n}")
      .pipe(streamingModel())
      .pipe(new StringOutputParser());
    let text = "";
    for await (const chunk of await chain.stream({ n: 4 }, { callbacks: [handler] })) text += chunk;
    expect(text).toBe("one two three four");
    await handler.flush();
    const { events } = hh.collector;
    const model = byName(events, "ScriptedChatModel");
    expect(model.outputs).toEqual({ role: "assistant", content: "one two three four" });
    expect(model.metadata).toMatchObject({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    const ttft = model.metrics?.ttft_ms as number;
    expect(ttft).toBeGreaterThanOrEqual(CHUNK_DELAY_MS - 5);
    expect(ttft).toBeLessThanOrEqual((model.duration as number) - TTFT_GAP_MS);
    // Streamed steps get their real inputs from the end callback (lc_defers_inputs).
    const parser = byName(events, "StrOutputParser");
    expect(parser.inputs).not.toEqual({ input: "" });
    expect(JSON.stringify(parser.inputs)).toContain("one two three four");
    const root = byName(events, "RunnableSequence");
    expect(root.inputs).toEqual({ n: 4 });
    expect(root.outputs).toEqual({ output: "one two three four" });
  });

  it("stream events path (a handler that prefers chat model stream events): TTFT still recorded", async () => {
    class StreamEventsHandler extends BaseCallbackHandler {
      name = "stream_events_consumer";
      readonly lc_prefer_chat_model_stream_events = true;
      events = 0;
      newTokens = 0;
      override handleChatModelStreamEvent() {
        this.events++;
      }
      override handleLLMNewToken() {
        this.newTokens++;
      }
    }
    const other = new StreamEventsHandler();
    const handler = hh.handler();
    const reply = await streamingModel().invoke("go", { callbacks: [handler, other] });
    expect(reply.text).toBe("one two three four");
    expect(other.events).toBeGreaterThan(0);
    expect(other.newTokens).toBe(0);
    await handler.flush();
    const [model] = hh.collector.events;
    // On this path LangChain assembles content blocks; they are recorded as given.
    expect(model?.outputs?.role).toBe("assistant");
    expect(JSON.stringify(model?.outputs?.content)).toContain("one two three four");
    expect(model?.metrics?.ttft_ms).toBeGreaterThanOrEqual(CHUNK_DELAY_MS - 5);
    expect(model?.metrics?.ttft_ms).toBeLessThanOrEqual((model?.duration as number) - TTFT_GAP_MS);
  });

  it("a model that fails mid-stream is an error event; its first-token state does not leak into the next run", async () => {
    const handler = hh.handler();
    const failing = new ScriptedChatModel({ replies: [{ error: new Error("stream broke") }] });
    await expect(async () => {
      for await (const _ of await failing.stream("x", { callbacks: [handler] })) {
      }
    }).rejects.toThrow("stream broke");
    await new ScriptedChatModel({ replies: [{ content: "ok" }] }).invoke("y", { callbacks: [handler] });
    await handler.flush();
    const broken = hh.collector.events.find((e) => e.error !== null);
    const ok = hh.collector.events.find((e) => e.error === null);
    expect(broken?.error).toBe("Error: stream broke");
    expect(ok?.error).toBeNull();
    expect(ok?.metrics).toBeUndefined();
  });

  it("streaming tools: each chunk is recorded on the tool's event", async () => {
    const handler = hh.handler();
    const progress = tool(
      async function* ({ steps }: { steps: number }) {
        for (let i = 1; i <= steps; i++) yield `step ${i}`;
        return "finished";
      },
      { name: "progress", description: "reports progress", schema: z.object({ steps: z.number() }) },
    );
    await progress.invoke({ steps: 3 }, { callbacks: [handler] });
    await handler.flush();
    const event = byName(hh.collector.events, "progress");
    expect(event.metadata?.tool_events).toEqual(["step 1", "step 2", "step 3"]);
  });
});
