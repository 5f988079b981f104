/**
 * Model data from every place providers put it: usage (with cache and reasoning details, never
 * double counted, never negative, absent when unknown), model names, finish reasons, cost, n > 1.
 */
import { AIMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { describe, expect, it } from "vitest";
import { useCollector } from "../helpers/setup.js";
import { ShapedChatModel } from "../helpers/shaped-model.js";

const hh = useCollector();

async function record(
  result: () => ChatResult,
  params: Record<string, unknown> = {},
  lsParams: Record<string, unknown> = {},
) {
  const handler = hh.handler();
  await new ShapedChatModel(result, params, lsParams).invoke("hi", { callbacks: [handler] });
  await handler.flush();
  const event = hh.collector.events[0];
  if (!event) throw new Error("no event");
  return event;
}

const gen = (message: AIMessage, generationInfo?: Record<string, unknown>) => ({
  message,
  text: typeof message.content === "string" ? message.content : "",
  ...(generationInfo ? { generationInfo } : {}),
});

describe("token usage", () => {
  it("from llmOutput.tokenUsage", async () => {
    const e = await record(() => ({
      generations: [gen(new AIMessage("a"))],
      llmOutput: { tokenUsage: { promptTokens: 11, completionTokens: 7, totalTokens: 18 } },
    }));
    expect(e.metadata).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
  });

  it("from llmOutput.estimatedTokenUsage", async () => {
    const e = await record(() => ({
      generations: [gen(new AIMessage("a"))],
      llmOutput: { estimatedTokenUsage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 } },
    }));
    expect(e.metadata).toMatchObject({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it("from OpenAI's raw usage in response_metadata, with cached and reasoning details", async () => {
    const message = new AIMessage({
      content: "a",
      response_metadata: {
        model_name: "gpt-4o-2024-08-06",
        finish_reason: "length",
        usage: {
          prompt_tokens: 100,
          completion_tokens: 50,
          total_tokens: 150,
          prompt_tokens_details: { cached_tokens: 80 },
          completion_tokens_details: { reasoning_tokens: 30 },
        },
      },
    });
    const e = await record(() => ({ generations: [gen(message)] }));
    expect(e.metadata).toMatchObject({
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
      cache_read_input_tokens: 80,
      reasoning_tokens: 30,
      finish_reason: "length",
    });
    expect(e.config?.model).toBe("gpt-4o-2024-08-06");
    expect(e.metadata?.response_model).toBe("gpt-4o-2024-08-06");
  });

  it("from Anthropic's raw usage: cached tokens are added to the input once, not twice", async () => {
    const message = new AIMessage({
      content: "a",
      response_metadata: {
        model: "claude-sonnet-4-5",
        stop_reason: "end_turn",
        usage: {
          input_tokens: 10,
          output_tokens: 20,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: 5,
        },
      },
    });
    const e = await record(() => ({ generations: [gen(message)] }));
    expect(e.metadata).toMatchObject({
      prompt_tokens: 115,
      completion_tokens: 20,
      total_tokens: 135,
      cache_read_input_tokens: 100,
      cache_write_input_tokens: 5,
      finish_reason: "end_turn",
    });
    expect(e.config?.model).toBe("claude-sonnet-4-5");
  });

  it("usage_metadata wins over the raw provider usage; details are not added on top", async () => {
    const message = new AIMessage({
      content: "a",
      usage_metadata: {
        input_tokens: 115,
        output_tokens: 20,
        total_tokens: 135,
        input_token_details: { cache_read: 100, cache_creation: 5 },
      },
      response_metadata: { usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 100 } },
    });
    const e = await record(() => ({
      generations: [gen(message)],
      llmOutput: { tokenUsage: { promptTokens: 115, completionTokens: 20, totalTokens: 135 } },
    }));
    expect(e.metadata).toMatchObject({ prompt_tokens: 115, total_tokens: 135, cache_read_input_tokens: 100 });
  });

  it("from generationInfo (Bedrock Converse shape), with Bedrock model ids", async () => {
    const e = await record(
      () => ({
        generations: [
          gen(new AIMessage("a"), { usage: { inputTokens: 8, outputTokens: 4, totalTokens: 12 } }),
        ],
      }),
      { model_id: "anthropic.claude-3-haiku-20240307-v1:0" },
    );
    expect(e.metadata).toMatchObject({ prompt_tokens: 8, completion_tokens: 4, total_tokens: 12 });
    expect(e.config?.model).toBe("anthropic.claude-3-haiku-20240307-v1:0");
  });

  it("negative or non-numeric counts are dropped, not reported", async () => {
    const e = await record(() => ({
      generations: [gen(new AIMessage("a"))],
      llmOutput: { tokenUsage: { promptTokens: -4, completionTokens: "7", totalTokens: Number.NaN } },
    }));
    expect(e.metadata).not.toHaveProperty("prompt_tokens");
    expect(e.metadata).not.toHaveProperty("completion_tokens");
    expect(e.metadata).not.toHaveProperty("total_tokens");
  });

  it("null tokenUsage does not stop the event", async () => {
    const e = await record(() => ({
      generations: [gen(new AIMessage("fine"))],
      llmOutput: { tokenUsage: null },
    }));
    expect(e.outputs).toEqual({ role: "assistant", content: "fine" });
  });
});

describe("model names, cost and choices", () => {
  it("Azure deployments are recognized through the fallback chain", async () => {
    const e = await record(() => ({ generations: [gen(new AIMessage("a"))] }), {
      azure_deployment: "prod-gpt4o",
    });
    expect(e.config?.model).toBe("prod-gpt4o");
  });

  it("falls back to metadata.ls_model_name", async () => {
    const e = await record(
      () => ({ generations: [gen(new AIMessage("a"))] }),
      {},
      { ls_model_name: "from-ls" },
    );
    expect(e.config?.model).toBe("from-ls");
  });

  it("provider-reported cost goes to metrics.cost (HoneyHive's namespace for cost), not metadata", async () => {
    const message = new AIMessage({ content: "a", response_metadata: { cost: 0.00042 } });
    const e = await record(() => ({ generations: [gen(message)] }));
    expect(e.metrics).toEqual({ cost: 0.00042 });
    expect(e.metadata).not.toHaveProperty("cost");
  });

  it("no metrics when the provider reports no cost", async () => {
    const e = await record(() => ({ generations: [gen(new AIMessage("a"))] }));
    expect(e).not.toHaveProperty("metrics");
  });

  it("config.model is the requested model; the answering model is metadata.response_model", async () => {
    const message = new AIMessage({
      content: "a",
      response_metadata: { model_name: "gpt-4o-mini-2024-07-18" },
    });
    const e = await record(() => ({ generations: [gen(message)] }), { model: "gpt-4o-mini" });
    expect(e.config?.model).toBe("gpt-4o-mini");
    expect(e.metadata?.response_model).toBe("gpt-4o-mini-2024-07-18");
  });

  it("without invocation params the requested model is ls_model_name, not the answered one", async () => {
    const message = new AIMessage({
      content: "a",
      response_metadata: { model: "claude-sonnet-4-5-20250929" },
    });
    const e = await record(
      () => ({ generations: [gen(message)] }),
      {},
      { ls_model_name: "claude-sonnet-4-5" },
    );
    expect(e.config?.model).toBe("claude-sonnet-4-5");
    expect(e.metadata?.response_model).toBe("claude-sonnet-4-5-20250929");
  });

  it("n > 1: every choice is recorded", async () => {
    const e = await record(() => ({ generations: [gen(new AIMessage("one")), gen(new AIMessage("two"))] }), {
      n: 2,
    });
    expect(e.outputs).toEqual({
      role: "assistant",
      content: "one",
      choices: [
        { role: "assistant", content: "one" },
        { role: "assistant", content: "two" },
      ],
    });
    expect(e.config?.n).toBe(2);
  });

  it("every invocation parameter is kept, not a short allowlist", async () => {
    const params = {
      model: "m",
      temperature: 0.3,
      max_tokens: 99,
      top_p: 0.9,
      stop: ["\n"],
      seed: 7,
      response_format: { type: "json_object" },
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      logit_bias: { "50256": -100 },
      parallel_tool_calls: false,
    };
    const e = await record(() => ({ generations: [gen(new AIMessage("a"))] }), params);
    expect(e.config).toMatchObject(params);
  });
});
