/**
 * The one conversion routine for application values: anything an app hands LangChain becomes JSON
 * text (or a JSON-safe tree) that HoneyHive accepts, and the call never throws.
 *
 * It runs on the app's hot path (values are snapshotted when the callback reports them), once per
 * value, so plain JSON data takes a fast path: a walk that proves a subtree is already plain JSON
 * within the limits, then native `JSON.stringify` for that subtree. Everything else is written by
 * hand, one value at a time, under these rules (SPEC §4):
 *
 * - Where JSON has semantics they are followed: `toJSON(key)` is honoured (an object that hides a
 *   field from JSON hides it here), `undefined` / functions / symbols are omitted from objects and
 *   `null` in arrays, NaN and ±Infinity are `null` (as JSON: a number field stays a number or
 *   nothing, never a string HoneyHive cannot aggregate), Symbol keys are skipped, boxed primitives
 *   are unwrapped, class instances are their own enumerable properties.
 * - What JSON loses is kept: an Error's name, message, stack, own properties, `cause` chain and an
 *   AggregateError's `errors`; Map entries (an object) and Set items (an array); BigInt (a decimal
 *   string); an own `__proto__` key (a real key, as `JSON.parse` made it); RegExp source.
 * - A `Converter` given by the caller is asked first, before `toJSON`, for its own kinds of objects.
 *   This module knows only JSON and JavaScript's built-ins; the mapping supplies the converter for
 *   LangChain objects (messages, documents, prompt values, anything `Serializable`, whose `toJSON`
 *   wrapper `{lc: 1, type: "constructor", …}` must never reach an event): see mapping/to-json.ts.
 * - Binary data (Buffer, typed arrays, ArrayBuffer) becomes a short description, before `toJSON`
 *   (Buffer's would be an array of every byte).
 * - A value that cannot be read (a throwing getter, Proxy trap or `toJSON`) becomes
 *   `"[Unreadable: <message>]"` in its place; its siblings are kept. Cycles become `"[Circular]"`.
 * - Limits, each with a visible marker: string length, depth, items per container, objects per
 *   value. Lone surrogates become U+FFFD so the text is well-formed Unicode.
 */
import type { Dict } from "../util/dict.js";
import { GenerationalWeakMap } from "../util/generational-weak-map.js";

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
const CIRCULAR_MARKER = "[Circular]";
const MAX_DEPTH_MARKER = "[MaxDepth]";
const UNREADABLE_MARKER = "[Unreadable";

/** ES2024 string methods (Node ≥ 20 has them; the project's `lib` is ES2023). */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** Lone surrogates are valid in JSON text but not in UTF-8 storage: replace them with U+FFFD. */
function wellFormed(s: string): string {
  // V8 answers in O(1) for one-byte strings, the common case.
  return (s as unknown as WellFormedString).isWellFormed()
    ? s
    : (s as unknown as WellFormedString).toWellFormed();
}

function truncateString(value: string, limits: SerializeLimits): string {
  if (value.length <= limits.maxStringLength) return value;
  let keep = Math.max(0, limits.maxStringLength);
  // Do not cut a surrogate pair in half.
  const last = value.charCodeAt(keep - 1);
  if (keep > 0 && last >= 0xd800 && last <= 0xdbff) keep--;
  return `${value.slice(0, keep)}${TRUNCATION_MARKER} ${value.length - keep} characters]`;
}

/**
 * A key with lone surrogates, as it is written: replaced by U+FFFD. Undefined when that collides
 * with another key of the object (the text must not repeat a key).
 */
function renamedKey(obj: object, key: string, renamed: Set<string>): string | undefined {
  const fixed = (key as unknown as WellFormedString).toWellFormed();
  if (Object.hasOwn(obj, fixed) || renamed.has(fixed)) return undefined;
  renamed.add(fixed);
  return fixed;
}

/** A message for the marker of a value that could not be read; reading the error must not throw either. */
function describeThrown(err: unknown): string {
  try {
    if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 300);
    if (typeof err === "string") return err.slice(0, 300);
    return typeof err;
  } catch {
    return "unknown error";
  }
}

