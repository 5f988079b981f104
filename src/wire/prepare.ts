/**
 * Turns a recorded body into the bytes of a request: JSON-safe, within the size limits, and checked
 * against the wire contract. Runs in the delivery pipeline, never inside a LangChain callback.
 */
import type { z } from "zod";
import { type Dict, isObject } from "../mapping/langchain-objects.js";
import { utf8ByteLength } from "../runtime/platform.js";
import { describeIssues } from "./contract.js";
import { DEFAULT_LIMITS, type SerializeLimits, TRUNCATION_MARKER, toJsonSafe } from "./serialize.js";

export interface PrepareOptions {
  maxFieldLength: number;
  maxRequestBytes: number;
}

/** Rewrites a JSON-safe body before it is sized (privacy masking); may be async. Must not throw. */
export type BodyTransform = (body: Dict) => Dict | Promise<Dict>;

export type Prepared<T> = { ok: true; body: T; json: string; bytes: number } | { ok: false; reason: string };

/** Fields that carry application data and may be shrunk to fit the request limit. */
const BULKY_FIELDS = ["inputs", "outputs", "metadata", "config", "feedback", "metrics", "user_properties"];

const OBJECT_FIELDS = new Set(BULKY_FIELDS);

/**
 * Each top-level field is walked on its own, so one huge field exhausting the serializer's node
 * budget cannot turn the others into markers; and the fields the contract wants as objects stay
 * objects whatever they held (a mask may return anything).
 */
function serializeBody(raw: Dict, limits: SerializeLimits): Dict {
  const out: Dict = {};
  if (!isObject(raw)) return out;
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (value === undefined) continue;
    const safe = toJsonSafe(value, limits);
    const needsObject = OBJECT_FIELDS.has(key) && !(key === "outputs" && safe === null);
    out[key] = needsObject && (!isObject(safe) || Array.isArray(safe)) ? { value: safe } : safe;
  }
  return out;
}

/**
 * The JSON-safe form of a body at the default limits: what a transform (a user's mask) is given.
 * Whatever the transform returns goes through `prepareBody` again, so it may return anything and
 * still cannot break the request.
 */
export function jsonSafeBody(input: Dict, options: PrepareOptions): Dict {
  return serializeBody(input, { ...DEFAULT_LIMITS, maxStringLength: options.maxFieldLength });
}

/**
 * Serializes `raw`, shrinking strings until the JSON fits `maxRequestBytes`; as a last resort the
 * bulky fields are replaced with a marker so the event itself (its place in the tree, its timing,
 * its error) still arrives. Synchronous: it is on the delivery hot path.
 */
export function prepareBody<S extends z.ZodType>(
  schema: S,
  raw: Dict,
  options: PrepareOptions,
): Prepared<z.infer<S>> {
  let limits: SerializeLimits = { ...DEFAULT_LIMITS, maxStringLength: options.maxFieldLength };
  let body = serializeBody(raw, limits);
  let json = JSON.stringify(body);
  let bytes = utf8ByteLength(json);
  for (let i = 0; bytes > options.maxRequestBytes && i < 6; i++) {
    const scale = options.maxRequestBytes / bytes;
    limits = {
      ...limits,
      maxStringLength: Math.max(64, Math.floor(limits.maxStringLength * Math.min(0.5, scale))),
      maxItems: Math.max(10, Math.floor(limits.maxItems * Math.min(0.5, scale))),
    };
    body = serializeBody(raw, limits);
    json = JSON.stringify(body);
    bytes = utf8ByteLength(json);
  }
  if (bytes > options.maxRequestBytes) {
    for (const field of BULKY_FIELDS) {
      if (field in body)
        body[field] = { [TRUNCATION_MARKER]: `${field} removed: the event exceeded the size limit]` };
    }
    json = JSON.stringify(body);
    bytes = utf8ByteLength(json);
  }
  const checked = schema.safeParse(body);
  if (!checked.success) return { ok: false, reason: describeIssues(checked.error) };
  return { ok: true, body: checked.data, json, bytes };
}
