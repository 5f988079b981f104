/**
 * Chat models: roles, tool calls, usage, errors, providers, and message content shapes (Anthropic
 * blocks, plain message objects) as the collector receives them.
 */

import { createHash } from "node:crypto";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, useCollector } from "../helpers/setup.js";
import { ShapedChatModel } from "../helpers/shaped-model.js";

const hh = useCollector();

const _weather = () =>
  tool(async ({ city }) => `sunny in ${city}`, {
    name: "get_weather",
    description: "Weather for a city",
    schema: z.object({ city: z.string() }),
  });

describe("chat model events", () => {
  it("record roles, tool calls, tool_call_id, usage, model and provider", async () => {
    const handler = hh.handler();
    const weather = tool(async ({ city }) => `sunny in ${city}`, {
      name: "get_weather",
      description: "Weather for a city",
      schema: z.object({ city: z.string() }),
    });
    const model = new ScriptedChatModel({
      model: "gpt-4o-test",
      provider: "openai",
      replies: [
        {
          content: "",
          toolCalls: [{ id: "call_1", name: "get_weather", args: { city: "Oslo" } }],
          usage: { input: 40, output: 9, cacheRead: 32, reasoning: 4 },
        },
      ],
    }).bindTools([weather]);

    const reply = await model.invoke(
      [
        new SystemMessage("Be brief."),
        new HumanMessage("Weather in Oslo?"),
        new AIMessage({
          content: "",
          tool_calls: [{ id: "call_0", name: "get_weather", args: { city: "Bergen" } }],
        }),
        new ToolMessage({ content: "rainy in Bergen", tool_call_id: "call_0" }),
        { role: "developer", content: "Prefer metric units." },
      ],
      { callbacks: [handler] },
    );
    expect(reply.tool_calls?.[0]?.name).toBe("get_weather");
    await handler.flush();

    const [event] = hh.collector.events;
    expect(hh.collector.events).toHaveLength(1);
    expect(event?.event_type).toBe("model");
    expect(event?.event_name).toBe("ScriptedChatModel");
    expect(event?.inputs.chat_history).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather in Oslo?" },
      {
        role: "assistant",
        content: "",
        tool_calls: [
          {
            id: "call_0",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Bergen"}' },
          },
        ],
      },
      { role: "tool", content: "rainy in Bergen", tool_call_id: "call_0" },
      { role: "developer", content: "Prefer metric units." },
    ]);
    expect(event?.outputs).toEqual({
      role: "assistant",
      content: "",
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
      ],
    });
    expect(event?.config).toMatchObject({
      model: "gpt-4o-test",
      provider: "openai",
      temperature: 0.2,
      tool_choice: "auto",
    });
    expect((event?.config?.tools as { function: { name: string } }[] | undefined)?.[0]?.function.name).toBe(
      "get_weather",
    );
    expect(event?.metadata).toMatchObject({
      prompt_tokens: 40,
      completion_tokens: 9,
      total_tokens: 49,
      cache_read_input_tokens: 32,
      reasoning_tokens: 4,
      finish_reason: "tool_calls",
      ls_provider: "openai",
    });
    expect(event?.metadata).not.toHaveProperty("cache_write_input_tokens");
    // A bare model call is a root: it gets its own session.
    expect(event?.parent_id).toBe(event?.session_id);
    expect(hh.collector.sessions).toHaveLength(1);
  });

  it("leaves token counts absent (not 0) when the provider reports none", async () => {
    const handler = hh.handler();
    await new ScriptedChatModel({ replies: [{ content: "hi" }] }).invoke("hello", { callbacks: [handler] });
    await handler.flush();
    const [event] = hh.collector.events;
    expect(event?.metadata).not.toHaveProperty("total_tokens");
    expect(event?.metadata).not.toHaveProperty("prompt_tokens");
    expect(event?.outputs).toEqual({ role: "assistant", content: "hi" });
  });

  it("records a model error with its name and message, and the app still gets its own error", async () => {
    const handler = hh.handler();
    const boom = new RangeError("quota exceeded");
    const model = new ScriptedChatModel({ replies: [{ error: boom }] });
    await expect(model.invoke("hi", { callbacks: [handler] })).rejects.toBe(boom);
    await handler.flush();
    const [event] = hh.collector.events;
    expect(event?.error).toBe("RangeError: quota exceeded");
    expect(String(event?.metadata?.error_stack)).toContain("quota exceeded");
  });
});

