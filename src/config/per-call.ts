/**
 * Per-call settings: what an app may put under `metadata.honeyhive` of one invocation, and the
 * typed helper that builds it. The helper exists so that a misspelled key (`sesionId`) is a
 * compile error instead of a setting silently ignored at run time.
 */

/** Settings for one invocation (and everything it runs), overriding the handler's options. */
export interface HoneyHiveCallSettings {
  /**
   * Put this root run into this session (one conversation or thread). Non-UUIDs map to a stable
   * UUIDv5. Typed as a string; an integer that reaches it at run time (JavaScript, a loosely typed
   * database id) is taken as its decimal text, the same session as `thread_id: 12345`.
   */
  sessionId?: string;
  /** The session's display name. */
  sessionName?: string;
  /** The app's user (HoneyHive's `user_properties.user_id`, which its UI filters users by); an integer at run time is taken as its decimal text. */
  userId?: string;
  /** Added to the session's `user_properties`. */
  userProperties?: Record<string, unknown>;
  /** Added to the session's metadata. */
  metadata?: Record<string, unknown>;
  /** Attach this root run under an existing HoneyHive event. */
  parentEventId?: string;
}

/** Every key of HoneyHiveCallSettings (checked against the interface below), for run-time checks. */
export const PER_CALL_KEYS = [
  "sessionId",
  "sessionName",
  "userId",
  "userProperties",
  "metadata",
  "parentEventId",
] as const satisfies readonly (keyof HoneyHiveCallSettings)[];

// A key added to the interface but not to the list is a compile error here.
type MissingKey = Exclude<keyof HoneyHiveCallSettings, (typeof PER_CALL_KEYS)[number]>;
const _everyKeyListed: [MissingKey] extends [never] ? true : MissingKey = true;
void _everyKeyListed;

/**
 * Keys of T that HoneyHiveCallSettings does not have, each typed as a message no value can match:
 * passing one fails to compile, and the compiler's error names the key.
 */
type NoUnknownKeys<T> = {
  [K in Exclude<keyof T, keyof HoneyHiveCallSettings>]: {
    [notASetting]: `${K & string} is not a per-call setting`;
  };
};
/** Never exported, so no value can have this key: an unknown key can never type-check. */
declare const notASetting: unique symbol;

/**
 * Builds the per-call metadata: `{ honeyhive: settings }`. Use it as the whole metadata, or spread
 * it beside the app's own keys:
 *
 *   await agent.invoke(input, { callbacks: [handler], metadata: honeyhive({ sessionId, userId }) });
 *   await agent.invoke(input, { metadata: { ...honeyhive({ userId }), feature: "chat" } });
 *
 * An unknown key does not compile, even when the settings come from a variable.
 */
export function honeyhive<T extends HoneyHiveCallSettings>(
  settings: T & NoUnknownKeys<T>,
): { honeyhive: HoneyHiveCallSettings } {
  return { honeyhive: { ...settings } };
}
