/**
 * The platform seam (see `platform.ts`) for Workers, Edge routes, browsers, Deno and Bun: the
 * runtime's `fetch`, and nothing from Node.
 */
import { FetchTransport } from "../delivery/fetch-transport.js";
import type { Transport, TransportOptions } from "../delivery/transport.js";

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
