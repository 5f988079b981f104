/**
 * Prompt templates reach HoneyHive as `config.template` (`{{var}}` placeholders) with the variables
 * beside `chat_history` in `inputs` — only when the template run provably fed the model.
 */
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import {
  ChatPromptTemplate,
  FewShotChatMessagePromptTemplate,
  MessagesPlaceholder,
  PromptTemplate,
} from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { FakeLLM } from "@langchain/core/utils/testing";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { ScriptedChatModel } from "../helpers/scripted-model.js";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();

const model = () => new ScriptedChatModel({ replies: [{ content: "Arr." }] });

async function modelEvent(run: (callbacks: { callbacks: unknown[] }) => Promise<unknown>) {
  const handler = hh.handler();
  await run({ callbacks: [handler] });
  await handler.flush();
  const models = hh.collector.events.filter((e) => e.event_type === "model");
  expect(models).toHaveLength(1);
  return models[0] as (typeof models)[number];
}

describe("prompt templates", () => {
  it("the same template object on every invoke: each model event gets that invoke's placeholder and variables", async () => {
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "You are {role}."],
      new MessagesPlaceholder("history"),
      ["human", "{question}"],
    ]);
    const chain = prompt.pipe(new ScriptedChatModel({ replies: [{ content: "one" }, { content: "two" }] }));
    const handler = hh.handler();
    await chain.invoke({ role: "a pirate", history: [], question: "first?" }, { callbacks: [handler] });
    await chain.invoke(
      { role: "a poet", history: [new HumanMessage("hi"), new AIMessage("hello")], question: "second?" },
      { callbacks: [handler] },
    );
    await handler.flush();
    const models = hh.collector.events.filter((e) => e.event_type === "model");
    expect(models).toHaveLength(2);
    const [first, second] = [...models].sort((a, b) => (a.start_time as number) - (b.start_time as number));
    expect(first?.config?.template).toEqual([
      { role: "system", content: "You are {{role}}." },
      { role: "user", content: "{{question}}" },
    ]);
    expect(first?.inputs).toMatchObject({ role: "a pirate", question: "first?" });
    expect(second?.config?.template).toEqual([
      { role: "system", content: "You are {{role}}." },
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
      { role: "user", content: "{{question}}" },
    ]);
    expect(second?.inputs).toMatchObject({ role: "a poet", question: "second?" });
  });

  it("prompt → model: system/placeholder/human template, variables beside chat_history", async () => {
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "You are {role}. Answer in {style} style."],
      new MessagesPlaceholder("history"),
      ["human", "{question}"],
    ]);
    const e = await modelEvent((c) =>
      prompt.pipe(model()).invoke(
        {
          role: "a pirate",
          style: "short",
          history: [new HumanMessage("hi"), new AIMessage("ahoy")],
          question: "why is the sea salty?",
        },
        c as never,
      ),
    );
    expect(e.config?.template).toEqual([
      { role: "system", content: "You are {{role}}. Answer in {{style}} style." },
      { role: "user", content: "hi" },
      { role: "assistant", content: "ahoy" },
      { role: "user", content: "{{question}}" },
    ]);
    expect(e.inputs).toEqual({
      role: "a pirate",
      style: "short",
      question: "why is the sea salty?",
      chat_history: [
        { role: "system", content: "You are a pirate. Answer in short style." },
        { role: "user", content: "hi" },
        { role: "assistant", content: "ahoy" },
        { role: "user", content: "why is the sea salty?" },
      ],
    });
    // The prompt's own chain event shows messages, not LangChain's serialization internals.
    const promptEvent = byName(hh.collector.events, "ChatPromptTemplate");
    expect(JSON.stringify(promptEvent)).not.toMatch(/lc_serializable|lc_kwargs|lc_namespace/);
    expect((promptEvent.outputs?.messages as unknown[] | undefined)?.[0]).toEqual({
      role: "system",
      content: "You are a pirate. Answer in short style.",
    });
  });

  it("a template inside a LangGraph node links to the model the node calls", async () => {
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "Summarize for {audience}."],
      ["human", "{text}"],
    ]);
    const llm = model();
    const State = Annotation.Root({ text: Annotation<string>(), summary: Annotation<string>() });
    const graph = new StateGraph(State)
      .addNode("summarize", async (s) => {
        const value = await prompt.invoke({ audience: "kids", text: s.text });
        const reply = await llm.invoke(value);
        return { summary: String(reply.content) };
      })
      .addEdge(START, "summarize")
      .addEdge("summarize", END)
      .compile();
    const e = await modelEvent((c) => graph.invoke({ text: "The tide rises." }, c as never));
    expect(e.config?.template).toEqual([
      { role: "system", content: "Summarize for {{audience}}." },
      { role: "user", content: "{{text}}" },
    ]);
    expect(e.inputs).toMatchObject({ audience: "kids", text: "The tide rises." });
  });

  it("a partial template: the partial variable is read off the rendered prompt", async () => {
    const prompt = await ChatPromptTemplate.fromMessages([
      ["system", "You are {role}."],
      ["human", "{question}"],
    ]).partial({ role: "a librarian" });
    const e = await modelEvent((c) => prompt.pipe(model()).invoke({ question: "a book?" }, c as never));
    expect(e.config?.template).toEqual([
      { role: "system", content: "You are {{role}}." },
      { role: "user", content: "{{question}}" },
    ]);
    expect(e.inputs).toMatchObject({ role: "a librarian", question: "a book?" });
  });

  it("a few-shot template: examples are part of the template as rendered", async () => {
    const fewShot = new FewShotChatMessagePromptTemplate({
      examplePrompt: ChatPromptTemplate.fromMessages([
        ["human", "{input}"],
        ["ai", "{output}"],
      ]),
      examples: [
        { input: "2+2", output: "4" },
        { input: "2+3", output: "5" },
      ],
      inputVariables: [],
    });
    // fromMessages' types predate FewShotChatMessagePromptTemplate; LangChain accepts it at run time.
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "You do sums."],
      fewShot as unknown as ChatPromptTemplate,
      ["human", "{input}"],
    ]);
    const e = await modelEvent((c) => prompt.pipe(model()).invoke({ input: "3+3" }, c as never));
    expect(e.config?.template).toEqual([
      { role: "system", content: "You do sums." },
      { role: "user", content: "2+2" },
      { role: "assistant", content: "4" },
      { role: "user", content: "2+3" },
      { role: "assistant", content: "5" },
      { role: "user", content: "{{input}}" },
    ]);
    expect(e.inputs).toMatchObject({ input: "3+3" });
  });

  it("mustache templates and f-string escaped braces become HoneyHive {{var}} syntax", async () => {
    const mustache = ChatPromptTemplate.fromMessages([["human", "Hi {{{name}}}, you are {{ age }}."]], {
      templateFormat: "mustache",
    });
    const e1 = await modelEvent((c) => mustache.pipe(model()).invoke({ name: "Ada", age: 36 }, c as never));
    expect(e1.config?.template).toEqual([{ role: "user", content: "Hi {{name}}, you are {{age}}." }]);
    expect(e1.inputs).toMatchObject({ name: "Ada", age: 36 });
    hh.collector.reset();

    const fstring = ChatPromptTemplate.fromMessages([["human", 'Reply as JSON {{"city": "{city}"}}']]);
    const e2 = await modelEvent((c) => fstring.pipe(model()).invoke({ city: "Oslo" }, c as never));
    expect(e2.config?.template).toEqual([{ role: "user", content: 'Reply as JSON {"city": "{{city}}"}' }]);
  });

  it("PromptTemplate → completion LLM: the template is a string", async () => {
    const prompt = PromptTemplate.fromTemplate("Tell me about {topic} in {n} words.");
    const e = await modelEvent((c) =>
      prompt.pipe(new FakeLLM({ response: "ok" })).invoke({ topic: "tides", n: 5 }, c as never),
    );
    expect(e.config?.template).toBe("Tell me about {{topic}} in {{n}} words.");
    expect(e.inputs).toEqual({ topic: "tides", n: 5, prompt: "Tell me about tides in 5 words." });
  });

  it("PromptTemplate → chat model: one user message template", async () => {
    const prompt = PromptTemplate.fromTemplate("Tell me a joke about {topic}");
    const e = await modelEvent((c) => prompt.pipe(model()).invoke({ topic: "cats" }, c as never));
    expect(e.config?.template).toEqual([{ role: "user", content: "Tell me a joke about {{topic}}" }]);
    expect(e.inputs).toMatchObject({ topic: "cats" });
  });

  it("not linked, so not sent: the model got other messages than the prompt produced", async () => {
    const prompt = ChatPromptTemplate.fromMessages([["human", "{question}"]]);
    // The app rebuilds the messages: same text, but not the prompt's output.
    const rebuild = RunnableLambda.from((v: { messages: unknown[] }) => [
      new SystemMessage("Be brief."),
      ...v.messages.map((m) => new HumanMessage(String((m as HumanMessage).content))),
    ]);
    const e = await modelEvent((c) =>
      prompt
        .pipe(rebuild)
        .pipe(model())
        .invoke({ question: "q?" }, c as never),
    );
    expect(e.config).not.toHaveProperty("template");
    expect(e.inputs).toEqual({
      chat_history: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "q?" },
      ],
    });
  });

  it("not linked, so not sent: the prompt's messages are not the start of the model's input", async () => {
    const prompt = ChatPromptTemplate.fromMessages([["human", "{question}"]]);
    const prepend = RunnableLambda.from((v: { messages: BaseMessage[] }): BaseMessage[] => [
      new SystemMessage("Be brief."),
      ...v.messages,
    ]);
    const e = await modelEvent((c) =>
      prompt
        .pipe(prepend)
        .pipe(model())
        .invoke({ question: "q?" }, c as never),
    );
    expect(e.config).not.toHaveProperty("template");
    expect(Object.keys(e.inputs)).toEqual(["chat_history"]);
  });
});
