/**
 * Options through real runs: the trimmed API key, the missing-key warning, LangChain's ignore*
 * inputs, verbose start-up, and per-call flush timeouts. Validation alone is in unit/options.test.ts.
 */
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { HoneyHiveHandler } from "../../src/index.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { configError, TEST_KEY, useCollector } from "../helpers/setup.js";
import { memoryLogger, smallChain } from "../helpers/workloads.js";

const hh = useCollector();

describe("handler options", () => {
  it("the API key is trimmed; whitespace inside it is a config error (and the key is never echoed)", async () => {
    const handler = hh.handler({ apiKey: `  ${TEST_KEY}\r\n` });
    await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
    expect(await handler.flush()).toMatchObject({ failed: 0, timedOut: false });
    expect(hh.collector.events).toHaveLength(4);
    const error = configError(() => new HoneyHiveHandler({ apiKey: "hh-abc def-123456" }));
    expect(error.setting).toBe("apiKey");
    expect(error.message).toMatch(/`apiKey` must not contain whitespace/);
    expect(error.message).not.toContain("hh-abc");
  });
});

describe("no API key", () => {
  it("warns once per logger, records nothing, and the app runs as usual", async () => {
    const { lines, logger } = memoryLogger();
    const handler = new HoneyHiveHandler({ serverUrl: hh.collector.url, logger });
    const result = await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
    expect(result).toBe("hello");
    expect(handler.stats()).toMatchObject({ sent: 0, queued: 0, openRuns: 0 });
    expect(await handler.flush()).toMatchObject({ timedOut: false });
    // A handler per request must not repeat the warning per request.
    new HoneyHiveHandler({ serverUrl: hh.collector.url, logger });
    const keyLines = lines.filter((l) => l.message.includes("HH_API_KEY"));
    expect(keyLines).toHaveLength(1);
    expect(keyLines[0]?.level).toBe("warn");
    expect(hh.collector.requests).toHaveLength(0);
  });

  it("a key of only whitespace (an empty secret file) counts as missing", async () => {
    vi.stubEnv("HH_API_KEY", " \n");
    vi.stubEnv("HH_API_URL", hh.collector.url);
    try {
      const { lines, logger } = memoryLogger();
      const handler = new HoneyHiveHandler({ logger });
      await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
      await handler.flush();
      expect(lines.map((l) => l.message)).toEqual([expect.stringContaining("no HoneyHive API key")]);
      expect(hh.collector.requests).toHaveLength(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("the callback manager's real dispatch tolerates the handler with no API key (no-op)", async () => {
    const { lines, logger } = memoryLogger();
    const quiet = new HoneyHiveHandler({ serverUrl: hh.collector.url, logger });
    const manager = CallbackManager.configure([quiet]);
    const run = await manager?.handleChainStart({ lc: 1, type: "not_implemented", id: ["x"] }, { a: 1 });
    await run?.handleChainEnd({ b: 2 });
    expect(quiet.stats()).toMatchObject({ sent: 0, openRuns: 0 });
    expect(lines).toHaveLength(1);
    expect(hh.collector.requests).toHaveLength(0);
  });
});

describe("LangChain's standard handler inputs", () => {
  const weather = tool(async ({ city }) => `sunny in ${city}`, {
    name: "weather",
    description: "Weather for a city",
    schema: z.object({ city: z.string() }),
  });

  async function agentTurn(handler: HoneyHiveHandler): Promise<void> {
    const model = new ScriptedChatModel({
      replies: [
        { toolCalls: [{ id: "c1", name: "weather", args: { city: "Paris" } }] },
        { content: "sunny" },
      ],
    });
    const turn = RunnableLambda.from(async (q: string, config) => {
      const first = await model.invoke(q, config);
      const result = await weather.invoke(first.tool_calls?.[0] as never, config);
      return (await model.invoke([first, result], config)).content;
    }).withConfig({ runName: "turn" });
    await turn.invoke("weather?", { callbacks: [handler] });
    await handler.flush();
  }

  it("ignoreChain records no chain events (models and tools still are)", async () => {
    const handler = hh.handler({ ignoreChain: true });
    expect(handler.ignoreChain).toBe(true);
    await agentTurn(handler);
    const types = hh.collector.events.map((e) => e.event_type);
    expect(types).not.toContain("chain");
    expect(types.filter((t) => t === "model")).toHaveLength(2);
    expect(types).toContain("tool");
  });

  it("ignoreLLM records no model events; ignoreAgent no tool events", async () => {
    await agentTurn(hh.handler({ ignoreLLM: true }));
    expect(hh.collector.events.map((e) => e.event_type).sort()).toEqual(["chain", "tool"]);
    hh.collector.reset();
    await agentTurn(hh.handler({ ignoreAgent: true }));
    expect(hh.collector.events.map((e) => e.event_type).sort()).toEqual(["chain", "model", "model"]);
  });

  it("ignoreRetriever and ignoreCustomEvent are accepted and set on the handler", () => {
    const handler = hh.handler({ ignoreRetriever: true, ignoreCustomEvent: true });
    expect(handler.ignoreRetriever).toBe(true);
    expect(handler.ignoreCustomEvent).toBe(true);
    expect(handler.ignoreLLM).toBe(false);
  });
});

describe("verbose", () => {
  it("logs the target URL at start, and never the key", () => {
    const { lines, logger } = memoryLogger();
    hh.handler({ verbose: true, logger });
    const start = lines.find((l) => l.message.includes(hh.collector.url));
    expect(start?.message).toMatch(
      /sending events to http:\/\/127\.0\.0\.1:\d+ \(key from the apiKey option\)/,
    );
    for (const l of lines) expect(l.message).not.toContain(TEST_KEY);
    const quiet = memoryLogger();
    hh.handler({ logger: quiet.logger });
    expect(quiet.lines).toHaveLength(0);
  });
});

describe("per-call flush and shutdown timeouts", () => {
  async function slowServerFlush(timeoutMs: number): Promise<void> {
    hh.collector.setFaults(() => ({ delayMs: 150 }));
    const handler = hh.handler();
    await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
    const result = await handler.flush({ timeoutMs });
    // Infinity, NaN and -1 must not give up at once: everything arrives.
    expect(result).toMatchObject({ timedOut: false, failed: 0, queued: 0, inFlight: 0 });
    expect(hh.collector.events).toHaveLength(4);
    expect(hh.collector.sessions).toHaveLength(1);
  }

  it("Infinity, NaN and -1 wait (the largest timer / the default), with no TimeoutOverflowWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on("warning", onWarning);
    try {
      for (const timeoutMs of [Number.POSITIVE_INFINITY, Number.NaN, -1]) {
        await slowServerFlush(timeoutMs);
        hh.collector.reset();
      }
      const handler = hh.handler();
      await smallChain().invoke({ name: "x" }, { callbacks: [handler] });
      expect(await handler.shutdown({ timeoutMs: Number.POSITIVE_INFINITY })).toMatchObject({
        timedOut: false,
        failed: 0,
      });
      expect(hh.collector.events).toHaveLength(4);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain("TimeoutOverflowWarning");
  });
});
