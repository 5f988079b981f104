/**
 * Errors in runs: a failing tool or chain step is recorded with its error on that step and its
 * ancestors (not on finished siblings), and the app sees its own exception unchanged.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();

describe("errors", () => {
  it("a failing tool is recorded with its error; the app sees its own exception unchanged", async () => {
    const handler = hh.handler();
    class QuotaError extends Error {
      override name = "QuotaError";
    }
    const thrown = new QuotaError("daily quota used up");
    const flaky = tool(
      async () => {
        throw thrown;
      },
      { name: "flaky", description: "fails", schema: z.object({ q: z.string() }) },
    );
    const chain = RunnableLambda.from(async (q: string, config) => flaky.invoke({ q }, config)).withConfig({
      runName: "outer",
    });
    await expect(chain.invoke("x", { callbacks: [handler] })).rejects.toBe(thrown);
    await handler.flush();
    const { events, sessions } = hh.collector;
    const toolEvent = byName(events, "flaky");
    const outer = byName(events, "outer");
    expect(toolEvent.error).toBe("QuotaError: daily quota used up");
    expect(toolEvent.inputs).toEqual({ q: "x" });
    expect(toolEvent.parent_id).toBe(outer.event_id);
    expect(outer.error).toBe("QuotaError: daily quota used up");
    expect(String(outer.metadata?.error_stack)).toContain("QuotaError");
    // The session records that its root failed (UpdateEventRequest has no error field).
    expect(sessions[0]?.metadata?.error).toBe("QuotaError: daily quota used up");
  });

  it("a failing chain step marks that step and its ancestors, not its finished siblings", async () => {
    const handler = hh.handler();
    const ok = RunnableLambda.from((x: number) => x + 1).withConfig({ runName: "add_one" });
    const bad = RunnableLambda.from((_x: number): number => {
      throw new TypeError("not a number");
    }).withConfig({ runName: "explode" });
    const seq = ok.pipe(bad).withConfig({ runName: "pipeline" });
    await expect(seq.invoke(1, { callbacks: [handler] })).rejects.toThrow(TypeError);
    await handler.flush();
    const { events } = hh.collector;
    expect(byName(events, "add_one").error).toBeNull();
    expect(byName(events, "add_one").outputs).toEqual({ output: 2 });
    expect(byName(events, "explode").error).toBe("TypeError: not a number");
    expect(byName(events, "pipeline").error).toBe("TypeError: not a number");
  });
});
