/**
 * Session ids. HoneyHive replaces a session id that is not a UUID with a random one, which would
 * split a conversation into one session per turn; so a non-UUID key (a LangGraph thread id such as
 * "user-42") is mapped to a deterministic UUIDv5. The same key gives the same session in every
 * process, on every restart.
 */
import { createHash } from "node:crypto";
import { PER_CALL_KEYS } from "../config/per-call.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 4122 URL namespace; the name is prefixed so our ids cannot collide with other uses. */
const NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

export function uuidV5(name: string, namespace = NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The HoneyHive session id for a session key: the key itself when it is a UUID, else its UUIDv5. */
export function sessionIdFor(key: string): string {
  return isUuid(key) ? key.toLowerCase() : uuidV5(`honeyhive-langchain:session:${key}`);
}

/** Per-call overrides, read from `metadata.honeyhive` (see `honeyhive()` in config/per-call.ts). */
export interface CallOverrides {
  sessionId?: string;
  /** Attach this root under an existing HoneyHive event. */
  parentEventId?: string;
  sessionName?: string;
  /** Includes `user_id` when the call gave `userId`. */
  userProperties?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export { PER_CALL_KEYS };

/** The metadata key that carries per-call overrides; it never appears in event metadata. */
export const HANDLER_METADATA_KEY = "honeyhive";

const KNOWN_KEYS: ReadonlySet<string> = new Set(PER_CALL_KEYS);

/**
 * Reads the per-call overrides of a root run. Values of the wrong type are ignored; keys that are
 * not settings (a typo) are passed to `onUnknownKey` so the handler can say so.
 */
export function callOverrides(
  metadata: Record<string, unknown> | undefined,
  onUnknownKey?: (key: string) => void,
): CallOverrides {
  try {
    return readOverrides(metadata?.[HANDLER_METADATA_KEY], onUnknownKey);
  } catch {
    // A Proxy or throwing getter in the app's metadata: no overrides rather than a lost run.
    return {};
  }
}

function readOverrides(raw: unknown, onUnknownKey: ((key: string) => void) | undefined): CallOverrides {
  if (typeof raw !== "object" || raw === null) return {};
  const o = raw as Record<string, unknown>;
  if (onUnknownKey) {
    for (const key of Object.keys(o)) if (!KNOWN_KEYS.has(key)) onUnknownKey(key);
  }
  const record = (v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const userId = text(o.userId);
  const userProperties = record(o.userProperties);
  return {
    sessionId: text(o.sessionId),
    parentEventId: text(o.parentEventId),
    sessionName: text(o.sessionName),
    // HoneyHive identifies users by user_properties.user_id; the explicit userId wins.
    userProperties: userId ? { ...userProperties, user_id: userId } : userProperties,
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
