/**
 * HoneyHive's wire contract (Data Plane OpenAPI v1.2.1), as zod schemas.
 *
 * The request schemas are closed (`additionalProperties: false` in the OpenAPI document): the real
 * server answers 400 to a field it does not list. The local collector validates every body it
 * receives against them and answers 400 as the server would; the handler itself does not check
 * before sending (the recorder writes bodies as text, field by field). Tests hold the handler to
 * them: `useCollector` (test/helpers/setup.ts) fails a test on any 400 from the collector, and
 * checks what the collector accepted against the published OpenAPI document too.
 */
import { z } from "zod";

/**
 * An object field (`inputs`, `metadata`, …). Checked as "a non-array object" rather than
 * `z.record(...)`: a record schema copies every key of every field on each parse, which was the
 * largest cost of the contract check in the delivery profile, and its values are `unknown` anyway.
 */
const jsonObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  { message: "expected an object" },
);

export const EVENT_TYPES = ["model", "tool", "chain", "session"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Body of `POST /v1/events` (`PostEventRequest`). */
export const PostEventRequest = z.strictObject({
  project_id: z.string().optional(),
  source: z.string().optional(),
  event_name: z.string().optional(),
  event_type: z.enum(EVENT_TYPES),
  event_id: z.string().optional(),
  session_id: z.string().optional(),
  parent_id: z.string().optional(),
  children_ids: z.array(z.string()).optional(),
  config: jsonObject.optional(),
  inputs: jsonObject,
  outputs: jsonObject.optional(),
  error: z.string().nullable().optional(),
  start_time: z.number().optional(),
  end_time: z.number().optional(),
  duration: z.number().optional(),
  metadata: jsonObject.optional(),
  feedback: jsonObject.optional(),
  metrics: jsonObject.optional(),
  user_properties: jsonObject.optional(),
});
export type PostEventRequest = z.infer<typeof PostEventRequest>;

/** `SessionProperties`: the one open object in the batch request. */
export const SessionProperties = z.looseObject({
  session_name: z.string().optional(),
  start_time: z.number().optional(),
  user_properties: jsonObject.optional(),
  metadata: jsonObject.optional(),
});

/** Body of `POST /v1/events/batch` (`PostEventBatchRequest`). */
export const PostEventBatchRequest = z.strictObject({
  events: z.array(PostEventRequest),
  single_session: z.boolean().optional(),
  session_properties: SessionProperties.optional(),
});
export type PostEventBatchRequest = z.infer<typeof PostEventBatchRequest>;

/** Body of `POST /v1/sessions` (`StartSessionRequest`). */
export const StartSessionRequest = z.strictObject({
  session_id: z.string().optional(),
  session_name: z.string().optional(),
  event_name: z.string().optional(),
  source: z.string().optional(),
  start_time: z.number().optional(),
  end_time: z.number().optional(),
  duration: z.number().optional(),
  config: jsonObject.optional(),
  inputs: jsonObject.optional(),
  outputs: jsonObject.optional(),
  metadata: jsonObject.optional(),
  user_properties: jsonObject.optional(),
  children_ids: z.array(z.string()).optional(),
});
export type StartSessionRequest = z.infer<typeof StartSessionRequest>;

/**
 * Body of `PUT /v1/events/{event_id}` (`UpdateEventRequest`). HoneyHive ignores unknown fields
 * here rather than rejecting them, but SPEC treats every request schema as closed, so this is
 * strict too: a field we send that the server silently drops is a bug we want to see.
 * Note there is no `error` field: a failed session root is recorded in `metadata`.
 */
export const UpdateEventRequest = z.strictObject({
  metadata: jsonObject.optional(),
  feedback: jsonObject.optional(),
  metrics: jsonObject.optional(),
  outputs: jsonObject.nullable().optional(),
  config: jsonObject.optional(),
  user_properties: jsonObject.optional(),
  duration: z.number().optional(),
  end_time: z.number().optional(),
  children_ids: z.array(z.string()).optional(),
});
export type UpdateEventRequest = z.infer<typeof UpdateEventRequest>;

/** Formats a zod error as one line that names each bad field, e.g. `events.0.foo: unrecognized key`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      if (issue.code === "unrecognized_keys") {
        const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(", ");
        return `unknown field(s) ${keys}`;
      }
      return `${path || "(body)"}: ${issue.message}`;
    })
    .join("; ");
}
