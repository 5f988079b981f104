/**
 * Shaping of run values into event fields. Deep conversion (nested messages, values JSON cannot
 * carry, size limits) is the one routine in `wire/serialize.ts`, with the mapping's converter
 * (`to-json.ts`); so is the flattening of errors (`errorFields`). What is here is cheap for the
 * usual values (a plain object, a string) because it runs inside LangChain callbacks, and never
 * throws: a value that cannot be read still leaves the run's start and end intact (SPEC §5).
 */
import { type Dict, isObject } from "../util/dict.js";
import { errorFields, unreadableMarker } from "../wire/serialize.js";
import { isDocumentLike, isMessageLike } from "./langchain-objects.js";
import { toJsonText } from "./to-json.js";

/**
 * HoneyHive wants `inputs` / `outputs` to be objects: keep objects, wrap anything else under `key`.
 * A message or a document (one value, not a set of fields) is wrapped here. Any other object is
 * returned as it is, for `toJsonObjectText(value, key)` to decide by what it converts to (a Decimal
 * whose toJSON gives "19.99", a Date or a Set is wrapped; a Map or a class instance is not): the
 * value is converted once, when it is written, not once to decide and again to write.
 */
export function asObject(value: unknown, key: "input" | "output"): Dict {
  try {
    if (!isObject(value) || Array.isArray(value) || isMessageLike(value) || isDocumentLike(value))
      return { [key]: value === undefined ? null : value };
    return value;
  } catch (err) {
    // A Proxy or getter that throws when looked at: the serializer records it as unreadable.
    return { [key]: unreadableMarker(err) };
  }
}

/** Parses a tool's input: LangChain hands tools a JSON string of the arguments, or a plain string. */
export function toolInputs(input: unknown): Dict {
  if (typeof input === "string") {
    const trimmed = input.trimStart();
    if (trimmed.startsWith("{")) {
      try {
        const parsed: unknown = JSON.parse(input);
        if (isObject(parsed) && !Array.isArray(parsed)) return parsed;
      } catch {
        // Not JSON after all: record it as the raw input.
      }
    }
    return { input };
  }
  return asObject(input, "input");
}

export interface ToolResult {
  outputs: Dict;
  toolCallId?: string;
  /** Set when the tool returned a ToolMessage with `status: "error"`. */
  error?: string;
}

/**
 * A tool's output as HoneyHive renders a tool result (`outputs.message`, honeyhive-event-schema.md):
 * a ToolMessage's content (with its call id and status), or the returned value.
 */
export function toolResult(output: unknown): ToolResult {
  try {
    if (isMessageLike(output)) {
      const fields = output.lc === 1 && isObject(output.kwargs) ? output.kwargs : output;
      const result: ToolResult = { outputs: { message: fields.content } };
      if (typeof fields.tool_call_id === "string") result.toolCallId = fields.tool_call_id;
      if (fields.status === "error") {
        const content = typeof fields.content === "string" ? fields.content : toJsonText(fields.content);
        result.error = `ToolError: ${content}`;
      }
      return result;
    }
  } catch (err) {
    return { outputs: { message: unreadableMarker(err) } };
  }
  return { outputs: { message: output === undefined ? null : output } };
}

export interface ErrorInfo {
  /** `"<ErrorName>: <message>"`, or null for control flow (interrupts). */
  error: string | null;
  metadata: Dict;
}

/** Longest thrown non-Error value kept in the `error` line (the whole value is in metadata). */
const MAX_THROWN_TEXT = 2_000;

/**
 * LangGraph signals control flow (interrupt(), Command to a parent graph) by throwing errors marked
 * `is_bubble_up`. Those are not failures: the event keeps `error: null` and says what happened.
 *
 * A real error becomes `"<Name>: <message>"` with its stack in `metadata.error_stack`; what JSON
 * would lose is kept beside it: `metadata.error_cause` (the `cause` chain, each link converted
 * with its own cause) and `metadata.error_details` (own enumerable properties such as `code`,
 * `status`, LangChain's `lc_error_code`, an AggregateError's `errors`). A thrown value that is not
 * an Error is described by its JSON text (cycles, BigInt and throwing getters included). Never throws.
 */
