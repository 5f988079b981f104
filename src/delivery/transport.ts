/**
 * The one thing delivery needs from HTTP: send a body, get a status and a (capped) response text,
 * within one total deadline, never rejecting. Node uses a pooled undici client; runtimes without
 * Node sockets use `fetch`. Retries, ordering and meaning of statuses live above this line.
 */

export interface TransportOptions {
  /** Validated base URL, no trailing slash (may carry a path prefix). */
  serverUrl: string;
  apiKey: string;
  /** Most requests in flight at once. */
  connections: number;
  /** One total deadline per request: connecting, headers and the whole response body. */
  requestTimeoutMs: number;
  /** Response bodies are read up to this many bytes; the rest is discarded. */
  maxResponseBytes: number;
}

export type AttemptResult =
  | { kind: "response"; status: number; body: string; retryAfter: string | undefined }
  /** `retryable` is false for errors a retry cannot fix (TLS certificates, an invalid request). */
  | { kind: "network-error"; error: Error; retryable: boolean };

export interface Transport {
  /** Never rejects. */
  send(method: "POST" | "PUT", path: string, body: string): Promise<AttemptResult>;
  /** Waits for requests in flight, then releases resources. */
  close(): Promise<void>;
  /** Aborts whatever is in flight now. */
  destroy(): Promise<void>;
}

export type TransportFactory = (options: TransportOptions) => Transport;

/** Error codes that mean "this will fail the same way every time": certificates, bad requests. */
const PERMANENT_CODES =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME_MISMATCH|UND_ERR_INVALID_ARG|ERR_INVALID_(HTTP_TOKEN|CHAR|URL)|UND_ERR_NOT_SUPPORTED/;

/** Whether a network-level failure is worth retrying (timeouts, resets, refused: yes). */
export function isRetryableNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && PERMANENT_CODES.test(code)) return false;
    e = (e as { cause?: unknown }).cause;
  }
  return true;
}