export function unreadableMarker(err: unknown): string {
  return `${UNREADABLE_MARKER}: ${describeThrown(err)}]`;
}

/**
 * A marker the walk put in place of a value: kept whole whatever the string limit. Recognised by
 * a private brand, never `instanceof` (which would run an app Proxy's getPrototypeOf trap).
 */
class Marker {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  get text(): string {
    return this.#text;
  }
  static is(value: object): value is Marker {
    return #text in value;
  }
}

function describeBinary(value: ArrayBufferView | ArrayBuffer | SharedArrayBuffer): string {
  let name = "Binary";
  try {
    name = value.constructor?.name || name;
  } catch {
    // A constructor getter that throws: the generic name will do.
  }
  return `[${name} ${value.byteLength} bytes]`;
}

function isPlainPrototype(proto: unknown): boolean {
  return proto === Object.prototype || proto === null;
}

/**
 * What a caller adds to the walk for its own kinds of objects; the mapping supplies one for
 * LangChain's (mapping/to-json.ts). Without one the walk knows JSON and JavaScript's built-ins only.
 */
export interface Converter {
  /**
   * What to write in place of `obj`, or undefined to leave it to the walk's own rules. Asked first
   * (before `toJSON`) for every object but arrays and binary data; `plain` says its prototype is
   * Object.prototype or null. The result is written as it is (the walk converts what it contains,
   * not the result itself again). May throw: the value becomes an unreadable marker.
   *
   * The fast path writes provably plain JSON without asking, so for a plain object that has no
   * function-valued property and no `tag` the answer must be undefined.
   */
  convert(obj: object, plain: boolean): unknown;
  /** A `[key, value]` property that marks plain data as the converter's (LangChain's `lc: 1`). */
  readonly tag?: readonly [key: string, value: unknown];
  /**
   * True for an object that never changes once made (LangChain treats its messages so), whose text
   * a `TextCache` may therefore remember by identity. Must be false for plain objects and arrays:
   * those belong to the app, which may change them between two callbacks.
   */
  immutable?(obj: object): boolean;
  /**
   * What to write in place of a string longer than `maxStringLength` (which would otherwise be
   * cut with a marker), or undefined to cut it. Only such strings are asked: strings within the
   * limit cost nothing extra. The mapping answers media references for data URLs (SPEC §4 "Media").
   */
  longString?(value: string): unknown;
}

/** Returned by `resolve` for values JSON omits (undefined, functions, symbols). */
const OMIT: unique symbol = Symbol("omit");
const CIRCULAR = new Marker(CIRCULAR_MARKER);
/** The fast path's tag value when there is no converter: equal to nothing an app holds. */
const NO_TAG: unique symbol = Symbol("no tag");

/** The text an immutable object was written as, valid where the walk's limits give the same text. */
class CachedText {
  readonly #text: string;
  /** Objects it counts against `maxNodes`. */
  readonly nodes: number;
  /** The deepest position it was written at without reaching `maxDepth`: valid there and above. */
  readonly depth: number;
  constructor(text: string, nodes: number, depth: number) {
    this.#text = text;
    this.nodes = nodes;
    this.depth = depth;
  }
  get text(): string {
    return this.#text;
  }
  static is(value: object): value is CachedText {
    return #text in value;
  }
}

/** An object converted for writing whose text is to be remembered once written. */
class ToCache {
  readonly #value: unknown;
  constructor(value: unknown) {
    this.#value = value;
  }
  get value(): unknown {
    return this.#value;
  }
  static is(value: object): value is ToCache {
    return #value in value;
  }
}

/**
 * JSON text of objects already written, by object identity, for one set of limits and one
 * `Serializer`; only objects its converter calls `immutable` are remembered. It exists for
 * LangChain messages: an agent turn hands every model call and every graph node the whole history
 * again, the messages in it are the same objects, and each is converted once.
 */
