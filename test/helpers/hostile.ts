/**
 * A generator of hostile application values: what apps really hand LangChain (and what a fuzzer
 * would), for the property-style tests. Seeded and deterministic: the same seed gives the same
 * values, so a failure names a case that can be replayed.
 *
 * Each case is a factory, because some values are single-use (a revoked Proxy) or must be fresh
 * (a getter that counts its reads).
 */
import { Document } from "@langchain/core/documents";
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";

export interface HostileCase {
  name: string;
  make(): unknown;
  /** Several MB: too slow to run through every path in every test. */
  huge?: boolean;
}

/** mulberry32: a tiny, good-enough seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Point {
  #secret = "private fields are not own properties";
  constructor(
    public x: number,
    public y: number,
  ) {}
  get norm(): number {
    return Math.hypot(this.x, this.y) + this.#secret.length * 0;
  }
}

/** Hides a field from JSON with `toJSON` (a secret must stay hidden). */
export class DbCredentials {
  constructor(
    public user: string,
    public password: string,
  ) {}
  toJSON(): unknown {
    return { user: this.user, password: "***" };
  }
}

/** A decimal.js-like value whose `toJSON` is its string. */
export class Decimal {
  d = [1999];
  e = 1;
  s = 1;
  toJSON(): string {
    return "19.99";
  }
}

const boom = (what: string) => () => {
  throw new Error(`${what} exploded`);
};

function cyclic(): unknown {
  const a: Record<string, unknown> = { name: "a" };
  const b: Record<string, unknown> = { name: "b", a };
  a.b = b;
  a.self = a;
  a.list = [a, b, { back: a }];
  return a;
}

function deep(levels: number, asArray: boolean): unknown {
  let v: unknown = "bottom";
  for (let i = 0; i < levels; i++) v = asArray ? [v] : { level: i, next: v };
  return v;
}

/** A getter that returns a new object on every read (never the same identity: no cycle to detect). */
function endlessGetter(): unknown {
  const make = (n: number): object => ({
    n,
    get next() {
      return make(n + 1);
    },
  });
  return make(0);
}

function throwingProxy(): unknown {
  return new Proxy(
    {},
    {
      get: boom("get trap"),
      has: boom("has trap"),
      ownKeys: boom("ownKeys trap"),
      getOwnPropertyDescriptor: boom("descriptor trap"),
    },
  );
}

function throwingPrototypeProxy(): unknown {
  return new Proxy({ a: 1 }, { getPrototypeOf: boom("getPrototypeOf trap") });
}

function revokedProxy(): unknown {
  const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
  revoke();
  return proxy;
}

function lyingProxy(): unknown {
  // Keys that change on every call, values that change on every read.
  let n = 0;
  return new Proxy({} as Record<string, unknown>, {
    ownKeys: () => [`k${n++}`, `k${n++}`],
    getOwnPropertyDescriptor: () => ({ value: n, enumerable: true, configurable: true, writable: true }),
    get: () => ({ n: n++ }),
  });
}

/** What undici's fetch throws when the connection is refused: a TypeError with a coded cause. */
export function fetchFailed(): Error {
  const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
    errno: -111,
    code: "ECONNREFUSED",
    syscall: "connect",
    address: "127.0.0.1",
    port: 9,
  });
  return new TypeError("fetch failed", { cause });
}

function selfCausedError(): Error {
  const e = new Error("I caused myself") as Error & { cause?: unknown };
  e.cause = e;
  return e;
}

function errorWithThrowingGetter(): Error {
  const e = new Error("has a bad property");
  Object.defineProperty(e, "details", { enumerable: true, get: boom("error getter") });
  return e;
}

function messageWithHostileKwargs(): unknown {
  const extra: Record<string, unknown> = { big: 1n };
  extra.self = extra;
  return new HumanMessage({ content: "hi", additional_kwargs: extra });
}

