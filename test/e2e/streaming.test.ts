/** Streaming: full outputs, time to first token on both streaming paths, deferred inputs, tool events. */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { StringOutputParser } from "@langchain/core/output_parsers";
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

describe("streaming", () => {
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