export class TextCache {
  readonly limits: SerializeLimits;
  /** Bounded by sets, not only by live keys: see GenerationalWeakMap (a turn's history fits many times). */
  readonly #texts = new GenerationalWeakMap<object, CachedText>(TEXT_CACHE_SETS);
  /** The serializer whose texts these are (the first to use the cache). */
  #owner: object | undefined;
  constructor(limits: SerializeLimits) {
    this.limits = limits;
  }
  /** True when `serializer` may use this cache with `limits`: texts of another converter would be wrong. */
  usableBy(serializer: object, limits: SerializeLimits): boolean {
    if (limits !== this.limits) return false;
    this.#owner ??= serializer;
    return this.#owner === serializer;
  }
  get(obj: object): CachedText | undefined {
    return this.#texts.get(obj);
  }
  set(obj: object, text: CachedText): void {
    this.#texts.set(obj, text);
  }
}

const TEXT_CACHE_SETS = 2_000;

/** Text that an object written once may not carry over to another place in another value. */
function placeDependent(text: string): boolean {
  return (
    text.includes(`"${MAX_DEPTH_MARKER}"`) ||
    text.includes(`"${CIRCULAR_MARKER}"`) ||
    text.includes(`${TRUNCATION_MARKER}: more than`)
  );
}

/**
 * How many entries a Map or Set had beyond those copied into an array / object (a WeakMap, not a
 * property: looking it up on an app's object must not run a Proxy trap).
 */
const moreOf = new WeakMap<object, number>();

/** A Set's first `maxItems` items, as an array. */
function setItems(set: Set<unknown>, limits: SerializeLimits): unknown[] {
  const out: unknown[] = [];
  for (const item of set) {
    if (out.length >= limits.maxItems) {
      moreOf.set(out, set.size - out.length);
      break;
    }
    out.push(item);
  }
  return out;
}

/**
 * A Map's entries as an object (keys as `String()` prints them; when two print alike the first
 * wins). Built as an object, not written entry by entry, so its key order is the one JSON.parse
 * gives back (integer-like keys first).
 */
function mapFields(map: Map<unknown, unknown>, limits: SerializeLimits): Dict {
  const out: Dict = Object.create(null);
  let kept = 0;
  let visited = 0;
  for (const [rawKey, item] of map) {
    visited++;
    if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
    const key = mapKey(rawKey);
    if (Object.hasOwn(out, key)) continue;
    if (kept >= limits.maxItems) {
      moreOf.set(out, map.size - visited + 1);
      break;
    }
    setKey(out, key, item);
    kept++;
  }
  return out;
}

/** The key a Map entry is written under: strings as they are, other keys as `String()` would. */
function mapKey(key: unknown): string {
  if (typeof key === "string") return key;
  try {
    if (typeof key === "symbol") return key.toString();
    return String(key);
  } catch (err) {
    return unreadableMarker(err);
  }
}

/** Own property read that cannot throw: a getter or Proxy trap that throws yields a marker. */
function read(obj: object, key: string | number): unknown {
  try {
    return (obj as Record<string | number, unknown>)[key];
  } catch (err) {
    return new Marker(unreadableMarker(err));
  }
}

