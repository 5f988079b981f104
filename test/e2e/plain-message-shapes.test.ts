/**
 * Messages in the plain shapes LangChain's coercion accepts (`coerceMessageLikeToMessage`):
 * `{type, content}`, `{role, content}`, `[role, content]`, a string, a serialized message, and an
 * assistant turn that only calls tools (`{role: "assistant", tool_calls}`, no `content`: OpenAI's
 * own history format). LangChain coerces a chat model's input before `handleChatModelStart`, so a
 * model's `chat_history` always receives message objects; plain shapes reach the handler in chain
 * inputs and outputs (a prompt's `MessagesPlaceholder` variable, a graph's state, a lambda), and
 * there every message must come out with its HoneyHive role.
 */
import { ChatPromptTemplate, MessagesPlaceholder } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();

const TOOL_CALL = { id: "call-1", name: "get_weather", args: { city: "Paris" } };
const OPENAI_TOOL_CALL = {
  id: "call-1",
  type: "function",
  function: { name: "get_weather", arguments: '{"city":"Paris"}' },
};

/** Every shape, and the HoneyHive message each must become. */
const SHAPES: [string, unknown, Record<string, unknown>][] = [
  ["{type: human}", { type: "human", content: "typed human" }, { role: "user", content: "typed human" }],
  ["{type: user}", { type: "user", content: "typed user" }, { role: "user", content: "typed user" }],
  ["{role: human}", { role: "human", content: "role human" }, { role: "user", content: "role human" }],
  ["[ai, content]", ["ai", "tuple ai"], { role: "assistant", content: "tuple ai" }],
  ["a string", "bare string", { role: "user", content: "bare string" }],
  [
    "a serialized HumanMessage",
    {
      lc: 1,
      type: "constructor",
      id: ["langchain_core", "messages", "HumanMessage"],
      kwargs: { content: "ser" },
    },
    { role: "user", content: "ser" },
  ],
  [
    "{type: ai, tool_calls} without content",
    { type: "ai", tool_calls: [TOOL_CALL] },
    { role: "assistant", content: "", tool_calls: [OPENAI_TOOL_CALL] },
  ],
  [
    "{type: tool}",
    { type: "tool", content: "sunny", tool_call_id: "call-1" },
    { role: "tool", content: "sunny", tool_call_id: "call-1" },
  ],
  [
    "{role: assistant, tool_calls} without content (OpenAI's format)",
    { role: "assistant", tool_calls: [OPENAI_TOOL_CALL] },
    { role: "assistant", content: "", tool_calls: [OPENAI_TOOL_CALL] },
  ],
  ["{role: developer}", { role: "developer", content: "dev" }, { role: "developer", content: "dev" }],
];

const history = SHAPES.map(([, shape]) => shape);
const expected = SHAPES.map(([, , message]) => message);

describe("plain message shapes reach the handler in chain values, and keep their roles", () => {
  it("a real chat model behind a MessagesPlaceholder: the chain inputs and the model's chat_history", async () => {
    const handler = hh.handler();
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "Be brief."],
      new MessagesPlaceholder("history"),
      ["human", "{question}"],
    ]);
    const chain = prompt.pipe(new FakeListChatModel({ responses: ["ok"] })).withConfig({ runName: "chat" });
    await chain.invoke({ history, question: "and tomorrow?" }, { callbacks: [handler] });
    await handler.flush();
    const events = hh.collector.events;
    expect(byName(events, "chat").inputs).toEqual({ history: expected, question: "and tomorrow?" });
    expect(byName(events, "ChatPromptTemplate").inputs).toEqual({
      history: expected,
      question: "and tomorrow?",
    });
    expect(byName(events, "FakeListChatModel").inputs?.chat_history).toEqual([
      { role: "system", content: "Be brief." },
      ...expected,
      { role: "user", content: "and tomorrow?" },
    ]);
  });

  for (const [what, shape, message] of SHAPES) {
    it(`${what} beside {type: human} in a state's messages: each with its role`, async () => {
      const handler = hh.handler();
      const node = RunnableLambda.from((state: { messages: unknown[] }) => ({
        messages: [...state.messages, { type: "ai", content: "done" }],
      })).withConfig({ runName: "node" });
      await node.invoke({ messages: [{ type: "human", content: "hi" }, shape] }, { callbacks: [handler] });
      await handler.flush();
      const event = byName(hh.collector.events, "node");
      expect(event.inputs).toEqual({ messages: [{ role: "user", content: "hi" }, message] });
      expect(event.outputs).toEqual({
        messages: [{ role: "user", content: "hi" }, message, { role: "assistant", content: "done" }],
      });
    });
  }
});