function bigPlain(rand: () => number): unknown {
  // ~3 MB of small records.
  return Array.from({ length: 4000 }, (_, i) => ({
    id: i,
    label: `item ${i} ${Math.floor(rand() * 1e6)}`,
    score: rand(),
    tags: ["a", "b", i % 2 ? "odd" : "even"],
    text: "lorem ipsum dolor sit amet ".repeat(25),
  }));
}

const SCALARS = (rand: () => number): unknown[] => [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -0,
  2n ** 70n,
  undefined,
  null,
  Symbol("s"),
  () => 1,
  "\ud83d",
  `ok-${Math.floor(rand() * 100)}`,
  true,
];

/** A random nested mix of everything above, up to `depth` levels. */
function mixed(rand: () => number, depth: number): unknown {
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)] as T;
  if (depth === 0 || rand() < 0.25) return pick(SCALARS(rand));
  const kind = Math.floor(rand() * 8);
  const children = () => Array.from({ length: 1 + Math.floor(rand() * 4) }, () => mixed(rand, depth - 1));
  switch (kind) {
    case 0:
      return children();
    case 1:
      return new Map(children().map((v, i) => [i % 2 ? `k${i}` : { key: i }, v]));
    case 2:
      return new Set(children());
    case 3: {
      const o: Record<string | symbol, unknown> = Object.create(null);
      for (const [i, v] of children().entries()) o[`f${i}`] = v;
      o[Symbol("hidden")] = "symbol-keyed";
      if (rand() < 0.5) Object.defineProperty(o, "bad", { enumerable: true, get: boom("mixed getter") });
      return rand() < 0.5 ? Object.freeze(o) : o;
    }
    case 4:
      return new Error(`mixed ${Math.floor(rand() * 100)}`, { cause: mixed(rand, depth - 1) });
    case 5:
      return new Point(rand(), rand());
    case 6: {
      // Decided now, so every call of toJSON answers the same.
      const json = mixed(rand, depth - 1);
      return { toJSON: () => json };
    }
    default: {
      const o: Record<string, unknown> = {
        when: new Date(Math.floor(rand() * 2e12)),
        bytes: new Uint16Array(3),
      };
      o.loop = o;
      for (const [i, v] of children().entries()) o[`c${i}`] = v;
      return o;
    }
  }
}