/** Defines `key` as an own data property even when it is `__proto__`. */
function setKey(target: Dict, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Reads one property of an app's object; the walk's is `read` (a throw becomes a marker). */
export type PropertyReader = (obj: object, key: string) => unknown;

/**
 * An error as a plain object of what JSON would lose of it: `name` (a string, else "Error"),
 * `message`, `stack` (when a string), its own enumerable properties in their order, then its own
 * `cause` and `errors` (an AggregateError's) when those are not enumerable. Values are left raw:
 * the walk converts them (a cause is an Error again, so the chain is followed recursively), and
 * `describeError` (mapping/values.ts) lays the same parts out as an event's error and metadata.
 * Each property is read through `readKey`; besides it, only `Object.keys` / `Object.hasOwn` (a
 * Proxy's traps) may throw here.
 */
export function errorFields(err: object, readKey: PropertyReader = read): Dict {
  const out: Dict = Object.create(null);
  const name = readKey(err, "name");
  out.name = typeof name === "string" ? name : "Error";
  out.message = readKey(err, "message");
  const stack = readKey(err, "stack");
  if (typeof stack === "string") out.stack = stack;
  for (const key of Object.keys(err)) {
    if (key === "name" || key === "message" || key === "stack") continue;
    setKey(out, key, readKey(err, key));
  }
  if (!("cause" in out) && Object.hasOwn(err, "cause")) out.cause = readKey(err, "cause");
  if (!("errors" in out) && Object.hasOwn(err, "errors")) out.errors = readKey(err, "errors");
  return out;
}

/**
 * True when `JSON.stringify` of the prototype chain of plain data would differ from the own-key
 * walk (someone added enumerable keys or a `toJSON` to Object.prototype / Array.prototype). Then
 * the fast path is off. Checked once per call: cheap, and pollution can happen at any time.
 */
function prototypesPolluted(): boolean {
  for (const _ in Object.prototype) return true;
  return (
    typeof (Object.prototype as { toJSON?: unknown }).toJSON === "function" ||
    typeof (Array.prototype as { toJSON?: unknown }).toJSON === "function"
  );
}

/** The limits and the converter's tag, as the fast path's proof reads them. */
interface PlainLimits extends SerializeLimits {
  tagKey: string;
  tagValue: unknown;
}

/**
 * What one walk remembers of the fast path's proofs: objects and arrays wider than `maxItems` (so
 * not plain). Every ancestor's try of the fast path walks down to them again; listing a 400k-key
 * object's keys costs as much as writing it, so it is done once, not once per level above it.
 */
interface WalkState {
  /**
   * Objects found too wide for the fast path, with their keys as listed then: listing a 400k-key
   * object costs more than the writing of its first `maxItems` keys, so the walk reuses the list.
   */
  tooWide: WeakMap<object, string[]> | undefined;
}

/**
 * The number of objects in `obj` when it is plain JSON data within the limits — so that
 * `JSON.stringify(obj)` is exactly what the hand-written walk would produce — else -1. Plain
 * means: plain objects and arrays, strings within the length limit and well-formed, no BigInt,
 * no functions (a `toJSON`, or the `_getType` of a LangChain message), no converter's `tag` (the
 * converter is asked about those), within the depth, item and object budgets. Cycles exceed the
 * depth and fail.
 */
function plainSize(obj: object, depth: number, budget: number, limits: PlainLimits, walk: WalkState): number {
  if (depth >= limits.maxDepth || budget < 1 || walk.tooWide?.has(obj)) return -1;
  let used = 1;
  if (Array.isArray(obj)) {
    if (
      Object.getPrototypeOf(obj) !== Array.prototype ||
      typeof (obj as { toJSON?: unknown }).toJSON === "function"
    )
      return -1;
    const n = obj.length;
    if (n > limits.maxItems) return tooWide(obj, walk, undefined);
    for (let i = 0; i < n; i++) {
      const u = plainItemSize(obj[i], depth, budget - used, limits, walk);
      if (u < 0) return -1;
      used += u;
    }
    return used;
  }
  if (!isPlainPrototype(Object.getPrototypeOf(obj))) return -1;
  // Object.keys, not for-in: V8 lists every key of a wide object either way, and this list is kept.
  const keys = Object.keys(obj);
  if (keys.length > limits.maxItems) return tooWide(obj, walk, keys);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (!(key as unknown as WellFormedString).isWellFormed()) return -1;
    const item: unknown = (obj as Dict)[key];
    // Plain data the converter claims (LangChain's serialized `lc: 1`) is converted, not copied.
    if (item === limits.tagValue && key === limits.tagKey) return -1;
    const u = plainItemSize(item, depth, budget - used, limits, walk);
    if (u < 0) return -1;
    used += u;
  }
  return used;
}

function tooWide(obj: object, walk: WalkState, keys: string[] | undefined): -1 {
  walk.tooWide ??= new WeakMap();
  walk.tooWide.set(obj, keys ?? NO_KEYS);
  return -1;
}

const NO_KEYS: string[] = [];

