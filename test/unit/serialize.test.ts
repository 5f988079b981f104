/**
 * The one conversion routine (SPEC §4 "Values are captured…", §5): known answers for every rule.
 * The same rules end to end through real runs are in e2e/serialization.test.ts.
 */
import { Document } from "@langchain/core/documents";
import { AIMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { ChatPromptValue } from "@langchain/core/prompt_values";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_LIMITS,
  MessageTextCache,
  type SerializeLimits,
  toJsonObjectText,
  toJsonSafe,
  toJsonText,
} from "../../src/mapping/to-json.js";
import { describeError } from "../../src/mapping/values.js";
import { DbCredentials, Decimal, fetchFailed } from "../helpers/hostile.js";

/** The text and the tree must agree; returns the tree. */
function convert(value: unknown, limits: SerializeLimits = DEFAULT_LIMITS): unknown {
  const text = toJsonText(value, limits);
  expect(JSON.stringify(toJsonSafe(value, limits))).toBe(text);
  return JSON.parse(text);
}

describe("toJsonText / toJsonSafe follow JSON where JSON has semantics", () => {
  it("honours toJSON: an object that hides a field from JSON hides it here", () => {
    expect(convert({ db: new DbCredentials("app", "hunter2") })).toEqual({
      db: { user: "app", password: "***" },
    });
    expect(convert({ price: new Decimal() })).toEqual({ price: "19.99" });
    expect(toJsonText(new DbCredentials("app", "hunter2"))).not.toContain("hunter2");
  });

  it("passes the key to toJSON and does not call toJSON on what it returned", () => {
    const keys: string[] = [];
    const spy = {
      toJSON: (key: string) => {
        keys.push(key);
        return { inner: { toJSON: () => "inner-json" } };
      },
    };
    expect(convert({ a: spy, list: [spy] })).toEqual({
      a: { inner: "inner-json" },
      list: [{ inner: "inner-json" }],
    });
    expect(keys).toEqual(["a", "0", "a", "0"]);
    const self = {
      x: 1,
      toJSON() {
        return this;
      },
    };
    expect(convert(self)).toEqual({ x: 1 });
  });

  it("NaN and ±Infinity are null; undefined, functions and symbols are omitted in objects, null in arrays", () => {
    const value = {
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY,
      u: undefined,
      f() {},
      s: Symbol("s"),
      [Symbol("key")]: "symbol keys are skipped",
      list: [undefined, () => 1, Symbol("x"), Number.NaN],
    };
    expect(toJsonText(value)).toBe('{"nan":null,"inf":null,"ninf":null,"list":[null,null,null,null]}');
    expect(toJsonText(undefined)).toBe("null");
    expect(toJsonText(() => 1)).toBe("null");
  });

  it("Dates use toJSON (an invalid Date is null); boxed primitives are unwrapped", () => {
    expect(convert({ d: new Date("2026-01-02T03:04:05.000Z"), bad: new Date(Number.NaN) })).toEqual({
      d: "2026-01-02T03:04:05.000Z",
      bad: null,
    });
    // biome-ignore lint/suspicious/noExplicitAny: boxed primitives on purpose
    const boxed = { s: new String("s"), n: new Number(2), b: new Boolean(false) } as any;
    expect(convert(boxed)).toEqual({ s: "s", n: 2, b: false });
  });

  it("class instances are their own enumerable properties (prototype getters are not)", () => {
    class Point {
      #hidden = 1;
      constructor(
        public x: number,
        public y: number,
      ) {}
      get norm() {
        return Math.hypot(this.x, this.y) + this.#hidden;
      }
    }
    expect(convert({ p: new Point(3, 4) })).toEqual({ p: { x: 3, y: 4 } });
  });
});

