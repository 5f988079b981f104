/**
 * Every request body the handler sends is written here, and only here: single events, sessions
 * (`POST /v1/sessions` and as a session item of a batch), the batch envelope, and `PUT` updates.
 *
 * Callers hand over typed records whose application values are already JSON text (snapshotted when
 * the callback reported them); this module puts the envelope around them, writes each member once
 * (objects that two parts contribute to, such as a failed session's `metadata`, are merged as
 * objects first — a JSON object with a key twice keeps only the last one), and fits the result
 * under the request size limit. The shapes follow the closed request schemas in `contract.ts`.
 */
import type { EventType } from "./contract.js";
import { fitBody, fitJson } from "./snapshot.js";

/** One event: envelope values, and JSON texts for the application values. */
export interface EventRecord {
  eventId: string;
  sessionId: string;
  /** The visible parent's event id, or the session id for a root. */
  parentId: string;
  eventType: EventType;
  eventName: string;
  /** JSON text of the `source` string (the same for every event of a handler). */
  source: string;
  childrenIds: readonly string[];
  startTime: number;
  endTime: number;
  inputs: string;
  outputs: string;
  error: string | null;
  metadata: string;
  config?: string | undefined;
  metrics?: string | undefined;
  feedback?: string | undefined;
  userProperties?: string | undefined;
}

/** What a session knows when its first root starts. */
export interface SessionStart {
  sessionId: string;
  sessionName: string;
  /** JSON text of the `source` string. */
  source: string;
  startTime: number;
  inputs: string;
  metadata: string;
  userProperties?: string | undefined;
}

/**
 * A start with nothing in it: what a root holds when its session's start is not (or no longer)
 * its to write — already written, refused, or the app's own session.
 */
export const NO_SESSION_START: SessionStart = Object.freeze({
  sessionId: "",
  sessionName: "",
  source: '""',
  startTime: 0,
  inputs: "{}",
  metadata: "{}",
});

/** What a root's end adds to its session. */
export interface SessionEnd {
  outputs: string;
  endTime: number;
  /** Only for a session of one root (a shared session gets its duration from HoneyHive). */
  duration?: number | undefined;
  /** A failed or interrupted root's facts, merged into the session's metadata. */
  metadata?: string | undefined;
}

/** Characters of `{"events":[]}`, the batch envelope around its items. */
export const BATCH_ENVELOPE_LENGTH = '{"events":[]}'.length;

/** `POST /v1/events` body, and the items of a batch. */
export function eventBody(e: EventRecord, maxBytes: number): string {
  const children = e.childrenIds.length ? JSON.stringify(e.childrenIds) : "[]";
  let text = `{"event_id":${JSON.stringify(e.eventId)},"session_id":${JSON.stringify(e.sessionId)},"parent_id":${JSON.stringify(e.parentId)},"event_type":"${e.eventType}","event_name":${JSON.stringify(e.eventName)},"source":${e.source},"children_ids":${children},"start_time":${e.startTime},"end_time":${e.endTime},"duration":${duration(e.startTime, e.endTime)},"inputs":${e.inputs},"outputs":${e.outputs},"error":${JSON.stringify(e.error)},"metadata":${e.metadata}`;
  if (e.config !== undefined) text += `,"config":${e.config}`;
  if (e.metrics !== undefined) text += `,"metrics":${e.metrics}`;
  if (e.feedback !== undefined) text += `,"feedback":${e.feedback}`;
  if (e.userProperties !== undefined) text += `,"user_properties":${e.userProperties}`;
  text += "}";
  // Under the limit for sure (3 bytes a UTF-16 unit at most): done; else its bulky fields are cut.
  if (text.length * 3 <= maxBytes) return text;
  return fitJson(text, maxBytes);
}

/** Milliseconds to the microsecond: every start, end and duration goes through this one rounding. */
export function microseconds(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * `end − start` to the microsecond, as the times themselves are written: wall-clock times near
 * 1.8e12 ms keep few fraction bits, so the bare difference prints as 2.9029998779296875.
 */
export function duration(start: number, end: number): number {
  return microseconds(end - start);
}

/** `POST /v1/sessions` body: the start, and the end too when the session is created complete. */
export function sessionBody(start: SessionStart, end: SessionEnd | undefined, maxBytes: number): string {
  let text = `{"session_id":${JSON.stringify(start.sessionId)},"session_name":${JSON.stringify(start.sessionName)},${sessionMembers(start, end)}`;
  text += "}";
  return fitJson(text, maxBytes);
}

/**
 * A complete session as an item of `POST /v1/events/batch` (`event_type: "session"`, HoneyHive's
 * own model of a session: the event at the root of the tree). Not fitted here: an item too big to
 * ride along is created with `sessionBody` instead.
 */
export function sessionItem(start: SessionStart, end: SessionEnd): string {
  const id = JSON.stringify(start.sessionId);
  return `{"event_id":${id},"session_id":${id},"event_type":"session","event_name":${JSON.stringify(start.sessionName)},${sessionMembers(start, end)}}`;
}

/** `PUT /v1/events/{session_id}` that completes a session created before its root ended. */
export function sessionCompletionBody(end: SessionEnd, maxBytes: number): string {
  return fitJson(`{${endMembers(end, end.metadata)}}`, maxBytes);
}

/** What the app may attach to an event or session after the fact, as plain JSON-safe objects. */
export interface UpdateFields {
  feedback?: Record<string, unknown> | undefined;
  metrics?: Record<string, unknown> | undefined;
  metadata?: Record<string, unknown> | undefined;
  user_properties?: Record<string, unknown> | undefined;
}

/** `PUT /v1/events/{id}` body of an enrichment. */
export function updateBody(fields: UpdateFields, maxBytes: number): string {
  const texts: Record<string, string | undefined> = {};
  for (const key of ["feedback", "metrics", "metadata", "user_properties"] as const) {
    const value = fields[key];
    if (value !== undefined) texts[key] = JSON.stringify(value);
  }
  return fitBody(texts, maxBytes);
}

/** `POST /v1/events/batch` body around items already written. */
export function batchBody(items: readonly string[]): string {
  return `{"events":[${items.join(",")}]}`;
}

/** The start's members, then the end's; `metadata` written once, merged when both have some. */
function sessionMembers(start: SessionStart, end: SessionEnd | undefined): string {
  const metadata = end?.metadata === undefined ? start.metadata : mergeObjects(start.metadata, end.metadata);
  let text = `"source":${start.source},"start_time":${start.startTime},"inputs":${start.inputs},"metadata":${metadata}`;
  if (start.userProperties !== undefined) text += `,"user_properties":${start.userProperties}`;
  if (end) text += `,${endMembers(end, undefined)}`;
  return text;
}

function endMembers(end: SessionEnd, metadata: string | undefined): string {
  let text = `"outputs":${end.outputs},"end_time":${end.endTime}`;
  if (end.duration !== undefined) text += `,"duration":${end.duration}`;
  if (metadata !== undefined) text += `,"metadata":${metadata}`;
  return text;
}

/** Two objects' JSON texts as one object's (the second's keys win). Only for the rare failed root. */
export function mergeObjects(first: string, second: string): string {
  if (first === "{}") return second;
  if (second === "{}") return first;
  return JSON.stringify({ ...JSON.parse(first), ...JSON.parse(second) });
}