/** Every hostile case, deterministic for a seed. */
export function hostileCases(seed = 42): HostileCase[] {
  const rand = prng(seed);
  const cases: HostileCase[] = [
    { name: "cycle (self, mutual, through an array)", make: cyclic },
    { name: "BigInt", make: () => ({ amount: 2n ** 64n, list: [1n, -5n] }) },
    {
      name: "Symbol keys and values",
      make: () => ({ [Symbol("key")]: "hidden", visible: Symbol("value"), list: [Symbol("x")] }),
    },
    {
      name: "throwing getter (siblings kept)",
      make: () => {
        const o: Record<string, unknown> = { before: 1, after: 2 };
        Object.defineProperty(o, "bad", { enumerable: true, get: boom("getter") });
        return o;
      },
    },
    { name: "throwing toJSON", make: () => ({ ok: true, value: { toJSON: boom("toJSON") } }) },
    { name: "root Proxy whose traps throw", make: throwingProxy },
    { name: "nested Proxy whose traps throw", make: () => ({ ok: 1, proxy: throwingProxy() }) },
    { name: "Proxy whose getPrototypeOf throws", make: throwingPrototypeProxy },
    { name: "revoked Proxy", make: () => ({ ok: 1, revoked: revokedProxy() }) },
    { name: "Proxy that lies about its keys and values", make: lyingProxy },
    {
      name: "lone surrogates in strings and keys",
      make: () => ({ text: "a\ud800b", tail: "end\udbff", "key\udc00": "value", list: ["\udfff"] }),
    },
    {
      name: "NaN, Infinity, -0",
      make: () => ({ nan: Number.NaN, inf: Number.POSITIVE_INFINITY, ninf: -Infinity, negZero: -0 }),
    },
    { name: "undefined, functions", make: () => ({ u: undefined, f() {}, list: [undefined, () => 1] }) },
    { name: "6 MB string", make: () => ({ text: "x".repeat(6 * 1024 * 1024) }), huge: true },
    { name: "3 MB of small records", make: () => ({ rows: bigPlain(rand) }), huge: true },
    { name: "10,000 levels of objects", make: () => deep(10_000, false) },
    { name: "10,000 levels of arrays", make: () => ({ nested: deep(10_000, true) }) },
    { name: "class instances (getters, private fields)", make: () => ({ point: new Point(3, 4) }) },
    { name: "toJSON that hides a secret", make: () => ({ db: new DbCredentials("app", "hunter2") }) },
    { name: "Decimal-like with toJSON", make: () => ({ price: new Decimal() }) },
    {
      name: "typed arrays, ArrayBuffer, Buffer, DataView",
      make: () => ({
        u8: new Uint8Array(1024),
        f64: new Float64Array(8),
        ab: new ArrayBuffer(16),
        buf: Buffer.from("hello"),
        dv: new DataView(new ArrayBuffer(4)),
      }),
    },
    {
      name: "Map and Set (object keys, nested)",
      make: () => ({
        map: new Map<unknown, unknown>([
          ["a", 1],
          [{ k: 1 }, new Set([1, 2])],
          [Symbol("s"), "sym"],
          ["__proto__", "x"],
        ]),
        set: new Set([new Map([["x", 1]]), "y"]),
      }),
    },
    { name: "frozen object", make: () => Object.freeze({ a: Object.freeze([1, 2]), b: "c" }) },
    {
      name: "null-prototype object with an own __proto__ key",
      make: () => {
        const o = Object.create(null) as Record<string, unknown>;
        o.a = 1;
        Object.defineProperty(o, "__proto__", { value: { polluted: true }, enumerable: true });
        return { o, parsed: JSON.parse('{"__proto__": {"admin": true}, "b": 2}') };
      },
    },
    { name: "getter returning a new object every time", make: endlessGetter },
    {
      name: "Date, invalid Date, RegExp, URL",
      make: () => ({
        d: new Date(0),
        bad: new Date(Number.NaN),
        re: /x+/gi,
        url: new URL("https://example.com/a?b=c"),
      }),
    },
    { name: "Error with a cause chain (fetch failed)", make: () => ({ error: fetchFailed() }) },
    { name: "Error that is its own cause", make: () => ({ error: selfCausedError() }) },
    { name: "Error with a throwing getter", make: () => ({ error: errorWithThrowingGetter() }) },
    {
      name: "AggregateError",
      make: () => ({ error: new AggregateError([new Error("one"), fetchFailed()], "several failed") }),
    },
    {
      name: "LangChain message with hostile kwargs",
      make: () => ({ messages: [messageWithHostileKwargs()] }),
    },
    {
      name: "LangChain objects mixed with plain data",
      make: () => ({
        messages: [
          new HumanMessage("hi"),
          new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "t", args: { n: 1n } }] }),
        ],
        tool: new ToolMessage({ content: "done", tool_call_id: "c1" }),
        docs: [new Document({ pageContent: "page", metadata: { n: Number.NaN } })],
      }),
    },
    { name: "Promise and WeakMap", make: () => ({ p: Promise.resolve(1), w: new WeakMap() }) },
    {
      name: "boxed primitives",
      make: () => ({ s: new String("s"), n: new Number(2), b: new Boolean(false) }),
    },
  ];
  for (let i = 0; i < 12; i++) {
    const caseSeed = Math.floor(rand() * 2 ** 31);
    cases.push({ name: `random mix #${i} (seed ${caseSeed})`, make: () => mixed(prng(caseSeed), 5) });
  }
  return cases;
}
