/**
 * Bodies from snapshots. Application values are turned into JSON text at the moment a callback
 * reports them (mapping/to-json.ts, called by the recorder), so what is recorded is what the run
 * saw (an app that later mutates its objects changes nothing), and each value is converted once —
 * the session reuses its root's text rather than converting again. Here those texts are joined into
 * request bodies and kept under the request size limit.
 */
import { utf8ByteLength } from "../runtime/platform.js";
import type { Dict } from "../util/dict.js";
import { DEFAULT_LIMITS, type SerializeLimits, Serializer, TRUNCATION_MARKER } from "./serialize.js";

/**
 * Re-cuts bodies that were converted already (JSON parsed back), so it needs no converter: what
 * the mapping's converter would claim was converted when the value was recorded.
 */
const recut = new Serializer();

/** `"name":value` members, joined into an object's text. */
export function members(fields: Record<string, string | undefined>): string {
  let out = "";
  for (const key in fields) {
    const text = fields[key];
    if (text === undefined) continue;
    out += out ? `,"${key}":${text}` : `"${key}":${text}`;
  }
  return out;
}

/** Fields that carry application data and may be shrunk to keep a request under the size limit. */
const BULKY = ["inputs", "outputs", "metadata", "config", "feedback", "metrics", "user_properties"];

/**
 * Keeps an object body under `maxBytes`: strings and lists in the bulky fields are cut further (with
 * markers), and as a last resort those fields are replaced by a marker so the event itself — its
 * place in the tree, its timing, its error — still arrives. Rare: values were already cut to
 * `maxFieldLength` when they were recorded.
 */
export function fitBody(fields: Record<string, string | undefined>, maxBytes: number): string {
  let text = `{${members(fields)}}`;
  if (text.length * 3 <= maxBytes || utf8ByteLength(text) <= maxBytes) return text;
  const parsed: Dict = {};
  for (const key of BULKY) {
    const f = fields[key];
    if (f !== undefined) parsed[key] = JSON.parse(f);
  }
  let limits: SerializeLimits = { ...DEFAULT_LIMITS };
  for (let i = 0; i < 6; i++) {
    const scale = maxBytes / utf8ByteLength(text);
    limits = {
      ...limits,
      maxStringLength: Math.max(64, Math.floor(limits.maxStringLength * Math.min(0.5, scale))),
      maxItems: Math.max(10, Math.floor(limits.maxItems * Math.min(0.5, scale))),
    };
    const next = { ...fields };
    for (const key in parsed) next[key] = recut.text(parsed[key], limits);
    text = `{${members(next)}}`;
    if (utf8ByteLength(text) <= maxBytes) return text;
  }
  const next = { ...fields };
  for (const key in parsed) {
    next[key] = JSON.stringify({ [TRUNCATION_MARKER]: `${key} removed: the event exceeded the size limit]` });
  }
  return `{${members(next)}}`;
}

/** `fitBody` for a body that is already one JSON text (session bodies, completions): parsed only when it may be too big. */
export function fitJson(json: string, maxBytes: number): string {
  if (json.length * 3 <= maxBytes || utf8ByteLength(json) <= maxBytes) return json;
  const parsed = JSON.parse(json) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const key of Object.keys(parsed)) fields[key] = JSON.stringify(parsed[key]);
  return fitBody(fields, maxBytes);
}