export function describeError(err: unknown): ErrorInfo {
  try {
    return describe(err);
  } catch (failure) {
    // A Proxy or getter on the thrown value that throws: the run still ends, with a marker.
    return { error: `Error: ${unreadableMarker(failure)}`, metadata: {} };
  }
}

function describe(err: unknown): ErrorInfo {
  if (isObject(err) && err.is_bubble_up === true) {
    const metadata: Dict = { interrupted: true };
    const name = typeof err.name === "string" ? err.name : "Interrupt";
    metadata.interrupt_type = name;
    if (Array.isArray(err.interrupts)) metadata.interrupt = err.interrupts;
    else if (err.command !== undefined) metadata.interrupt = err.command;
    return { error: null, metadata };
  }
  if (err instanceof Error || (isObject(err) && typeof err.message === "string")) {
    // The serializer's flattening, laid out as the event's error line and metadata.
    const fields = errorFields(err as object, readForDescribe);
    const name = (fields.name as string) || "Error";
    const message = typeof fields.message === "string" ? fields.message : toJsonText(fields.message);
    const metadata: Dict = {};
    if (typeof fields.stack === "string") metadata.error_stack = fields.stack;
    if (fields.cause !== undefined) metadata.error_cause = fields.cause;
    const details = errorDetails(err as Dict, fields);
    if (details) metadata.error_details = details;
    return { error: `${name}: ${message}`, metadata };
  }
  if (typeof err === "object" && err !== null) {
    const text = toJsonText(err);
    return {
      error: `Error: ${text.length > MAX_THROWN_TEXT ? `${text.slice(0, MAX_THROWN_TEXT)}…` : text}`,
      metadata: { error_value: err },
    };
  }
  return { error: `Error: ${typeof err === "string" ? err : String(err)}`, metadata: {} };
}

/**
 * How `describeError` reads the error's properties: a detail that throws becomes a marker in its
 * place, while a throw from a part of the error line (or its cause or errors) fails the whole
 * description into describeError's one marker, as it always has.
 */
function readForDescribe(obj: object, key: string): unknown {
  try {
    return (obj as Dict)[key];
  } catch (failure) {
    if (key === "name" || key === "message" || key === "stack" || key === "cause" || key === "errors")
      throw failure;
    return unreadableMarker(failure);
  }
}

/**
 * `metadata.error_details`: the flattened error's own properties besides name/message/stack/cause,
 * and an `errors` array wherever the error has it (an AggregateError's own, a ZodError's getter).
 */
function errorDetails(err: Dict, fields: Dict): Dict | undefined {
  const enumerableErrors = Object.keys(err).includes("errors");
  let details: Dict | undefined;
  for (const key of Object.keys(fields)) {
    if (key === "name" || key === "message" || key === "stack" || key === "cause") continue;
    if (key === "errors" && !enumerableErrors) continue;
    details ??= {};
    Object.defineProperty(details, key, {
      value: fields[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (!enumerableErrors && Array.isArray(err.errors)) {
    details ??= {};
    details.errors = err.errors;
  }
  return details;
}

/** A run's display name: the run name, else the class name from the serialized object. */
export function runName(serialized: unknown, explicit: unknown, fallback: string): string {
  if (typeof explicit === "string" && explicit) return explicit;
  try {
    if (isObject(serialized)) {
      if (typeof serialized.name === "string" && serialized.name) return serialized.name;
      const id = serialized.id;
      if (Array.isArray(id) && id.length) {
        const last = id[id.length - 1];
        if (typeof last === "string" && last) return last;
      }
    }
  } catch {
    // An unreadable `serialized` (bad arguments): the fallback name will do.
  }
  return fallback;
}
