/**
 * Session ids. HoneyHive replaces a session id that is not a UUID with a random one, which would
 * split a conversation into one session per turn; so a non-UUID key (a LangGraph thread id such as
 * "user-42") is mapped to a deterministic UUIDv5. The same key gives the same session in every
 * process, on every restart.
 */
import { type HoneyHiveCallSettings, PER_CALL_KEYS } from "../config/per-call.js";
import { sha1 } from "../util/sha1.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 4122 URL namespace; the name is prefixed so our ids cannot collide with other uses. */
const NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

const utf8 = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const namespaceBytes = new Map<string, Uint8Array>();

function uuidBytes(uuid: string): Uint8Array {
  let bytes = namespaceBytes.get(uuid);
  if (!bytes) {
    const hex = uuid.replace(/-/g, "");
    bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    if (namespaceBytes.size < 16) namespaceBytes.set(uuid, bytes);
  }
  return bytes;
}

/** Namespace bytes followed by the name as UTF-8; session keys are nearly always ASCII, copied directly. */
function namespaced(namespace: Uint8Array, name: string): Uint8Array {
  const input = new Uint8Array(16 + name.length);
  input.set(namespace);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f) {
      const nameBytes = utf8.encode(name);
      const wide = new Uint8Array(16 + nameBytes.length);
      wide.set(namespace);
      wide.set(nameBytes, 16);
      return wide;
    }
    input[16 + i] = c;
  }
  return input;
}

/** RFC 9562 §5.5 name-based UUID (SHA-1). Synchronous and free of Node built-ins: it runs in callbacks. */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const b = sha1(namespaced(uuidBytes(namespace), name));
  b[6] = ((b[6] as number) & 0x0f) | 0x50;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = (i: number): string => HEX[b[i] as number] as string;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

/** The HoneyHive session id for a session key: the key itself when it is a UUID, else its UUIDv5. */
export function sessionIdFor(key: string): string {
  return isUuid(key) ? key.toLowerCase() : uuidV5(`honeyhive-langchain:session:${key}`);
}

/**
 * Per-call overrides as read from `metadata.honeyhive`: the app's settings (see `honeyhive()` in
 * config/per-call.ts) with ids as text and `userId` folded into `userProperties.user_id`.
 */
export type CallOverrides = Omit<HoneyHiveCallSettings, "userId" | "sessionId"> & { sessionId?: string };

export { PER_CALL_KEYS };

/** The metadata key that carries per-call overrides; it never appears in event metadata. */
export const HANDLER_METADATA_KEY = "honeyhive";

const KNOWN_KEYS: ReadonlySet<string> = new Set(PER_CALL_KEYS);

/**
 * Something under `metadata.honeyhive` the handler ignores: `key` identifies the kind of problem
 * (a handler says each once per logger), `message` is the line to log.
 */
export interface PerCallProblem {
  key: string;
  message: string;
}

/**
 * Reads the per-call overrides of a root run. Values of the wrong type, and keys that are not
 * settings (a typo), are ignored and passed to `onProblem` so the handler can say so.
 */
export function callOverrides(
  metadata: Record<string, unknown> | undefined,
  onProblem?: (problem: PerCallProblem) => void,
): CallOverrides {
  try {
    return readOverrides(metadata?.[HANDLER_METADATA_KEY], onProblem);
  } catch {
    // A Proxy or throwing getter in the app's metadata: no overrides rather than a lost run.
    return {};
  }
}

/** What a value is, in words, for a warning: "a boolean", "NaN", "an object". */
function describeType(v: unknown): string {
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    return Number.isFinite(v) ? "a number that is not an integer" : "an infinite number";
  }
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return /^[aeiou]/.test(typeof v) ? `an ${typeof v}` : `a ${typeof v}`;
}

function readOverrides(
  raw: unknown,
  onProblem: ((problem: PerCallProblem) => void) | undefined,
): CallOverrides {
  if (typeof raw !== "object" || raw === null) return {};
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (KNOWN_KEYS.has(key)) continue;
    onProblem?.({
      key: `unknown per-call key ${key}`,
      message: `metadata.honeyhive.${key} is not a per-call setting and is ignored (known: ${PER_CALL_KEYS.join(", ")}); build it with honeyhive({ … }) to catch this at compile time.`,
    });
  }
  /** Unset (absent, null, "") says nothing; a value of another type is ignored with a warning. */
  const wrongType = (key: string, v: unknown, expected: string): undefined => {
    if (v !== undefined && v !== null && v !== "") {
      const type = describeType(v);
      const consequence = key === "sessionId" ? ", so this call gets a session of its own" : "";
      onProblem?.({
        key: `per-call ${key} of type ${type}`,
        message: `metadata.honeyhive.${key} is ${type}, not ${expected}: ignored${consequence}.`,
      });
    }
    return undefined;
  };
  const record = (key: string) => {
    const v = o[key];
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : wrongType(key, v, "an object");
  };
  const text = (key: string) => {
    const v = o[key];
    return typeof v === "string" && v ? v : wrongType(key, v, "a string");
  };
  // Ids may be integers (a database id), taken as their decimal text: 12345 is the session of
  // `thread_id: 12345` and of "12345".
  const id = (key: string) => {
    const v = o[key];
    if (typeof v === "string" && v) return v;
    if ((typeof v === "number" && Number.isSafeInteger(v)) || typeof v === "bigint") return String(v);
    return wrongType(key, v, "a string or an integer");
  };
  const userId = id("userId");
  const userProperties = record("userProperties");
  return {
    sessionId: id("sessionId"),
    parentEventId: text("parentEventId"),
    sessionName: text("sessionName"),
    // HoneyHive identifies users by user_properties.user_id; the explicit userId wins.
    userProperties: userId ? { ...userProperties, user_id: userId } : userProperties,
    metadata: record("metadata"),
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