describe("…and keeps what JSON loses", () => {
  it("Errors keep name, message, stack, own properties and the cause chain", () => {
    const out = convert({ error: fetchFailed() }) as { error: Record<string, unknown> };
    expect(out.error).toMatchObject({
      name: "TypeError",
      message: "fetch failed",
      cause: {
        name: "Error",
        message: "connect ECONNREFUSED 127.0.0.1:9",
        code: "ECONNREFUSED",
        errno: -111,
      },
    });
    expect(String(out.error.stack)).toContain("TypeError: fetch failed");
    const self = new Error("loop") as Error & { cause?: unknown };
    self.cause = self;
    expect((convert(self) as Record<string, unknown>).cause).toBe("[Circular]");
  });

  it("AggregateError keeps its errors", () => {
    const out = convert(new AggregateError([new Error("one"), fetchFailed()], "many")) as Record<
      string,
      unknown
    >;
    expect(out).toMatchObject({
      name: "AggregateError",
      message: "many",
      errors: [{ message: "one" }, { message: "fetch failed", cause: { code: "ECONNREFUSED" } }],
    });
  });

  it("Map becomes an object of entries, Set an array; keys print as String() does, first wins", () => {
    const map = new Map<unknown, unknown>([
      ["a", 1],
      [2, "two"],
      ["2", "duplicate key: dropped"],
      ["skip", undefined],
    ]);
    expect(convert({ map, set: new Set([1, "x", new Set([2])]) })).toEqual({
      map: { a: 1, "2": "two" },
      set: [1, "x", [2]],
    });
  });

  it("an own __proto__ key (from JSON.parse) is a real key in the text", () => {
    const parsed = JSON.parse('{"__proto__": {"admin": true}, "b": 2}');
    const text = toJsonText({ parsed });
    expect(text).toBe('{"parsed":{"__proto__":{"admin":true},"b":2}}');
    const tree = toJsonSafe({ parsed, map: new Map([["__proto__", 1]]) }) as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(tree.parsed ?? {})).toEqual(["__proto__", "b"]);
    expect(Object.hasOwn(tree.map ?? {}, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("BigInt is a decimal string", () => {
    expect(convert({ n: 2n ** 70n, list: [-1n] })).toEqual({ n: "1180591620717411303424", list: ["-1"] });
  });

  it("binary data is a short description (Buffer's toJSON would list every byte)", () => {
    expect(
      convert({
        buf: Buffer.from("hello"),
        u8: new Uint8Array(3),
        ab: new ArrayBuffer(8),
        dv: new DataView(new ArrayBuffer(2)),
      }),
    ).toEqual({
      buf: "[Buffer 5 bytes]",
      u8: "[Uint8Array 3 bytes]",
      ab: "[ArrayBuffer 8 bytes]",
      dv: "[DataView 2 bytes]",
    });
  });

  it("RegExp keeps its source; a Promise is a marker", () => {
    expect(convert({ re: /a+/g, p: Promise.resolve(1) })).toEqual({ re: "/a+/g", p: "[Promise]" });
  });
});

describe("LangChain objects are converted before toJSON", () => {
  it("messages, documents and prompt values, never lc_* internals or constructor wrappers", () => {
    const value = {
      messages: [new SystemMessage("be terse"), new HumanMessage("hi"), new AIMessage("hello")],
      docs: [new Document({ pageContent: "page", metadata: { source: "a.txt" } })],
      prompt: new ChatPromptValue([new HumanMessage("What is 2+2?")]),
      serialized: JSON.parse(JSON.stringify(new ChatPromptValue([new HumanMessage("from JSON")]))),
    };
    const text = toJsonText(value);
    for (const internal of ["lc_serializable", "lc_kwargs", "lc_namespace", '"lc":1', '"type":"constructor"'])
      expect(text).not.toContain(internal);
    expect(convert(value)).toEqual({
      messages: [
        { role: "system", content: "be terse" },
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
      ],
      docs: [{ page_content: "page", metadata: { source: "a.txt" } }],
      prompt: { messages: [{ role: "user", content: "What is 2+2?" }] },
      serialized: { messages: [{ role: "user", content: "from JSON" }] },
    });
  });
});

describe("tool call arguments", () => {
  it("are written by the same routine (BigInt, Dates, cycles), never as [object Object]", () => {
    const args: Record<string, unknown> = { n: 1n, when: new Date(0) };
    args.self = args;
    const message = new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "t", args }] });
    const out = convert({ message }) as { message: { tool_calls: { function: { arguments: string } }[] } };
    expect(JSON.parse(out.message.tool_calls[0]?.function.arguments ?? "")).toEqual({
      n: "1",
      when: "1970-01-01T00:00:00.000Z",
      self: "[Circular]",
    });
  });
});

