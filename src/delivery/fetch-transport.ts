/**
 * The transport for runtimes without Node's sockets (Workers, Edge routes) and for Bun and Deno:
 * one HTTP attempt through the runtime's own `fetch`, which pools connections itself. Node keeps
 * the undici pool (faster there); which build gets which is decided in `src/runtime/platform.ts`.
 */
import { unrefTimer } from "../runtime/timers.js";
import type { AttemptResult, Transport, TransportOptions } from "./transport.js";

const USER_AGENT = "honeyhive-langchain";

/** Error codes and messages that mean the server's certificate was refused: retrying cannot help. */
const CERT_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/i;
const CERT_MESSAGE = /certificate|UnknownIssuer|self[- ]signed/i;

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** Runtimes wrap the real cause (Node: `TypeError: fetch failed` → cause), so look down the chain. */
function isCertificateError(error: Error): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CERT_CODE.test(code)) return true;
    if (CERT_MESSAGE.test(e.message)) return true;
    e = e.cause;
  }
  return false;
}

export class FetchTransport implements Transport {
  readonly #base: string;
  readonly #headers: Headers | undefined;
  readonly #headerError: Error | undefined;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #connections: number;
  /** Controllers of the requests in flight: `destroy()` aborts them. */
  readonly #inFlight = new Set<AbortController>();
  /** Requests waiting for one of the `connections` slots, in order. */
  readonly #slotWaiters: (() => void)[] = [];
  /** Slots taken (in flight, or handed to a waiter that is about to start). */
  #active = 0;
  #idle: (() => void)[] = [];
  #closed = false;
  #destroyed = false;

  constructor(options: TransportOptions) {
    this.#base = options.serverUrl;
    this.#timeoutMs = options.requestTimeoutMs;
    this.#maxResponseBytes = options.maxResponseBytes;
    this.#connections = Math.max(1, options.connections);
    try {
      // Built once: a key that is not a valid header value fails every request the same way.
      this.#headers = new Headers({
        authorization: `Bearer ${options.apiKey}`,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
      });
    } catch (error) {
      // The runtime's message may quote the header value; never carry the key onwards.
      this.#headerError = new TypeError(
        `the API key is not a valid HTTP header value (${asError(error).name})`,
      );
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  async send(method: "POST" | "PUT", path: string, body: string): Promise<AttemptResult> {
    if (this.#headerError || !this.#headers) {
      return { kind: "network-error", error: this.#headerError ?? new Error("no headers"), retryable: false };
    }
    if (this.#closed) {
      return { kind: "network-error", error: new Error("the transport is closed"), retryable: false };
    }
    const slot = this.#acquire();
    if (slot) await slot;
    if (this.#destroyed) {
      this.#release();
      return { kind: "network-error", error: new Error("the transport was destroyed"), retryable: false };
    }
    const controller = new AbortController();
    this.#inFlight.add(controller);
    let timedOut = false;
    // One deadline for the whole attempt: connecting, headers, and reading the body.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    unrefTimer(timer);
    try {
      const res = await fetch(`${this.#base}${path}`, {
        method,
        headers: this.#headers,
        body,
        signal: controller.signal,
        // Like the Node transport: a redirect is an answer for the exporter to judge, not to follow
        // (following would turn the POST into a GET and lose the body).
        redirect: "manual",
      });
      const text = await this.#readCapped(res);
      return {
        kind: "response",
        status: res.status,
        body: text,
        retryAfter: res.headers.get("retry-after") ?? undefined,
      };
    } catch (error) {
      if (timedOut) {
        return {
          kind: "network-error",
          error: new Error(`request timed out after ${this.#timeoutMs} ms (requestTimeoutMs)`),
          retryable: true,
        };
      }
      const e = asError(error);
      return { kind: "network-error", error: e, retryable: !isCertificateError(e) };
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
      this.#release();
    }
  }

  /**
   * Reads the body up to the cap and cancels the rest, so a huge or endless answer costs neither
   * memory nor the deadline. Reading it (rather than leaving it) lets the runtime reuse the connection.
   */
  async #readCapped(res: Response): Promise<string> {
    if (!res.body) return "";
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = this.#maxResponseBytes - bytes;
      if (value.byteLength >= room) {
        text += decoder.decode(value.subarray(0, room));
        await reader.cancel().catch(() => undefined);
        break;
      }
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
    return text + decoder.decode();
  }

  #acquire(): Promise<void> | undefined {
    if (this.#active < this.#connections) {
      this.#active++;
      return undefined;
    }
    return new Promise((resolve) => this.#slotWaiters.push(resolve));
  }

  /** Hands the slot to the next waiter, or frees it. */
  #release(): void {
    const next = this.#slotWaiters.shift();
    if (next) {
      next();
      return;
    }
    this.#active--;
    if (this.#active === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#active === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  async destroy(): Promise<void> {
    this.#closed = true;
    this.#destroyed = true;
    for (const controller of this.#inFlight) controller.abort();
  }
}
