/**
 * The platform seam (see `platform.ts`) for Workers, Edge routes, browsers, Deno and Bun: the
 * runtime's `fetch`, and nothing from Node.
 */
import { FetchTransport } from "../delivery/fetch-transport.js";
import type { Transport, TransportOptions } from "../delivery/transport.js";
import type { AsyncLocalStorageClass } from "./platform.js";

/**
 * No `node:crypto` here, and Web Crypto's `digest` is async while snapshots are synchronous: the
 * media references' hash is computed in JavaScript (util/sha256.ts), once per distinct image.
 */
export { sha256Hex } from "../util/sha256.js";
export type { AsyncLocalStorageClass, AsyncLocalStorageLike } from "./platform.js";

export function createTransport(options: TransportOptions): Transport {
  return new FetchTransport(options);
}

/** Web AbortSignals have no listener limit and print no leak warning. */
export function allowManyAbortListeners(_signal: AbortSignal): void {}

/**
 * Bytes of `text` as UTF-8 (what `Buffer.byteLength` answers), counted without encoding: a lone
 * surrogate becomes U+FFFD, 3 bytes, as the encoder writes it.
 */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // 4 bytes for 2 code units
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/** Base64 alphabet (standard and URL-safe) to 6-bit values; 255: not base64 (skipped, as Node does). */
const SEXTETS = new Uint8Array(128).fill(255);
for (let i = 0; i < 64; i++)
  SEXTETS["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(i)] = i;
SEXTETS[45] = 62; // -
SEXTETS[95] = 63; // _

/**
 * The bytes of the base64 text in `text` from `start` on, decoded as leniently as Node's
 * `Buffer.from(text, "base64")` (whitespace and stray characters skipped, URL-safe letters taken):
 * `Uint8Array.fromBase64` / `atob` where they accept the text, else a loop here.
 */
export function base64Bytes(text: string, start = 0): Uint8Array {
  const payload = start > 0 ? text.slice(start) : text;
  const native = (Uint8Array as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  try {
    if (typeof native === "function") return native(payload);
    if (typeof atob === "function") {
      const binary = atob(payload);
      const out = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
      return out;
    }
  } catch {
    // Not strict base64 (line breaks, URL-safe letters, no padding): the lenient loop below.
  }
  const out = new Uint8Array(Math.floor((payload.length * 3) / 4) + 3);
  let n = 0;
  let bits = 0;
  let count = 0;
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i);
    if (c === 61 /* = */) break;
    const v = c < 128 ? (SEXTETS[c] as number) : 255;
    if (v === 255) continue;
    bits = ((bits << 6) | v) & 0xffffff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[n++] = (bits >> count) & 0xff;
    }
  }
  return out.subarray(0, n);
}

/** Where LangChain keeps its own store (`@langchain/core` singletons, shared with langsmith). */
const LANGCHAIN_STORAGE = Symbol.for("ls:tracing_async_local_storage");

/**
 * `AsyncLocalStorage` where the runtime has it, found without importing `node:async_hooks` (a
 * Worker built without nodejs_compat, or a browser, must not fail to bundle or load): Vercel Edge
 * exposes it as a global; Bun, Deno, and workerd with nodejs_compat (compatibility date 2024-09-23
 * or later: earlier ones have no `process`) answer `process.getBuiltinModule`; failing those, the
 * class of the store LangChain itself set up (its `@langchain/core/context` entry, or LangGraph's,
 * does on import). Undefined: no async context, trace context works only through explicit ids
 * (README, runtimes).
 */
export function asyncLocalStorageClass(): AsyncLocalStorageClass | undefined {
  const g = globalThis as {
    AsyncLocalStorage?: unknown;
    process?: { getBuiltinModule?: (id: string) => { AsyncLocalStorage?: unknown } | undefined };
    [LANGCHAIN_STORAGE]?: { constructor?: unknown; run?: unknown };
  };
  try {
    if (typeof g.AsyncLocalStorage === "function") return g.AsyncLocalStorage as AsyncLocalStorageClass;
    const builtin = g.process?.getBuiltinModule?.("node:async_hooks")?.AsyncLocalStorage;
    if (typeof builtin === "function") return builtin as AsyncLocalStorageClass;
    const langchain = g[LANGCHAIN_STORAGE];
    // LangChain's stand-in where there is none has a `run` too, but is not a real store: its class is
    // named MockAsyncLocalStorage.
    const ctor = langchain?.constructor as { name?: string } | undefined;
    if (typeof ctor === "function" && ctor.name === "AsyncLocalStorage")
      return ctor as unknown as AsyncLocalStorageClass;
  } catch {
    // A getter on process that throws (Deno without permissions): no async context.
  }
  return undefined;
}
