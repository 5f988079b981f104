/**
 * The Node transport: undici's keep-alive pool, shared by every handler of the process that talks to
 * the same server with the same key and options (a handler created per request costs no sockets),
 * and closed when the last of them is shut down.
 *
 * Its sockets never keep the process alive: they are unref'd for good (undici would ref them while a
 * request is pending). Whether the process may exit is decided by the app and, at exit, by the
 * delivery pipeline's bounded drain — not by a request hanging on a dead server.
 */
import type { Socket } from "node:net";
import { buildConnector, Pool } from "undici";
import {
  type AttemptResult,
  isRetryableNetworkError,
  type Transport,
  type TransportOptions,
} from "./transport.js";

const USER_AGENT = "honeyhive-langchain";

interface SharedPool {
  pool: Pool;
  /** Transports (handlers) using it that have not been closed or destroyed. */
  users: number;
  /** Set while nobody uses it: closes it unless a handler takes it up again first. */
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

/** undici's keep-alive for idle sockets: past it a pool holds no connection worth reusing. */
const KEEP_ALIVE_MS = 4_000;

/**
 * Open pools, by what they are built from. The key holds every setting the pool is configured with
 * (connections, the connect/headers/body timeouts derived from `requestTimeoutMs`): a pool is never
 * configured by whichever handler happened to come first. Keying by the options was chosen over
 * passing the timeouts per request because `connections` cannot be per request, and it keeps "the
 * pool is exactly what its key says" true for every setting. Handlers created per request with the
 * same options (the case sharing exists for) still share one pool.
 */
const pools = new Map<string, SharedPool>();

function poolKey(origin: string, apiKey: string, options: TransportOptions): string {
  return `${origin}\n${apiKey}\n${options.connections}\n${options.requestTimeoutMs}`;
}

/** Takes a reference to the pool for these settings, creating it when there is none open. */
function acquirePool(key: string, origin: string, options: TransportOptions): Pool {
  const shared = pools.get(key);
  if (shared && !shared.pool.closed && !shared.pool.destroyed) {
    shared.users++;
    clearTimeout(shared.idleTimer);
    shared.idleTimer = undefined;
    return shared.pool;
  }
  const connect = buildConnector({ timeout: Math.min(options.requestTimeoutMs, 10_000) });
  const pool = new Pool(origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: KEEP_ALIVE_MS,
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    connect(opts, callback) {
      connect(opts, (error, socket) => {
        if (socket) {
          const s = socket as Socket;
          s.unref();
          // undici refs a socket while it has pending requests; ours must never hold the process.
          s.ref = () => s;
        }
        // biome-ignore lint/suspicious/noExplicitAny: undici's connector callback overloads
        (callback as any)(error, socket);
      });
    },
  });
  pools.set(key, { pool, users: 1, idleTimer: undefined });
  return pool;
}

/**
 * Drops one reference. A pool per key kept for the life of the process cost ~23 KB per key in a
 * multi-tenant app (a key per tenant, a handler per request); now a pool nobody uses is closed and
 * forgotten once its sockets' keep-alive has run out, so an app that shuts down a handler per
 * request and makes the next one at once still reuses the warm connection (no new TCP/TLS
 * handshake per request). `abort` (a shutdown past its deadline) destroys it at once instead,
 * closing hung sockets.
 */
function releasePool(key: string, pool: Pool, abort: boolean): void {
  const shared = pools.get(key);
  if (!shared || shared.pool !== pool) return;
  shared.users--;
  if (shared.users > 0) return;
  const close = (): void => {
    pools.delete(key);
    void (abort ? pool.destroy() : pool.close()).catch(() => undefined);
  };
  if (abort) {
    close();
    return;
  }
  shared.idleTimer = setTimeout(close, KEEP_ALIVE_MS);
  // Waiting to close an idle pool must never keep the process alive.
  shared.idleTimer.unref?.();
}

/** How many pools are open in this process (diagnostics; not part of the package's API). */
export function openPoolCount(): number {
  return pools.size;
}

export class UndiciTransport implements Transport {
  readonly #pool: Pool;
  readonly #poolKey: string;
  /** Set once this transport gave its reference to the pool back (closed or destroyed). */
  #released = false;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  /** Set once this handler's requests are aborted (the pool is shared: never the others'). */
  #destroyed = false;
  /** One controller per request in flight: its deadline, or `destroy()`, aborts it. */
  readonly #controllers = new Set<AbortController>();
  readonly #inFlight = new Set<Promise<AttemptResult>>();

  constructor(options: TransportOptions) {
    const url = new URL(options.serverUrl);
    this.#basePath = url.pathname.replace(/\/+$/, "");
    this.#poolKey = poolKey(url.origin, options.apiKey, options);
    this.#pool = acquirePool(this.#poolKey, url.origin, options);
    this.#timeoutMs = options.requestTimeoutMs;
    this.#maxResponseBytes = options.maxResponseBytes;
    this.#headers = {
      authorization: `Bearer ${options.apiKey}`,
      "content-type": "application/json",
      "user-agent": USER_AGENT,
    };
  }

  send(method: "POST" | "PUT", path: string, body: string): Promise<AttemptResult> {
    const p = this.#send(method, path, body);
    this.#inFlight.add(p);
    void p.then(() => this.#inFlight.delete(p));
    return p;
  }

  async #send(method: "POST" | "PUT", path: string, body: string): Promise<AttemptResult> {
    if (this.#destroyed || this.#released) {
      return { kind: "network-error", error: new Error("the handler was shut down"), retryable: false };
    }
    // One deadline for the whole exchange: connect, headers and every byte of the body. A plain
    // controller and timer: AbortSignal.any/timeout cost more per request than the rest of the
    // handler's work for a small event (peer-bench profile).
    const controller = new AbortController();
    const signal = controller.signal;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    }, this.#timeoutMs);
    timer.unref?.();
    this.#controllers.add(controller);
    try {
      const res = await this.#pool.request({
        method,
        path: `${this.#basePath}${path}`,
        headers: this.#headers,
        body,
        signal,
      });
      const text = await readCapped(res.body, this.#maxResponseBytes);
      const retryAfter = res.headers["retry-after"];
      return {
        kind: "response",
        status: res.statusCode,
        body: text,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      if (timedOut && !this.#destroyed) {
        const timeout = new Error(`no complete answer within requestTimeoutMs (${this.#timeoutMs} ms)`);
        timeout.name = "RequestTimeout";
        return { kind: "network-error", error: timeout, retryable: true };
      }
      return { kind: "network-error", error: e, retryable: isRetryableNetworkError(e) };
    } finally {
      clearTimeout(timer);
      this.#controllers.delete(controller);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
    this.#release(false);
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const controller of this.#controllers) controller.abort();
    await Promise.allSettled([...this.#inFlight]);
    this.#release(true);
  }

  /** Once per transport, whichever of close() and destroy() comes first. */
  #release(abort: boolean): void {
    if (this.#released) return;
    this.#released = true;
    releasePool(this.#poolKey, this.#pool, abort);
  }
}

/** Reads a response body up to `max` bytes; the rest is discarded (a 50 MB error page costs 64 KB). */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > max) {
      chunks.push(chunk.subarray(0, max - size));
      size = max;
      body.destroy();
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks, size).toString("utf8");
}