/** `plainSize` of one array item or property value: 0 for a plain scalar, -1 when not plain. */
function plainItemSize(
  item: unknown,
  depth: number,
  budget: number,
  limits: PlainLimits,
  walk: WalkState,
): number {
  switch (typeof item) {
    case "string":
      return item.length > limits.maxStringLength || !(item as unknown as WellFormedString).isWellFormed()
        ? -1
        : 0;
    case "object":
      return item === null ? 0 : plainSize(item, depth + 1, budget, limits, walk);
    case "bigint":
    case "function":
      return -1;
    default:
      return 0;
  }
}

/** Writes one value as JSON text, or builds it as a tree. One instance per call: it holds the walk's state. */
class JsonWriter implements WalkState {
  out = "";
  tooWide: WeakMap<object, string[]> | undefined = undefined;
  #nodes = 0;
  readonly #ancestors: object[] = [];
  readonly #limits: PlainLimits;
  readonly #fast: boolean;
  readonly #converter: Converter | undefined;
  readonly #cache: TextCache | undefined;

  /** `cache` is one the caller checked is usable with these limits and this converter. */
  constructor(limits: PlainLimits, converter: Converter | undefined, cache: TextCache | undefined) {
    this.#limits = limits;
    this.#fast = !prototypesPolluted();
    this.#converter = converter;
    this.#cache = converter?.immutable ? cache : undefined;
  }

  writeRoot(value: unknown): void {
    const resolved = this.#resolve(value, "", 0);
    if (resolved === OMIT) this.out += "null";
    else this.#write(resolved, value, 0);
  }

  buildRoot(value: unknown): unknown {
    const resolved = this.#resolve(value, "", 0);
    return resolved === OMIT ? null : this.#build(resolved, value, 0);
  }

