/**
 * Tools: config.tool_name / tool_description / tool_type, outputs, tool_call_id, and a ToolMessage
 * with status error recorded as an error.
 */
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { namedWeatherAgent } from "../helpers/agents.js";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();

describe("tools", () => {
  it("config.tool_name / tool_description / tool_type, outputs.message, metadata.tool_call_id", async () => {
    const handler = hh.handler();
    await namedWeatherAgent().invoke(
      { messages: [{ role: "user", content: "Weather in Oslo?" }] },
      { callbacks: [handler] },
    );
    await handler.flush();
    const t = byName(hh.collector.events, "get_weather");
    expect(t.event_type).toBe("tool");
    expect(t.config).toEqual({
      tool_name: "get_weather",
      tool_description: "Weather for a city",
      tool_type: "DynamicStructuredTool",
    });
    expect(t.inputs).toEqual({ city: "Oslo" });
    expect(t.outputs).toEqual({ message: "sunny in Oslo" });
    expect(t.metadata?.tool_call_id).toBe("call_w1");
  });

  it("a tool called directly: name and type, no description guessed; a returned object is the message", async () => {
    const handler = hh.handler();
    const lookup = tool(async ({ id }) => ({ id, found: true }), {
      name: "lookup",
      description: "Find a record",
      schema: z.object({ id: z.number() }),
    });
    await lookup.invoke({ id: 7 }, { callbacks: [handler] });
    await handler.flush();
    const t = byName(hh.collector.events, "lookup");
    expect(t.config).toEqual({ tool_name: "lookup", tool_type: "DynamicStructuredTool" });
    expect(t.outputs).toEqual({ message: { id: 7, found: true } });
  });
});

describe("tool messages", () => {
  it("a tool that returns a ToolMessage with status error is recorded as an error, with its tool_call_id", async () => {
    const { ToolMessage } = await import("@langchain/core/messages");
    const handler = hh.handler();
    const picky = tool(
      async (_input, config) =>
        new ToolMessage({
          content: "city not found",
          tool_call_id: config.toolCall?.id ?? "call_x",
          status: "error",
        }),
      { name: "picky", description: "fails softly", schema: z.object({ city: z.string() }) },
    );
    const result = await picky.invoke(
      { id: "call_42", name: "picky", args: { city: "Atlantis" }, type: "tool_call" },
      { callbacks: [handler] },
    );
    expect(result.status).toBe("error");
    await handler.flush();
    const event = byName(hh.collector.events, "picky");
    expect(event.error).toBe("ToolError: city not found");
    expect(event.outputs).toEqual({ message: "city not found" });
    expect(event.metadata?.tool_call_id).toBe("call_42");
    expect(event.inputs).toEqual({ city: "Atlantis" });
  });
});
