/**
 * The errors this library raises or hands to `onError`. They share one base class and a stable
 * `code`, so an app can branch on `error.code` without parsing messages (which may change).
 */

/**
 * What went wrong, stable across releases:
 * - `config`: an invalid option or environment variable;
 * - `auth`: HoneyHive refused the API key (401/403);
 * - `rejected`: HoneyHive refused a request for another reason (a 4xx that is not retried);
 * - `unreachable`: the server could not be reached, or kept failing until the retry budget ran out;
 * - `mask`: the app's `mask` function threw or rejected (the field was withheld);
 * - `media`: the app's `media.upload` hook failed, answered no URL or was too slow (the plain
 *   reference was recorded);
 * - `internal`: a failure inside the handler itself (a bug: please report it).
 */
export type HoneyHiveErrorCode =
  | "config"
  | "auth"
  | "rejected"
  | "unreachable"
  | "mask"
  | "media"
  | "internal";

export class HoneyHiveError extends Error {
  override name = "HoneyHiveError";
  readonly code: HoneyHiveErrorCode;

  constructor(code: HoneyHiveErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * An invalid option (thrown by the constructor: a programming error) or environment variable
 * (logged, and the handler disables itself: the app keeps running).
 */
export class HoneyHiveConfigError extends HoneyHiveError {
  override name = "HoneyHiveConfigError";
  /** The option (`serverUrl`) or environment variable (`HH_API_URL`) at fault, when there is one. */
  readonly setting: string | undefined;

  constructor(message: string, setting?: string) {
    super("config", message);
    this.setting = setting;
  }
}

/** HoneyHive refused a request or could not be reached; `status` is the HTTP status when there was one. */
export class HoneyHiveDeliveryError extends HoneyHiveError {
  override name = "HoneyHiveDeliveryError";
  readonly status: number | undefined;

  constructor(
    message: string,
    status?: number,
    options?: { code?: "auth" | "rejected" | "unreachable"; cause?: unknown },
  ) {
    super(options?.code ?? deliveryCode(status), message, options);
    this.status = status;
  }
}

/** 401/403 is the key; another 4xx (bar 408/429, which are retried) is a refusal; the rest is reachability. */
function deliveryCode(status: number | undefined): "auth" | "rejected" | "unreachable" {
  if (status === 401 || status === 403) return "auth";
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return "rejected";
  }
  return "unreachable";
}

/** Every `onError` payload is a HoneyHiveError: anything else is a bug inside the handler. */
export function asHoneyHiveError(error: unknown): HoneyHiveError {
  if (error instanceof HoneyHiveError) return error;
  let message: string;
  try {
    message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    message = "(an unprintable value was thrown)";
  }
  return new HoneyHiveError("internal", `internal error in honeyhive-langchain: ${message}`, {
    cause: error,
  });
}