  /**
   * What JSON would write for `value` held under `key`: OMIT, a primitive, or an object to walk
   * (the value itself, or what it converts to). Never throws.
   */
  #resolve(value: unknown, key: string | number, depth: number): unknown {
    switch (typeof value) {
      case "string":
        if (value.length > this.#limits.maxStringLength) return this.#longString(value);
        return value;
      case "number":
      case "boolean":
        return value;
      case "bigint":
        return value.toString();
      case "undefined":
      case "function":
      case "symbol":
        return OMIT;
    }
    if (value === null) return null;
    const obj = value as object;
    if (Marker.is(obj)) return obj;
    if (this.#ancestors.includes(obj)) return CIRCULAR;
    try {
      const cache = this.#cache;
      if (cache !== undefined && this.#converter?.immutable?.(obj) === true) {
        const hit = cache.get(obj);
        if (hit !== undefined && depth <= hit.depth && this.#nodes + hit.nodes <= this.#limits.maxNodes)
          return hit;
        return new ToCache(this.#convert(obj, key, depth, false));
      }
      return this.#convert(obj, key, depth, false);
    } catch (err) {
      return new Marker(unreadableMarker(err));
    }
  }

  /** A string over the limit: the converter's replacement for it, else the string (cut when written). */
  #longString(value: string): unknown {
    const converter = this.#converter;
    if (converter?.longString === undefined) return value;
    try {
      return converter.longString(value) ?? value;
    } catch {
      return value;
    }
  }

  /** The rules for objects, in order; see the module comment. May throw (the caller marks it). */
  #convert(obj: object, key: string | number, depth: number, afterToJSON: boolean): unknown {
    if (Array.isArray(obj)) {
      const toJSON = (obj as { toJSON?: unknown }).toJSON;
      if (!afterToJSON && typeof toJSON === "function")
        return this.#afterToJSON(toJSON.call(obj, String(key)), key, depth);
      return obj;
    }
    const proto = Object.getPrototypeOf(obj);
    const dict = obj as Dict;
    const converter = this.#converter;
    if (isPlainPrototype(proto)) {
      // Plain data is the common case; the converter may still claim it (a serialized message).
      if (converter !== undefined) {
        const converted = converter.convert(obj, true);
        if (converted !== undefined) return converted;
      }
      if (!afterToJSON && typeof dict.toJSON === "function")
        return this.#afterToJSON((dict.toJSON as (k: string) => unknown)(String(key)), key, depth);
      return obj;
    }
    if (
      ArrayBuffer.isView(obj) ||
      obj instanceof ArrayBuffer ||
      (typeof SharedArrayBuffer === "function" && obj instanceof SharedArrayBuffer)
    )
      return new Marker(describeBinary(obj));
    if (converter !== undefined) {
      const converted = converter.convert(obj, false);
      if (converted !== undefined) return converted;
    }
    if (!afterToJSON && typeof dict.toJSON === "function")
      return this.#afterToJSON((dict.toJSON as (k: string) => unknown)(String(key)), key, depth);
    if (obj instanceof Error) return errorFields(obj);
    if (obj instanceof Map) return mapFields(obj, this.#limits);
    if (obj instanceof Set) return setItems(obj, this.#limits);
    if (obj instanceof RegExp) return obj.toString();
    if (obj instanceof Promise) return new Marker("[Promise]");
    if (obj instanceof String || obj instanceof Number || obj instanceof Boolean) return obj.valueOf();
    if (obj instanceof BigInt) return obj.toString();
    return obj;
  }

  /** JSON serializes what `toJSON` returned as it is, without calling its `toJSON` again. */
  #afterToJSON(result: unknown, key: string | number, depth: number): unknown {
    if (typeof result !== "object" || result === null) return this.#resolve(result, key, depth);
    if (this.#ancestors.includes(result)) return CIRCULAR;
    return this.#convert(result, key, depth, true);
  }

  /** A string as it is kept: cut to the limit, well-formed. */
  #str(value: string): string {
    return wellFormed(truncateString(value, this.#limits));
  }

  /**
   * The marker that replaces a container instead of walking it (a cycle, too deep, over the object
   * budget), else undefined.
   */
  #containerMarker(resolved: object, original: unknown, depth: number): string | undefined {
    const limits = this.#limits;
    if (resolved !== original && this.#ancestors.includes(resolved)) return CIRCULAR_MARKER;
    if (depth >= limits.maxDepth) return MAX_DEPTH_MARKER;
    if (this.#nodes >= limits.maxNodes)
      return `${TRUNCATION_MARKER}: more than ${limits.maxNodes} objects in one value]`;
    return undefined;
  }

  /** Enters a container: counts it and makes it (and what it was converted from) an ancestor. */
  #enter(resolved: object, original: unknown): number {
    this.#nodes++;
    const pushed = typeof original === "object" && original !== null && original !== resolved ? 2 : 1;
    if (pushed === 2) this.#ancestors.push(original as object);
    this.#ancestors.push(resolved);
    return pushed;
  }

  /** Writes a resolved value as text (`original` is what the app held, for cycle detection). */
  #write(resolved: unknown, original: unknown, depth: number): void {
    switch (typeof resolved) {
      case "string":
        this.out += JSON.stringify(this.#str(resolved));
        return;
      case "number":
        this.out += Number.isFinite(resolved) ? String(resolved) : "null";
        return;
      case "boolean":
        this.out += resolved ? "true" : "false";
        return;
    }
    if (resolved === null || typeof resolved !== "object") {
      this.out += "null";
      return;
    }
    if (Marker.is(resolved)) {
      this.out += JSON.stringify(wellFormed(resolved.text));
      return;
    }
    if (CachedText.is(resolved)) {
      this.out += resolved.text;
      this.#nodes += resolved.nodes;
      return;
    }
    if (ToCache.is(resolved)) {
      this.#writeAndCache(resolved.value, original as object, depth);
      return;
    }
    const marker = this.#containerMarker(resolved, original, depth);
    if (marker !== undefined) {
      this.out += JSON.stringify(marker);
      return;
    }
    if (this.#fast && !moreOf.has(resolved) && this.#tryNative(resolved, depth)) return;
    const pushed = this.#enter(resolved, original);
    const mark = this.out.length;
    try {
      if (Array.isArray(resolved)) this.#writeArray(resolved, depth);
      else this.#writeObject(resolved, depth);
    } catch (err) {
      // Only a container's shape (its length, its keys) can throw here, and it is read before
      // anything is written: the container becomes one marker.
      if (this.out.length !== mark) this.out = this.out.slice(0, mark);
      this.out += JSON.stringify(wellFormed(unreadableMarker(err)));
    } finally {
      this.#ancestors.length -= pushed;
    }
  }

  /** Writes a converted immutable object on its own (no copy of the text so far) and remembers its text. */
  #writeAndCache(converted: unknown, original: object, depth: number): void {
    const before = this.out;
    const nodes = this.#nodes;
    this.out = "";
    this.#write(converted, original, depth);
    const text = this.out;
    this.out = before + text;
    if (this.#cache && !placeDependent(text))
      this.#cache.set(original, new CachedText(text, this.#nodes - nodes, depth));
  }

  /** Builds a resolved value as a JSON-safe tree; the same rules as `#write`, without the fast path. */
  #build(resolved: unknown, original: unknown, depth: number): unknown {
    switch (typeof resolved) {
      case "string":
        return this.#str(resolved);
      case "number":
        return Number.isFinite(resolved) ? resolved : null;
      case "boolean":
        return resolved;
    }
    if (resolved === null || typeof resolved !== "object") return null;
    if (Marker.is(resolved)) return wellFormed(resolved.text);
    const marker = this.#containerMarker(resolved, original, depth);
    if (marker !== undefined) return marker;
    const pushed = this.#enter(resolved, original);
    try {
      return Array.isArray(resolved) ? this.#buildArray(resolved, depth) : this.#buildObject(resolved, depth);
    } catch (err) {
      return wellFormed(unreadableMarker(err));
    } finally {
      this.#ancestors.length -= pushed;
    }
  }

  #buildArray(items: unknown[], depth: number): unknown[] {
    const length = items.length;
    const n = Math.min(length, this.#limits.maxItems);
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const item = read(items, i);
      const resolved = this.#resolve(item, i, depth + 1);
      out[i] = resolved === OMIT ? null : this.#build(resolved, item, depth + 1);
    }
    const more = length - n + (moreOf.get(items) ?? 0);
    if (more > 0) out.push(`${TRUNCATION_MARKER} ${more} more items]`);
    return out;
  }

  // #buildObject and #writeObject walk keys the same way on purpose: sharing the walk through a
  // callback halved the speed of building trees (measured with bench/serialize.ts).
  #buildObject(obj: object, depth: number): Dict {
    const keys = Object.keys(obj);
    const out: Dict = {};
    let kept = 0;
    let more = moreOf.get(obj) ?? 0;
    let renamed: Set<string> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = read(obj, key);
      const resolved = this.#resolve(item, key, depth + 1);
      if (resolved === OMIT) continue;
      if (kept >= this.#limits.maxItems) {
        more += keys.length - i;
        break;
      }
      let name: string | undefined = key;
      if (!(key as unknown as WellFormedString).isWellFormed()) {
        renamed ??= new Set();
        name = renamedKey(obj, key, renamed);
        if (name === undefined) continue;
      }
      kept++;
      setKey(out, name, this.#build(resolved, item, depth + 1));
    }
    if (more > 0) setKey(out, TRUNCATION_MARKER, `${more} more keys]`);
    return out;
  }

  /** Plain JSON subtree: prove it, then let V8 write it. False when the walk must do it by hand. */
  #tryNative(value: object, depth: number): boolean {
    let size: number;
    try {
      size = plainSize(value, depth, this.#limits.maxNodes - this.#nodes, this.#limits, this);
      if (size < 0) return false;
      const text = JSON.stringify(value);
      if (typeof text !== "string") return false;
      this.out += text;
    } catch {
      // A getter or Proxy that changed its mind between the check and the write.
      return false;
    }
    this.#nodes += size;
    return true;
  }

  #writeArray(items: unknown[], depth: number): void {
    const limits = this.#limits;
    const length = items.length;
    const n = Math.min(length, limits.maxItems);
    this.out += "[";
    for (let i = 0; i < n; i++) {
      if (i > 0) this.out += ",";
      const item = read(items, i);
      const resolved = this.#resolve(item, i, depth + 1);
      if (resolved === OMIT) this.out += "null";
      else this.#write(resolved, item, depth + 1);
    }
    const more = length - n + (moreOf.get(items) ?? 0);
    if (more > 0)
      this.out += `${n > 0 ? "," : ""}${JSON.stringify(`${TRUNCATION_MARKER} ${more} more items]`)}`;
    this.out += "]";
  }

