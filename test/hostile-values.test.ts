/**
 * Property-style: every hostile value from the seeded generator goes through every place an app
 * hands values to LangChain — chain inputs, chain outputs, thrown errors, tool results, run
 * metadata, and enrichment (feedback, metrics, metadata) — with real runnables against the
 * collector. For every value: the app never sees an exception from the handler, every run starts
 * and ends (one event each, with an end time, never "LangChain never reported the end"), and every
 * body is accepted (useCollector fails the test on any 400).
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { HoneyHiveHandler } from "../src/index.js";
import { toJsonSafe, toJsonText } from "../src/mapping/to-json.js";
import { type HostileCase, hostileCases } from "./helpers/hostile.js";
import { useCollector } from "./helpers/setup.js";
import { memoryLogger } from "./helpers/workloads.js";

const hh = useCollector();
const cases = hostileCases(20260101);

/** Runs one value through one path; `handler` undefined runs it bare (is it LangChain that refuses?). */
type Path = (handler: HoneyHiveHandler | undefined, value: unknown, name: string) => Promise<void>;

const cb = (handler: HoneyHiveHandler | undefined) => (handler ? [handler] : []);

const PATHS: Record<string, Path> = {
  "chain input": async (handler, value, name) => {
    const step = RunnableLambda.from((_: unknown) => "ok").withConfig({ runName: name });
    expect(await step.invoke(value, { callbacks: cb(handler) })).toBe("ok");
  },
  "chain output": async (handler, value, name) => {
    const step = RunnableLambda.from(() => value).withConfig({ runName: name });
    await step.invoke({ q: 1 }, { callbacks: cb(handler) });
  },
  "thrown error": async (handler, value, name) => {
    const step = RunnableLambda.from((): unknown => {
      throw value;
    }).withConfig({ runName: name });
    // The app sees its own exception, unchanged, and nothing else.
    let caught: unknown = "nothing thrown";
    try {
      await step.invoke({ q: 1 }, { callbacks: cb(handler) });
    } catch (err) {
      caught = err;
    }
    expect(caught === value).toBe(true);
  },
  "tool result": async (handler, value, name) => {
    const t = tool(() => value as string, {
      name,
      description: "returns a hostile value",
      schema: z.object({}),
    });
    await t.invoke({}, { callbacks: cb(handler) });
  },
  "run metadata": async (handler, value, name) => {
    const step = RunnableLambda.from(() => "ok").withConfig({ runName: name });
    await step.invoke({ q: 1 }, { callbacks: cb(handler), metadata: { hostile: value } });
  },
  enrichment: async (handler, value, name) => {
    const runId = crypto.randomUUID();
    let during = true;
    const step = RunnableLambda.from(() => {
      // While the run is open (merged into its event) …
      if (handler) during = handler.enrichEvent(runId, { feedback: { v: value }, metadata: { v: value } });
      return "ok";
    }).withConfig({ runName: name });
    await step.invoke({ q: 1 }, { callbacks: cb(handler), runId });
    if (!handler) return;
    expect(during).toBe(true);
    // … and after it ended (sent as updates), on the event and on its session.
    const enrichment = { feedback: { v: value }, metrics: { v: value }, metadata: { v: value } };
    expect(handler.enrichEvent(runId, enrichment)).toBe(true);
    const sessionId = handler.getSessionId(runId);
    expect(sessionId).toBeDefined();
    expect(handler.enrichSession(sessionId as string, enrichment)).toBe(true);
    // The value as the whole feedback: recorded when it converts to an object, refused otherwise.
    expect(typeof handler.enrichEvent(runId, { feedback: value as Record<string, unknown> })).toBe("boolean");
  },
};

describe("the conversion routine on hostile values", () => {
  it.each(cases.map((c) => [c.name, c] as [string, HostileCase]))(
    "%s: text and tree agree, never throw, parse back, well-formed",
    (_name, c) => {
      const value = c.make();
      const text = toJsonText(value);
      expect(typeof text).toBe("string");
      expect((text as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
      expect(() => JSON.parse(text)).not.toThrow();
      // Values whose getters answer differently on every read cannot agree with themselves.
      if (!/lies|new object every time/.test(c.name)) expect(JSON.stringify(toJsonSafe(value))).toBe(text);
    },
  );
});

describe.each(Object.entries(PATHS))("hostile values as %s", (pathName: string, run: Path) => {
  it("every run starts and ends in the collector, and every body is accepted", async () => {
    // Quiet: refusing a value as the whole feedback is warned about, by design.
    const handler = hh.handler({ logger: memoryLogger().logger });
    const names = cases.map((_, i) => `hostile_${pathName.replace(/\W/g, "_")}_${i}`);
    // Values LangChain itself refuses (it throws without any handler too): the app's exception is
    // LangChain's, and whatever run LangChain started must still end.
    const refusedByLangChain = new Set<number>();
    for (const [i, c] of cases.entries()) {
      try {
        await run(handler, c.make(), names[i] as string);
      } catch (withHandler) {
        let bare: unknown;
        try {
          await run(undefined, c.make(), `bare_${i}`);
        } catch (err) {
          bare = err;
        }
        expect(bare, `${c.name}: only with the handler attached: ${String(withHandler)}`).toBeDefined();
        refusedByLangChain.add(i);
      }
    }
    const result = await handler.flush({ timeoutMs: 20_000 });
    expect(result.timedOut).toBe(false);
    expect(result.failed).toBe(0);
    expect(result.dropped).toBe(0);
    // LangChain may throw before it reports the end of a run it refused (e.g. `_coerceToDict` on a
    // Proxy output): such a run is honestly "never ended"; every other run has ended.
    expect(handler.stats().openRuns).toBeLessThanOrEqual(refusedByLangChain.size);

    const { events, sessions, requests } = hh.collector;
    for (const [i, name] of names.entries()) {
      const found = events.filter((e) => e.event_name === name);
      if (refusedByLangChain.has(i)) expect(found.length).toBeLessThanOrEqual(1);
      else expect(found, `${cases[i]?.name}: one event`).toHaveLength(1);
      for (const event of found) {
        expect(typeof event.end_time, `${cases[i]?.name}: end_time`).toBe("number");
        expect(String(event.error ?? ""), `${cases[i]?.name}: ended by LangChain`).not.toMatch(/RunNotEnded/);
      }
    }
    // Whatever LangChain refused outright, at most the rest of the cases is missing.
    expect(refusedByLangChain.size).toBeLessThanOrEqual(3);
    const completed = sessions.filter((session) => typeof session.end_time === "number");
    expect(completed.length).toBeGreaterThanOrEqual(cases.length - refusedByLangChain.size);
    expect(requests.filter((r) => r.status !== 200)).toEqual([]);
    if (pathName === "enrichment") {
      // Per case: one update of the ended event and one of its session (plus the feedback-only update).
      const updates = requests.filter((r) => r.method === "PUT");
      expect(updates.length).toBeGreaterThanOrEqual(cases.length * 2);
    }
  });
});