describe("providers", () => {
  const cases: [string, string][] = [
    ["openai", "openai"],
    ["azure", "azure"],
    ["anthropic", "anthropic"],
    ["google_genai", "google"],
    ["google_vertexai", "google"],
    ["amazon_bedrock", "bedrock"],
    ["mistral", "mistral"],
    ["groq", "groq"],
    ["cohere", "cohere"],
    ["ollama", "ollama"],
    ["deepseek", "deepseek"],
    ["xai", "xai"],
  ];
  it.each(cases)(
    "ls_provider %s → config.provider %s (LangChain's name kept in metadata)",
    async (ls, hhName) => {
      const handler = hh.handler();
      await new ScriptedChatModel({ provider: ls, replies: [{ content: "hi" }] }).invoke("hello", {
        callbacks: [handler],
      });
      await handler.flush();
      const [e] = hh.collector.events;
      expect(e?.config?.provider).toBe(hhName);
      expect(e?.metadata?.ls_provider).toBe(ls);
    },
  );

  it("a provider LangChain only derived from the class name is not reported", async () => {
    const handler = hh.handler();
    await new FakeListChatModel({ responses: ["hi"] }).invoke("hello", { callbacks: [handler] });
    await handler.flush();
    const [e] = hh.collector.events;
    expect(e?.config).not.toHaveProperty("provider");
    expect(e?.metadata).not.toHaveProperty("ls_provider");
  });
});

describe("message content", () => {
  it("Anthropic-shaped output: text blocks become a string, tool_use blocks are not repeated", async () => {
    const handler = hh.handler();
    const message = new AIMessage({
      content: [
        { type: "text", text: "Let me check. " },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } },
      ],
      tool_calls: [{ id: "toolu_1", name: "get_weather", args: { city: "Oslo" }, type: "tool_call" }],
    });
    await new ShapedChatModel(
      () => ({ generations: [{ message, text: "" }] }),
      {},
      { ls_provider: "anthropic" },
    ).invoke(
      [
        new HumanMessage({
          content: [
            { type: "text", text: "What is in " },
            { type: "text", text: "this picture?" },
          ],
        }),
        new HumanMessage({
          content: [
            { type: "text", text: "And this one?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } },
          ],
        }),
      ],
      { callbacks: [handler] },
    );
    await handler.flush();
    const [e] = hh.collector.events;
    expect(e?.outputs).toEqual({
      role: "assistant",
      content: "Let me check. ",
      tool_calls: [
        { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
      ],
    });
    expect(e?.inputs.chat_history).toEqual([
      { role: "user", content: "What is in this picture?" },
      {
        role: "user",
        content: [
          { type: "text", text: "And this one?" },
          // Bytes become a reference in the image's place (SPEC §4 "Media"; test/e2e/media.test.ts).
          {
            type: "image",
            mime_type: "image/png",
            bytes: 3,
            sha256: createHash("sha256").update(Buffer.from("iVBOR", "base64")).digest("hex"),
          },
        ],
      },
    ]);
  });

  it("plain message shapes in chain inputs map to the right role, under the app's key", async () => {
    const handler = hh.handler();
    const echo = RunnableLambda.from((v: { messages: unknown[] }) => v.messages.length).withConfig({
      runName: "count",
    });
    await echo.invoke(
      {
        messages: [
          ["system", "Be brief."],
          { type: "human", content: "hi" },
          { role: "ai", content: "hello" },
          { role: "assistant", content: "again" },
          "plain string",
        ],
      },
      { callbacks: [handler] },
    );
    await handler.flush();
    expect(byName(hh.collector.events, "count").inputs).toEqual({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "assistant", content: "again" },
        { role: "user", content: "plain string" },
      ],
    });
  });
});
