/**
 * Application values as JSON, with LangChain's objects in their HoneyHive shapes: the generic walk
 * (wire/serialize.ts) composed with the mapping's converter (`langChainConverter`). This is what the
 * recorder, the handler and privacy convert app values with; wire/ itself never imports the mapping.
 */
import { DEFAULT_LIMITS, type SerializeLimits, Serializer, TextCache } from "../wire/serialize.js";
import { langChainConverter } from "./langchain-objects.js";

/**
 * JSON text of LangChain messages already written, by identity, for one set of limits (the
 * serializer's `TextCache`; only message instances are remembered, never the app's plain objects).
 */
export { DEFAULT_LIMITS, type SerializeLimits, TextCache as MessageTextCache };

const serializer = new Serializer(langChainConverter);

/** JSON text for `value` (SPEC §4); equal to `JSON.stringify(toJsonSafe(value, limits))`. Never throws. */
export function toJsonText(
  value: unknown,
  limits: SerializeLimits = DEFAULT_LIMITS,
  cache?: TextCache,
): string {
  return serializer.text(value, limits, cache);
}

/** `value` as a JSON-safe tree of fresh objects; `JSON.stringify` of it equals `toJsonText(value)`. Never throws. */
export function toJsonSafe(value: unknown, limits: SerializeLimits = DEFAULT_LIMITS): unknown {
  return serializer.tree(value, limits);
}

/** JSON text of an object: `value`'s own when it converts to one, else `{"<key>": <text>}`. Never throws. */
export function toJsonObjectText(
  value: unknown,
  key: string,
  limits: SerializeLimits = DEFAULT_LIMITS,
  cache?: TextCache,
): string {
  return serializer.objectText(value, key, limits, cache);
}

/** The names the recorder's snapshots use (formerly re-exported by wire/snapshot.ts). */
export { toJsonObjectText as objectText, toJsonText as jsonText };
