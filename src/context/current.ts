/**
 * The event the running code is inside of, wherever it runs: the innermost traced call or continued
 * trace (our store) or LangChain run (LangChain's store, through the handlers its callbacks hold),
 * whichever was entered last. `getCurrentEvent` and `propagationHeaders` are free functions so a
 * helper deep in the app needs no handler passed down to it.
 */
import type { Attachment } from "../runs/run-store.js";
import { isUuid } from "../runs/sessions.js";
import { currentLangChainRun } from "./langchain.js";
import { activeSpan } from "./otel.js";
import { type Frame, innermostFrame } from "./storage.js";
import { hexOfUuid, writeBaggage, writeTraceparent } from "./w3c.js";

/** What a handler lets the context functions ask of it (by a symbol, so copies of the package interoperate). */
export const CONTEXT_OWNER = Symbol.for("honeyhive-langchain.context-owner");

export interface ContextOwner {
  /** Where a run this handler recorded attaches its children. */
  knownRun(runId: string): Attachment | undefined;
  /** The tree's session is handed to another service: it must exist before that one's events. */
  handOut(attachment: Attachment): void;
}

/** The event the running code is inside of. */
export interface CurrentEvent {
  /** The HoneyHive session (for `enrichSession`). */
  sessionId: string;
  /** The event (for `enrichEvent`, or `parentEventId`). */
  eventId: string;
}

interface Located {
  owner: ContextOwner;
  attachment: Attachment;
  traceId: string | undefined;
}

function traceIdOf(frame: Frame | undefined): string | undefined {
  for (let f = frame; f !== undefined; f = f.outer) if (f.traceId) return f.traceId;
  return undefined;
}

function locate(): Located | undefined {
  const frame = innermostFrame();
  const run = currentLangChainRun();
  // A LangChain run other than the one the innermost frame was entered in started inside it.
  if (run !== undefined && run.runId !== frame?.lcRunId) {
    for (const handler of run.handlers) {
      const owner = (handler as { [CONTEXT_OWNER]?: ContextOwner } | null)?.[CONTEXT_OWNER];
      const attachment = owner?.knownRun(run.runId);
      if (owner && attachment) return { owner, attachment, traceId: traceIdOf(frame) };
    }
  }
  for (let f = frame; f !== undefined; f = f.outer) {
    if (f.attachment)
      return { owner: f.owner as ContextOwner, attachment: f.attachment, traceId: traceIdOf(f) };
  }
  return undefined;
}

/**
 * The innermost traced call or LangChain run (recorded by a HoneyHive handler) the running code is
 * inside of, or undefined outside any. Inside a continued trace and outside any run of this
 * process, the calling service's event.
 */
export function getCurrentEvent(): CurrentEvent | undefined {
  const found = locate();
  return found ? { sessionId: found.attachment.sessionId, eventId: found.attachment.visibleId } : undefined;
}

/**
 * Headers that make a called service's work part of the current event's tree (W3C Trace Context):
 * `traceparent` (the active OpenTelemetry span's trace when there is one, so the APM trace goes on
 * too) and `baggage` with `session_id` (what HoneyHive's SDKs read) and `parent_id` (this event).
 * `{}` outside any event. The session is created now if it was not yet, so that it exists before
 * the called service's events arrive.
 */
export function propagationHeaders(): Record<string, string> {
  const found = locate();
  if (!found) return {};
  const { owner, attachment } = found;
  try {
    owner.handOut(attachment);
  } catch {
    // The headers are still right; the session is created with its root at worst.
  }
  const eventId = isUuid(attachment.visibleId) ? attachment.visibleId.toLowerCase() : undefined;
  const span = activeSpan();
  const traceId = span?.traceId ?? found.traceId ?? hexOfUuid(attachment.sessionId);
  const spanId =
    span?.spanId ?? (eventId ? hexOfUuid(eventId).slice(0, 16) : hexOfUuid(attachment.sessionId).slice(16));
  const sampled = span?.sampled ?? attachment.delivery !== null;
  const headers: Record<string, string> = { traceparent: writeTraceparent(traceId, spanId, sampled) };
  headers.baggage = eventId
    ? writeBaggage(attachment.sessionId, eventId)
    : `session_id=${attachment.sessionId}`;
  return headers;
}
