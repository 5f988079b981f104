/** The conversion routine's rules through real LangChain runs, as the collector receives them. */
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { DbCredentials, Decimal, fetchFailed } from "../helpers/hostile.js";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, postedItems, useCollector } from "../helpers/setup.js";

const hh = useCollector();

describe("through real runs, as the collector receives them", () => {
  it("toJSON is honoured in chain inputs and outputs (no password, Decimal as its string)", async () => {
    const handler = hh.handler();
    const step = RunnableLambda.from((_: unknown) => ({ total: new Decimal() })).withConfig({
      runName: "bill",
    });
    await step.invoke({ db: new DbCredentials("app", "hunter2") }, { callbacks: [handler] });
    await handler.flush();
    const event = byName(hh.collector.events, "bill");
    expect(event.inputs).toEqual({ db: { user: "app", password: "***" } });
    expect(event.outputs).toEqual({ total: "19.99" });
    for (const r of hh.collector.requests) expect(JSON.stringify(r.body)).not.toContain("hunter2");
  });

  it("a Decimal-like as the whole output is wrapped, not sent as a bare string", async () => {
    const handler = hh.handler();
    await RunnableLambda.from(() => new Decimal())
      .withConfig({ runName: "price" })
      .invoke({}, { callbacks: [handler] });
    await handler.flush();
    expect(byName(hh.collector.events, "price").outputs).toEqual({ output: "19.99" });
  });

  it("a failed step keeps the error's cause chain (fetch failed → ECONNREFUSED)", async () => {
    const handler = hh.handler();
    const step = RunnableLambda.from(() => {
      throw fetchFailed();
    }).withConfig({ runName: "call_api" });
    await expect(step.invoke({}, { callbacks: [handler] })).rejects.toThrow("fetch failed");
    await handler.flush();
    const event = byName(hh.collector.events, "call_api");
    expect(event.error).toBe("TypeError: fetch failed");
    expect(event.metadata?.error_cause).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("a chain that throws a cyclic object still ends, with the object described", async () => {
    const handler = hh.handler();
    const thrown: Record<string, unknown> = { reason: "bad", amount: 5n };
    thrown.self = thrown;
    const step = RunnableLambda.from(() => {
      throw thrown;
    }).withConfig({ runName: "throws_cyclic" });
    await expect(step.invoke({}, { callbacks: [handler] })).rejects.toBe(thrown);
    await handler.flush();
    const event = byName(hh.collector.events, "throws_cyclic");
    expect(event.error).toBe('Error: {"reason":"bad","amount":"5","self":"[Circular]"}');
    expect(typeof event.end_time).toBe("number");
  });

  it("an own __proto__ key in an input reaches the server as a key", async () => {
    const handler = hh.handler();
    const input = JSON.parse('{"__proto__": {"role": "admin"}, "q": "hi"}');
    await RunnableLambda.from(() => "ok")
      .withConfig({ runName: "proto" })
      .invoke(input, { callbacks: [handler] });
    await handler.flush();
    // As received: the raw item (the collector's store copies objects, which could hide the key).
    const item = hh.collector.requests
      .flatMap(postedItems)
      .find((e) => e.event_name === "proto" && e.event_type !== "session");
    const inputs = (item as { inputs?: Record<string, unknown> } | undefined)?.inputs ?? {};
    expect(Object.keys(inputs)).toEqual(["__proto__", "q"]);
    expect(Object.getOwnPropertyDescriptor(inputs, "__proto__")?.value).toEqual({ role: "admin" });
  });

  it("the prompt template's output is its messages, without lc_* internals", async () => {
    const handler = hh.handler();
    const prompt = ChatPromptTemplate.fromMessages([["human", "Capital of {country}?"]]);
    await prompt
      .pipe(new ScriptedChatModel({ replies: [{ content: "Paris" }] }))
      .invoke({ country: "France" }, { callbacks: [handler] });
    await handler.flush();
    const event = byName(hh.collector.events, "ChatPromptTemplate");
    expect(event.outputs).toEqual({ messages: [{ role: "user", content: "Capital of France?" }] });
    expect(JSON.stringify(hh.collector.requests.map((r) => r.body))).not.toMatch(
      /lc_serializable|lc_kwargs|lc_namespace/,
    );
  });
});
