/**
 * What differs between the Node build and the build for every other runtime, in one seam.
 *
 * This file is the Node implementation, and the one the sources, tests, tsx and the Node entry of
 * the package see. `platform.web.ts` is the same surface without Node built-ins; tsup builds the
 * package a second time with imports of this module redirected to it (see `tsup.config.ts`), and
 * package.json's conditional `exports` give that build to Workers (`workerd`, `worker`), Vercel
 * Edge (`edge-light`), browsers, Deno and Bun.
 *
 * Why conditions chosen at install/bundle time rather than feature detection at construction: a
 * bundler cannot drop undici from a Worker's bundle because a runtime check would not take that
 * branch, and undici needs `node:net`; and the Node path stays exactly as it was (no indirection on
 * the hot path). Bun is on the fetch side because undici's pool does not work under Bun (its
 * responses come back without a body); Deno because its native `fetch` needs no Node compat layer.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Transport, TransportOptions } from "../delivery/transport.js";
import { UndiciTransport } from "../delivery/undici-transport.js";

/** The undici pool (shared per server and key): measurably faster on Node than Node's own fetch. */
export function createTransport(options: TransportOptions): Transport {
  return new UndiciTransport(options);
}

/**
 * An AbortSignal that every waiting request listens to: Node warns about a leak past 10 listeners,
 * which would print into the app's console.
 */
export function allowManyAbortListeners(signal: AbortSignal): void {
  setMaxListeners(0, signal);
}

/** Bytes of `text` as UTF-8, without encoding it. */
export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * The bytes of the base64 text in `text` from `start` on (a data URL's payload follows its
 * header): Node's native decoder, lenient as Node is (stray characters skipped). Node decodes an
 * external string (what `buffer.toString("base64")` makes) in place and widens any other string
 * to UTF-16 first — still native, and cheaper than the alternatives measured (bench/media.ts).
 */
export function base64Bytes(text: string, start = 0): Uint8Array {
  return Buffer.from(start > 0 ? text.slice(start) : text, "base64");
}

/** SHA-256 of `bytes` as 64 lowercase hex digits: Node's native hash (one pass, no JS loop). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The class of the async context store trace context lives in (see src/context/storage.ts). */
export function asyncLocalStorageClass(): AsyncLocalStorageClass | undefined {
  return AsyncLocalStorage;
}

/** What src/context/ needs of `AsyncLocalStorage`: Node's, Bun's, Deno's, workerd's and Edge's alike. */
export interface AsyncLocalStorageLike<T> {
  getStore(): T | undefined;
  run<R>(store: T, callback: () => R): R;
}
export type AsyncLocalStorageClass = new <T>() => AsyncLocalStorageLike<T>;
