/**
 * W3C Trace Context (`traceparent`) and W3C Baggage, read from untrusted incoming headers and
 * written for outgoing ones. Reading never throws and never lets a header change more than the
 * three ids it may carry: each value is checked on its own (a bad `traceparent` does not void a
 * valid `baggage`), sizes are capped by W3C's limits before any parsing, and ids must be well formed.
 */
import { isUuid } from "../runs/sessions.js";

/** What an incoming request may tell: the caller's session and event, and its W3C trace. */
export interface IncomingTraceContext {
  /** The HoneyHive session to add events to (baggage `session_id`), lowercased. */
  sessionId?: string;
  /** The caller's event (baggage `parent_id`), lowercased; events here hang under it. */
  parentEventId?: string;
  /** The W3C trace id (`traceparent`), 32 lowercase hex. */
  traceId?: string;
  /** The caller's W3C span id (`traceparent` parent-id), 16 lowercase hex. */
  parentSpanId?: string;
}

/**
 * Incoming headers in any of the shapes servers hand them over: a Fetch `Headers`, a Fetch
 * `Request` (Hono, Next.js route handlers, Workers), or Node's `IncomingHttpHeaders` (Express,
 * `node:http`; lowercase names, repeated headers as arrays).
 */
export type TraceHeaders =
  | { get(name: string): string | null }
  | { headers: { get(name: string): string | null } }
  | Record<string, string | readonly string[] | undefined>;

/** W3C Baggage limits: a receiver may ignore what lies beyond. */
export const MAX_BAGGAGE_BYTES = 8192;
export const MAX_BAGGAGE_MEMBERS = 180;
/** A version-00 traceparent is 55 characters; later versions may append fields. Nothing needs more. */
const MAX_TRACEPARENT_LENGTH = 512;

/** The keys HoneyHive's Python SDK reads the session from (`session_id` first). */
const SESSION_KEYS = ["session_id", "honeyhive_session_id", "honeyhive.session_id"];
const PARENT_KEY = "parent_id";

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** One header's value as a string; undefined when absent or not text. Never throws. */
function header(headers: TraceHeaders, name: string): string | undefined {
  const h = headers as {
    get?: unknown;
    headers?: { get?: unknown };
    [k: string]: unknown;
  };
  if (typeof h.get === "function") return text((h.get as (n: string) => unknown).call(h, name));
  if (h.headers && typeof h.headers.get === "function") {
    return text((h.headers.get as (n: string) => unknown).call(h.headers, name));
  }
  const raw = h[name];
  // Node joins nothing for unknown headers: repeated ones arrive as an array (W3C allows several
  // baggage headers; several traceparents make it invalid, which the parser sees as a comma).
  if (Array.isArray(raw)) return raw.every((v) => typeof v === "string") ? raw.join(",") : undefined;
  return text(raw);
}

function text(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/**
 * Reads the trace context of an incoming request. `debug` hears why a value was ignored (never an
 * error: a client sending junk must not fill the app's logs or break its request).
 */
export function readTraceHeaders(
  headers: TraceHeaders,
  debug?: (message: string) => void,
): IncomingTraceContext {
  const out: IncomingTraceContext = {};
  if (typeof headers !== "object" || headers === null) return out;
  let traceparent: string | undefined;
  let baggage: string | undefined;
  try {
    traceparent = header(headers, "traceparent");
    baggage = header(headers, "baggage");
  } catch {
    debug?.("trace context: the request's headers could not be read; ignored");
    return out;
  }
  if (traceparent !== undefined) {
    const parsed = parseTraceparent(traceparent);
    if (parsed) {
      out.traceId = parsed.traceId;
      out.parentSpanId = parsed.spanId;
    } else debug?.(`trace context: malformed traceparent ignored (${describe(traceparent)})`);
  }
  if (baggage !== undefined) readBaggage(baggage, out, debug);
  return out;
}

/** A short, printable description of an untrusted value for a debug line. */
function describe(value: string): string {
  return value.length > 80 ? `${value.length} characters` : JSON.stringify(value);
}

export function parseTraceparent(
  value: string,
): { traceId: string; spanId: string; flags: string } | undefined {
  if (value.length > MAX_TRACEPARENT_LENGTH) return undefined;
  const m = TRACEPARENT_RE.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  // Version ff is forbidden; version 00 has exactly four fields; a later version is read by the
  // version-00 rules when its first four fields match them.
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, flags };
}

function readBaggage(value: string, out: IncomingTraceContext, debug?: (message: string) => void): void {
  // Counted in UTF-16 units, a lower bound of its bytes: longer is over the limit either way.
  if (value.length > MAX_BAGGAGE_BYTES) {
    debug?.(
      `trace context: baggage of ${value.length} characters is over W3C's ${MAX_BAGGAGE_BYTES} bytes; ignored`,
    );
    return;
  }
  const members = value.split(",");
  if (members.length > MAX_BAGGAGE_MEMBERS) {
    debug?.(
      `trace context: baggage has ${members.length} members; only the first ${MAX_BAGGAGE_MEMBERS} are read`,
    );
  }
  let session: string | undefined;
  let sessionRank = SESSION_KEYS.length;
  for (const member of members.slice(0, MAX_BAGGAGE_MEMBERS)) {
    const eq = member.indexOf("=");
    if (eq < 0) continue;
    const key = member.slice(0, eq).trim();
    const rank = SESSION_KEYS.indexOf(key);
    if (rank < 0 && key !== PARENT_KEY) continue;
    // Properties after `;` describe the value (W3C); they never change it.
    const id = uuidValue(member.slice(eq + 1).split(";")[0] ?? "");
    if (id === undefined) {
      debug?.(`trace context: baggage ${key} is not a UUID; ignored`);
      continue;
    }
    if (key === PARENT_KEY) out.parentEventId ??= id;
    else if (rank < sessionRank) {
      session = id;
      sessionRank = rank;
    }
  }
  if (session) out.sessionId = session;
}

/** A percent-encoded baggage value that must be a UUID. */
function uuidValue(raw: string): string | undefined {
  let v = raw.trim();
  if (v.length > 3 * 36) return undefined;
  try {
    v = decodeURIComponent(v);
  } catch {
    return undefined;
  }
  return isUuid(v) ? v.toLowerCase() : undefined;
}

/** `traceparent` for an outgoing request. */
export function writeTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`;
}

/** `baggage` for an outgoing request: the session and the calling event (UUIDs need no encoding). */
export function writeBaggage(sessionId: string, parentEventId: string): string {
  return `session_id=${sessionId},${PARENT_KEY}=${parentEventId}`;
}

/** 32 hex digits of a UUID: a W3C trace id made from a session id. */
export function hexOfUuid(uuid: string): string {
  return uuid.replace(/-/g, "").toLowerCase();
}
