/**
 * Session ids. HoneyHive replaces a session id that is not a UUID with a random one, which would
 * split a conversation into one session per turn; so a non-UUID key (a LangGraph thread id such as
 * "user-42") is mapped to a deterministic UUIDv5. The same key gives the same session in every
 * process, on every restart.
 */
import { sha1 } from "../util/sha1.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 4122 URL namespace; the name is prefixed so our ids cannot collide with other uses. */
const NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

const utf8 = new TextEncoder();

/** RFC 9562 §5.5 name-based UUID (SHA-1). Synchronous and free of Node built-ins: it runs in callbacks. */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const nameBytes = utf8.encode(name);
  const input = new Uint8Array(16 + nameBytes.length);
  const nsHex = namespace.replace(/-/g, "");
  for (let i = 0; i < 16; i++) input[i] = Number.parseInt(nsHex.slice(i * 2, i * 2 + 2), 16);
  input.set(nameBytes, 16);
  const bytes = sha1(input).subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The HoneyHive session id for a session key: the key itself when it is a UUID, else its UUIDv5. */
export function sessionIdFor(key: string): string {
  return isUuid(key) ? key.toLowerCase() : uuidV5(`honeyhive-langchain:session:${key}`);
}

/** Per-call overrides: `{ metadata: { honeyhive: { sessionId, sessionName, userProperties, metadata, parentEventId } } }`. */
export interface CallOverrides {
  sessionId?: string;
  /** Attach this root under an existing HoneyHive event. */
  parentEventId?: string;
  sessionName?: string;
  userProperties?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** The metadata key that carries per-call overrides; it never appears in event metadata. */
export const HANDLER_METADATA_KEY = "honeyhive";

export function callOverrides(metadata: Record<string, unknown> | undefined): CallOverrides {
  const raw = metadata?.[HANDLER_METADATA_KEY];
  if (typeof raw !== "object" || raw === null) return {};
  const o = raw as Record<string, unknown>;
  const record = (v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  return {
    sessionId: typeof o.sessionId === "string" && o.sessionId ? o.sessionId : undefined,
    parentEventId: typeof o.parentEventId === "string" && o.parentEventId ? o.parentEventId : undefined,
    sessionName: typeof o.sessionName === "string" && o.sessionName ? o.sessionName : undefined,
    userProperties: record(o.userProperties),
    metadata: record(o.metadata),
  };
}

/**
 * The session key of a root run, in SPEC §3 order: per-call `metadata.honeyhive.sessionId` →
 * handler `sessionId` → LangGraph `thread_id` (or `session_id` / `conversation_id` in metadata).
 * Undefined means a new session for this root run.
 */
export function sessionKeyFor(
  overrides: CallOverrides,
  handlerSessionId: string | undefined,
  metadata: Record<string, unknown> | undefined,
): string | undefined {
  if (overrides.sessionId) return overrides.sessionId;
  if (handlerSessionId) return handlerSessionId;
  for (const key of ["thread_id", "session_id", "conversation_id"]) {
    const v = metadata?.[key];
    if ((typeof v === "string" && v) || typeof v === "number") return String(v);
  }
  return undefined;
}
