/**
 * The contract between the exporter and whatever carries its requests: undici's pool on Node, the
 * runtime's `fetch` elsewhere (see `src/runtime/platform.ts` for which one a build gets). One call
 * is one HTTP attempt; retries, status meanings and logging belong to the exporter.
 */
export interface TransportOptions {
  serverUrl: string; // validated base URL, no trailing slash (may have a path prefix)
  apiKey: string;
  connections: number; // most requests in flight at once
  requestTimeoutMs: number; // ONE total deadline per request: connect + headers + the whole body
  maxResponseBytes: number; // response bodies are read up to this cap; the rest is discarded
}
export type AttemptResult =
  | { kind: "response"; status: number; body: string; retryAfter: string | undefined }
  | { kind: "network-error"; error: Error; retryable: boolean }; // TLS cert / invalid header: false
export interface Transport {
  /** Never rejects. */
  send(method: "POST" | "PUT", path: string, body: string): Promise<AttemptResult>;
  /** Waits for requests in flight, then releases resources. */
  close(): Promise<void>;
  /** Aborts whatever is in flight now. */
  destroy(): Promise<void>;
}
export type TransportFactory = (options: TransportOptions) => Transport;
