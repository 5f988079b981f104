/**
 * Shallow shaping of run values into event fields. Deep conversion (nested messages, values JSON
 * cannot carry, size limits) happens later in the delivery pipeline; everything here is O(1) or a
 * single pass over a small top-level object, because it runs inside LangChain callbacks.
 */
import { type Dict, isDocumentLike, isMessageLike, isObject } from "./langchain-objects.js";

/** HoneyHive wants `inputs` / `outputs` to be objects: keep objects, wrap anything else under `key`. */
export function asObject(value: unknown, key: "input" | "output"): Dict {
  if (isObject(value) && !Array.isArray(value) && !isMessageLike(value) && !isDocumentLike(value))
    return value;
  return { [key]: value === undefined ? null : value };
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
  if (isMessageLike(output)) {
    const fields = output.lc === 1 && isObject(output.kwargs) ? output.kwargs : output;
    const result: ToolResult = { outputs: { message: fields.content } };
    if (typeof fields.tool_call_id === "string") result.toolCallId = fields.tool_call_id;
    if (fields.status === "error") {
      const content = typeof fields.content === "string" ? fields.content : JSON.stringify(fields.content);
      result.error = `ToolError: ${content}`;
    }
    return result;
  }
  return { outputs: { message: output === undefined ? null : output } };
}

export interface ErrorInfo {
  /** `"<ErrorName>: <message>"`, or null for control flow (interrupts). */
  error: string | null;
  metadata: Dict;
}

/**
 * LangGraph signals control flow (interrupt(), Command to a parent graph) by throwing errors marked
 * `is_bubble_up`. Those are not failures: the event keeps `error: null` and says what happened.
 */
export function describeError(err: unknown): ErrorInfo {
  if (isObject(err) && err.is_bubble_up === true) {
    const metadata: Dict = { interrupted: true };
    const name = typeof err.name === "string" ? err.name : "Interrupt";
    metadata.interrupt_type = name;
    if (Array.isArray(err.interrupts)) metadata.interrupt = err.interrupts;
    else if (err.command !== undefined) metadata.interrupt = err.command;
    return { error: null, metadata };
  }
  if (err instanceof Error || (isObject(err) && typeof err.message === "string")) {
    const e = err as { name?: unknown; message?: unknown; stack?: unknown };
    const name = typeof e.name === "string" && e.name ? e.name : "Error";
    const metadata: Dict = {};
    if (typeof e.stack === "string") metadata.error_stack = e.stack;
    return { error: `${name}: ${String(e.message)}`, metadata };
  }
  return {
    error: `Error: ${typeof err === "string" ? err : (JSON.stringify(err) ?? String(err))}`,
    metadata: {},
  };
}

/** A run's display name: the run name, else the class name from the serialized object. */
export function runName(serialized: unknown, explicit: unknown, fallback: string): string {
  if (typeof explicit === "string" && explicit) return explicit;
  if (isObject(serialized)) {
    if (typeof serialized.name === "string" && serialized.name) return serialized.name;
    const id = serialized.id;
    if (Array.isArray(id) && id.length) {
      const last = id[id.length - 1];
      if (typeof last === "string" && last) return last;
    }
  }
  return fallback;
}
