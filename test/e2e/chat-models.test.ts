import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedChatModel } from "./helpers/scripted-model.js";
import { useCollector } from "./helpers/setup.js";

const hh = useCollector();

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