  #writeObject(obj: object, depth: number): void {
    const listed = this.tooWide?.get(obj);
    const keys = listed !== undefined && listed !== NO_KEYS ? listed : Object.keys(obj);
    let kept = 0;
    let more = moreOf.get(obj) ?? 0;
    let renamed: Set<string> | undefined;
    this.out += "{";
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = read(obj, key);
      const resolved = this.#resolve(item, key, depth + 1);
      if (resolved === OMIT) continue;
      if (kept >= this.#limits.maxItems) {
        more += keys.length - i;
        break;
      }
      let name: string | undefined = key;
      if (!(key as unknown as WellFormedString).isWellFormed()) {
        renamed ??= new Set();
        name = renamedKey(obj, key, renamed);
        if (name === undefined) continue;
      }
      this.#writeKey(name, kept === 0);
      kept++;
      this.#write(resolved, item, depth + 1);
    }
    if (more > 0) {
      this.#writeKey(TRUNCATION_MARKER, kept === 0);
      this.out += JSON.stringify(`${more} more keys]`);
    }
    this.out += "}";
  }

  #writeKey(key: string, first: boolean): void {
    this.out += `${first ? "" : ","}${JSON.stringify(key)}:`;
  }
}

/**
 * The walk with a converter (or none): JSON text or a JSON-safe tree for any value, under the
 * rules above. Stateless apart from its converter; each call walks with its own state.
 */
