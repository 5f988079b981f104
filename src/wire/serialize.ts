/**
 * Turns arbitrary application values into JSON that HoneyHive accepts, without ever throwing.
 *
 * Runs in the delivery pipeline, not in LangChain callbacks, so the deep walk costs the app
 * nothing on its hot path. Values JSON cannot carry are converted to something readable:
 * cycles, BigInt, Map/Set, Date, Error, Buffer and typed arrays, class instances, functions,
 * symbols, undefined. Long strings are cut with a visible marker.
 */
import { convertLangChainValue, type Dict } from "../mapping/langchain-objects.js";

export interface SerializeLimits {
  /** Longest string kept, in characters; longer strings are cut with a marker. */
  maxStringLength: number;
  /** Deepest nesting kept; deeper values become a marker. */
  maxDepth: number;
  /** Most array items / object keys kept per container. */
  maxItems: number;
  /**
   * Most objects and arrays walked in one value. Bounds the CPU one event can take on the event
   * loop (a peer's tracer lagged apps serializing huge payloads); the rest becomes a marker.
   */
  maxNodes: number;
}

export const DEFAULT_LIMITS: SerializeLimits = {
  maxStringLength: 100_000,
  maxDepth: 24,
  maxItems: 5_000,
  maxNodes: 100_000,
};

export const TRUNCATION_MARKER = "…[truncated";

function truncateString(value: string, limits: SerializeLimits): string {
  if (value.length <= limits.maxStringLength) return value;
  const cut = value.length - limits.maxStringLength;
  return `${value.slice(0, limits.maxStringLength)}${TRUNCATION_MARKER} ${cut} characters]`;
}

function describeBinary(value: ArrayBufferView | ArrayBuffer): string {
  const name = value.constructor?.name ?? "Binary";
  return `[${name} ${value.byteLength} bytes]`;
}

/** Converts a value to a JSON-safe value. Never throws. */
export function toJsonSafe(value: unknown, limits: SerializeLimits = DEFAULT_LIMITS): unknown {
  const ancestors: object[] = [];
  let nodes = 0;

  const walk = (v: unknown, depth: number): unknown => {
    switch (typeof v) {
      case "string":
        return truncateString(v, limits);
      case "number":
        return Number.isFinite(v) ? v : String(v);
      case "boolean":
        return v;
      case "bigint":
        return v.toString();
      case "undefined":
        return null;
      case "symbol":
        return v.toString();
      case "function":
        return `[Function ${v.name || "anonymous"}]`;
    }
    if (v === null) return null;
    const obj = v as object;
    if (ancestors.includes(obj)) return "[Circular]";
    if (depth >= limits.maxDepth) return "[MaxDepth]";
    if (++nodes > limits.maxNodes)
      return `${TRUNCATION_MARKER}: more than ${limits.maxNodes} objects in one value]`;
    ancestors.push(obj);
    try {
      return walkObject(obj, depth);
    } catch (err) {
      // A throwing getter or proxy: record that instead of failing the whole event.
      return `[Unserializable: ${err instanceof Error ? err.message : String(err)}]`;
    } finally {
      ancestors.pop();
    }
  };

  const walkEntries = (entries: Iterable<[string, unknown]>, depth: number): Dict => {
    const out: Dict = {};
    let count = 0;
    let dropped = 0;
    for (const [k, item] of entries) {
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      if (count >= limits.maxItems) {
        dropped++;
        continue;
      }
      out[k] = walk(item, depth + 1);
      count++;
    }
    if (dropped) out[TRUNCATION_MARKER] = `${dropped} more keys]`;
    return out;
  };

  /** The hot path: plain objects, walked by key without allocating entry tuples. */
  const walkPlain = (obj: Dict, depth: number): Dict => {
    const keys = Object.keys(obj);
    const out: Dict = {};
    let count = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      const item = obj[k];
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      if (count >= limits.maxItems) {
        out[TRUNCATION_MARKER] = `${keys.length - i} more keys]`;
        break;
      }
      out[k] = walk(item, depth + 1);
      count++;
    }
    return out;
  };

  const walkArray = (items: unknown[], depth: number): unknown[] => {
    const out = items.slice(0, limits.maxItems).map((item) => walk(item, depth + 1));
    if (items.length > limits.maxItems)
      out.push(`${TRUNCATION_MARKER} ${items.length - limits.maxItems} more items]`);
    return out;
  };

  const walkObject = (obj: object, depth: number): unknown => {
    if (Array.isArray(obj)) return walkArray(obj, depth);
    const proto = Object.getPrototypeOf(obj);
    // Plain objects are the common case. A plain object can still be a LangChain message: serialized
    // (lc: 1) or built by hand with _getType (as another copy of core may hand us).
    const plain = obj as Dict;
    if (
      (proto === Object.prototype || proto === null) &&
      plain.lc !== 1 &&
      typeof plain._getType !== "function" &&
      typeof plain.getType !== "function"
    ) {
      return walkPlain(plain, depth);
    }
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
    if (obj instanceof Error) {
      const out: Dict = { name: obj.name, message: truncateString(obj.message, limits) };
      if (obj.stack) out.stack = truncateString(obj.stack, limits);
      const extra = walkEntries(Object.entries(obj), depth);
      return { ...extra, ...out };
    }
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return describeBinary(obj);
    if (obj instanceof Map) {
      return walkEntries(
        Array.from(
          obj.entries(),
          ([k, item]) => [typeof k === "string" ? k : String(k), item] as [string, unknown],
        ),
        depth,
      );
    }
    if (obj instanceof Set) return walkArray(Array.from(obj), depth);
    if (obj instanceof RegExp) return obj.toString();
    if (obj instanceof URL) return obj.toString();
    if (typeof (obj as { then?: unknown }).then === "function") return "[Promise]";

    const converted = convertLangChainValue(obj as Dict);
    if (converted !== undefined) {
      // The converted shape holds fresh objects; walk it for its contents (tool call args, blocks).
      ancestors.pop();
      try {
        return walk(converted, depth);
      } finally {
        ancestors.push(obj);
      }
    }
    return walkPlain(obj as Dict, depth);
  };

  return walk(value, 0);
}

/** Like `toJsonSafe`, but always returns an object (scalars and arrays are wrapped under `key`). */
export function toJsonSafeObject(
  value: unknown,
  key: string,
  limits: SerializeLimits = DEFAULT_LIMITS,
): Dict {
  const safe = toJsonSafe(value, limits);
  if (typeof safe === "object" && safe !== null && !Array.isArray(safe)) return safe as Dict;
  return { [key]: safe };
}
