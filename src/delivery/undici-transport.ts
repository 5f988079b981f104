/**
 * The Node transport: undici's keep-alive pool, shared by every handler of the process that talks to
 * the same server with the same key (a handler created per request costs no sockets).
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

const pools = new Map<string, Pool>();

function sharedPool(origin: string, apiKey: string, options: TransportOptions): Pool {
  const key = `${origin}\n${apiKey}`;
  let pool = pools.get(key);
  if (pool && !pool.closed && !pool.destroyed) return pool;
  const connect = buildConnector({ timeout: Math.min(options.requestTimeoutMs, 10_000) });
  pool = new Pool(origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 4_000,
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
  pools.set(key, pool);
  return pool;
}

export class UndiciTransport implements Transport {
  readonly #pool: Pool;
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
    this.#pool = sharedPool(url.origin, options.apiKey, options);
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
    if (this.#destroyed) {
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
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const controller of this.#controllers) controller.abort();
    await Promise.allSettled([...this.#inFlight]);
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