export class Serializer {
  readonly #converter: Converter | undefined;
  /**
   * The limits with the converter's tag, made once per limits object: a copy per call cost more
   * than the rest of a small value's walk (profile: a quarter of the chain workload's tracer CPU).
   */
  readonly #plain = new WeakMap<SerializeLimits, PlainLimits>();

  constructor(converter?: Converter) {
    this.#converter = converter;
  }

  #plainLimits(limits: SerializeLimits): PlainLimits {
    let plain = this.#plain.get(limits);
    if (!plain) {
      const tag = this.#converter?.tag;
      plain = { ...limits, tagKey: tag ? tag[0] : "", tagValue: tag ? tag[1] : NO_TAG };
      this.#plain.set(limits, plain);
    }
    return plain;
  }

  /**
   * JSON text for `value`; equal to `JSON.stringify(this.tree(value, limits))`. Never throws. The
   * fast path makes plain data cost about one `JSON.stringify`. `cache` is used when it was made
   * for these `limits` (and no other serializer has used it).
   */
  text(value: unknown, limits: SerializeLimits = DEFAULT_LIMITS, cache?: TextCache): string {
    try {
      const usable = cache?.usableBy(this, limits) ? cache : undefined;
      const writer = new JsonWriter(this.#plainLimits(limits), this.#converter, usable);
      writer.writeRoot(value);
      return writer.out;
    } catch (err) {
      // Only a bug here (or an exhausted stack) gets this far; the value still gets a marker.
      return JSON.stringify(unreadableMarker(err));
    }
  }

  /**
   * `value` as a JSON-safe tree of fresh objects (no references into the app's data);
   * `JSON.stringify` of it equals `text(value)`. Never throws.
   */
  tree(value: unknown, limits: SerializeLimits = DEFAULT_LIMITS): unknown {
    try {
      return new JsonWriter(this.#plainLimits(limits), this.#converter, undefined).buildRoot(value);
    } catch (err) {
      return unreadableMarker(err);
    }
  }

  /**
   * JSON text of an object: `value`'s text when it converts to an object, else `{"<key>": <text>}`
   * (HoneyHive wants `inputs` / `outputs` to be objects). Never throws.
   */
  objectText(
    value: unknown,
    key: string,
    limits: SerializeLimits = DEFAULT_LIMITS,
    cache?: TextCache,
  ): string {
    const text = this.text(value, limits, cache);
    return text.charCodeAt(0) === 0x7b /* { */ ? text : `{${JSON.stringify(key)}:${text}}`;
  }
}