describe("values that cannot be read become markers, siblings kept, and the call never throws", () => {
  const boom = (what: string) => () => {
    throw new Error(what);
  };

  it("throwing getter, throwing toJSON, throwing Proxy traps", () => {
    const getter = { before: 1, after: 2 };
    Object.defineProperty(getter, "bad", { enumerable: true, get: boom("getter") });
    const proxy = new Proxy({}, { get: boom("get trap"), ownKeys: boom("ownKeys trap") });
    expect(convert({ getter, json: { toJSON: boom("toJSON") }, proxy, ok: true })).toEqual({
      getter: { before: 1, after: 2, bad: "[Unreadable: Error: getter]" },
      json: "[Unreadable: Error: toJSON]",
      proxy: "[Unreadable: Error: get trap]",
      ok: true,
    });
    expect(toJsonText(proxy)).toBe('"[Unreadable: Error: get trap]"');
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(String(convert(revoked))).toMatch(/^\[Unreadable: TypeError: /);
  });

  it("cycles become [Circular]; shared (non-cyclic) references are written each time", () => {
    const shared = { s: 1 };
    const a: Record<string, unknown> = { shared, again: shared };
    a.self = a;
    const map = new Map<string, unknown>();
    map.set("me", map);
    expect(convert({ a, map })).toEqual({
      a: { shared: { s: 1 }, again: { s: 1 }, self: "[Circular]" },
      map: { me: "[Circular]" },
    });
  });

  it("lone surrogates become U+FFFD, in strings and keys; a cut never splits a pair", () => {
    const text = toJsonText({ s: "a\ud800b", "k\udc00": 1, list: ["\udbff"] });
    expect((text as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
    expect(JSON.parse(text)).toEqual({ s: "a\ufffdb", "k\ufffd": 1, list: ["\ufffd"] });
    const cut = toJsonSafe("ab😀cd", { ...DEFAULT_LIMITS, maxStringLength: 3 }) as string;
    expect(cut.startsWith("ab…[truncated 4 characters]")).toBe(true);
  });
});

describe("limits, each with a visible marker", () => {
  const small: SerializeLimits = { maxStringLength: 5, maxDepth: 3, maxItems: 2, maxNodes: 4 };

  it("string length, depth, items per container (arrays, objects, Maps, Sets)", () => {
    expect(convert({ s: "abcdefgh" }, small)).toEqual({ s: "abcde…[truncated 3 characters]" });
    expect(convert({ a: { b: { c: { d: 1 } } } }, small)).toEqual({ a: { b: { c: "[MaxDepth]" } } });
    expect(convert([1, 2, 3, 4], small)).toEqual([1, 2, "…[truncated 2 more items]"]);
    expect(convert({ a: 1, b: 2, c: 3 }, small)).toEqual({ a: 1, b: 2, "…[truncated": "1 more keys]" });
    expect(convert(new Set([1, 2, 3]), small)).toEqual([1, 2, "…[truncated 1 more items]"]);
    expect(
      convert(
        new Map([
          ["a", 1],
          ["b", 2],
          ["c", 3],
        ]),
        small,
      ),
    ).toEqual({ a: 1, b: 2, "…[truncated": "1 more keys]" });
  });

  it("objects per value", () => {
    expect(convert([[1], [2], [3], [4], [5]], { ...small, maxItems: 10 })).toEqual([
      [1],
      [2],
      [3],
      "…[truncated: more than 4 objects in one value]",
      "…[truncated: more than 4 objects in one value]",
    ]);
  });

  it("the fast path (plain data) and the walk agree at every limit", () => {
    const plain = { a: [1, 2, { b: "long string here", c: [[[["deep"]]]] }], d: { e: 1, f: 2, g: 3 } };
    for (const limits of [small, { ...small, maxNodes: 100 }, { ...small, maxDepth: 10 }, DEFAULT_LIMITS]) {
      const viaTree = JSON.stringify(toJsonSafe(plain, limits));
      expect(toJsonText(plain, limits)).toBe(viaTree);
    }
  });

  it("a getter returning a new object each time ends at the depth limit", () => {
    const make = (n: number): object => ({
      n,
      get next() {
        return make(n + 1);
      },
    });
    expect(toJsonText(make(0))).toContain('"[MaxDepth]"');
  });
});

describe("the message text cache (an agent turn converts each message once)", () => {
  const tool = new AIMessage({
    content: "",
    tool_calls: [{ id: "c1", name: "lookup", args: { city: "Paris", n: 10n }, type: "tool_call" }],
  });
  const history = [new SystemMessage("be brief"), new HumanMessage("weather?"), tool];

  it("gives the same text as no cache, wherever the messages sit, run after run", () => {
    const cache = new MessageTextCache(DEFAULT_LIMITS);
    const values = [
      { chat_history: history },
      { messages: history },
      history,
      { deep: { deeper: { messages: history } } },
      history[1],
    ];
    for (let round = 0; round < 2; round++) {
      for (const value of values)
        expect(toJsonText(value, DEFAULT_LIMITS, cache)).toBe(toJsonText(value, DEFAULT_LIMITS));
    }
  });

  it("does not carry text across limits: a message near the depth or object limit is written afresh", () => {
    const limits: SerializeLimits = { ...DEFAULT_LIMITS, maxDepth: 6, maxNodes: 12 };
    const cache = new MessageTextCache(limits);
    let nested: unknown = { messages: history };
    const shallow = toJsonText(nested, limits, cache);
    expect(shallow).toBe(toJsonText(nested, limits));
    for (let i = 0; i < 4; i++) {
      nested = { level: nested };
      expect(toJsonText(nested, limits, cache)).toBe(toJsonText(nested, limits));
    }
    expect(toJsonText(nested, limits, cache)).toContain("[MaxDepth]");
    const many = { a: history, b: history, c: history };
    expect(toJsonText(many, limits, cache)).toBe(toJsonText(many, limits));
    // A cache made for other limits is not used.
    const other = { ...DEFAULT_LIMITS, maxStringLength: 3 };
    expect(toJsonText(history, other, cache)).toBe(toJsonText(history, other));
  });

  it("never remembers plain objects: an app that edits its own message sees each version recorded", () => {
    const cache = new MessageTextCache(DEFAULT_LIMITS);
    // Plain, yet message-like (duck-typed `_getType`): still the app's object, so read every time.
    const mine = { content: "first", _getType: () => "human" };
    const messages: unknown[] = [mine];
    expect(JSON.parse(toJsonText({ messages }, DEFAULT_LIMITS, cache))).toEqual({
      messages: [{ role: "user", content: "first" }],
    });
    mine.content = "second";
    messages.push(new HumanMessage("more"));
    expect(JSON.parse(toJsonText({ messages }, DEFAULT_LIMITS, cache))).toEqual({
      messages: [
        { role: "user", content: "second" },
        { role: "user", content: "more" },
      ],
    });
  });
});

describe("object wrappers", () => {
  it("toJsonObjectText wraps what does not convert to an object", () => {
    expect(toJsonObjectText("x", "input")).toBe('{"input":"x"}');
    expect(toJsonObjectText(new Decimal(), "output")).toBe('{"output":"19.99"}');
    expect(toJsonObjectText(new Set([1]), "output")).toBe('{"output":[1]}');
    expect(toJsonObjectText(new Map([["a", 1]]), "output")).toBe('{"a":1}');
    expect(JSON.parse(toJsonObjectText(new Date(0), "input"))).toEqual({ input: "1970-01-01T00:00:00.000Z" });
  });
});

describe("describeError", () => {
  it("keeps the cause chain and own properties beside the error line", () => {
    const info = describeError(fetchFailed());
    expect(info.error).toBe("TypeError: fetch failed");
    expect(toJsonSafe(info.metadata)).toMatchObject({
      error_cause: { message: "connect ECONNREFUSED 127.0.0.1:9", code: "ECONNREFUSED" },
    });
    const coded = Object.assign(new Error("rate limited"), {
      status: 429,
      lc_error_code: "MODEL_RATE_LIMIT",
    });
    expect(describeError(coded).metadata.error_details).toEqual({
      status: 429,
      lc_error_code: "MODEL_RATE_LIMIT",
    });
  });

  it("never throws: cyclic and BigInt-bearing thrown objects, throwing toJSON, throwing Proxies", () => {
    const cyclic: Record<string, unknown> = { code: 7 };
    cyclic.self = cyclic;
    expect(describeError(cyclic).error).toBe('Error: {"code":7,"self":"[Circular]"}');
    expect(describeError({ amount: 1n }).error).toBe('Error: {"amount":"1"}');
    expect(
      describeError({
        toJSON() {
          throw new Error("no");
        },
      }).error,
    ).toBe('Error: "[Unreadable: Error: no]"');
    const proxy = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
      },
    );
    expect(describeError(proxy).error).toBe("Error: [Unreadable: Error: trap]");
    expect(describeError("plain string").error).toBe("Error: plain string");
    expect(describeError(undefined).error).toBe("Error: undefined");
  });
});

describe("wide values", () => {
  it("a wide object nested deep has its keys listed twice at most, not once per level above it", () => {
    const target: Record<string, number> = {};
    for (let i = 0; i < 6_000; i++) target[`k${i}`] = i;
    let listings = 0;
    const wide = new Proxy(target, {
      ownKeys(t) {
        listings++;
        return Reflect.ownKeys(t);
      },
    });
    const value = { a: { b: { c: { d: { wide } } } } };
    const text = toJsonText(value);
    const parsed = JSON.parse(text) as { a: { b: { c: { d: { wide: Record<string, unknown> } } } } };
    const kept = parsed.a.b.c.d.wide;
    expect(Object.keys(kept)).toHaveLength(DEFAULT_LIMITS.maxItems + 1);
    expect(kept["…[truncated"]).toBe(`${6_000 - DEFAULT_LIMITS.maxItems} more keys]`);
    // Once to find it is too wide for the fast path, once to write its first keys.
    expect(listings).toBeLessThanOrEqual(2);
  });

  it("a wide object's keys are listed once: the fast path's proof hands its list to the walk", () => {
    const target: Record<string, number> = {};
    for (let i = 0; i < 6_000; i++) target[`k${i}`] = i;
    let listings = 0;
    const wide = new Proxy(target, {
      ownKeys(t) {
        listings++;
        return Reflect.ownKeys(t);
      },
    });
    const text = toJsonText({ data: { wide } });
    const kept = (JSON.parse(text) as { data: { wide: Record<string, unknown> } }).data.wide;
    expect(Object.keys(kept)).toHaveLength(DEFAULT_LIMITS.maxItems + 1);
    expect(kept.k4999).toBe(4999);
    expect(listings).toBe(1);
  });
});
