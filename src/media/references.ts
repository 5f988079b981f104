/**
 * Media references (SPEC §4 "Media"): bytes an app put in a message — a data URL, a base64 block —
 * are recorded as `{type, mime_type, bytes, sha256}` instead of megabytes of base64 that the string
 * limit would cut into an unreadable half.
 *
 * A chat re-sends its history every turn, so the same image comes back again and again, usually as
 * another string with equal content. Digests are therefore cached by the base64 text itself: a
 * repeated image costs a Map lookup (V8 hashes a string once and compares equal-hash keys with a
 * native memcmp), not a decode and a hash. The cache is bounded in entries and in characters; it
 * keeps the texts alive while they are in it (that is also where an upload reads the bytes from).
 *
 * Cost of a new image: one native base64 decode and one native SHA-256 on Node (no JavaScript loop
 * over its characters); on other runtimes the hash is JavaScript (runtime/platform.web.ts).
 */
import { base64Bytes, sha256Hex } from "../runtime/platform.js";

export type MediaKind = "image" | "audio" | "video" | "file";

/** What is recorded in place of media bytes (a part of a message's content, at the same position). */
export interface MediaReference {
  type: MediaKind;
  mime_type: string;
  /** Size of the decoded bytes. */
  bytes: number;
  /** The file name the part carried (OpenAI `file` parts, standard file blocks). */
  filename?: string;
  /**
   * SHA-256 of the decoded bytes, hex. Written last: the upload step finds a reference by
   * `"sha256":"<hex>"}` and writes `"url"` after it (media/uploads.ts).
   */
  sha256: string;
  /** Where the app's `media.upload` hook put the bytes (written in once the upload settled). */
  url?: string;
}

/** Most digests remembered. */
export const MAX_CACHED_MEDIA = 256;
/** Most characters of base64 (≈ bytes of memory) the cache keeps alive; a longer text is not cached. */
export const MAX_CACHED_MEDIA_CHARS = 32 * 1024 * 1024;

interface Digest {
  bytes: number;
  sha256: string;
  /** The text the base64 is in, and where it starts (a data URL's payload follows its header). */
  text: string;
  start: number;
}

/** Digests by base64 text (LRU) and by hash (where an upload finds the bytes again). */
class DigestCache {
  readonly #byText = new Map<string, Digest>();
  readonly #bySha = new Map<string, Digest>();
  #chars = 0;
  /** Texts decoded and hashed so far (a cache miss each). */
  hashed = 0;

  digest(text: string, start: number): Digest {
    const hit = this.#byText.get(text);
    if (hit !== undefined) {
      // Most recently used last: re-inserting moves it.
      this.#byText.delete(text);
      this.#byText.set(text, hit);
      return hit;
    }
    const bytes = base64Bytes(text, start);
    this.hashed++;
    const digest: Digest = { bytes: bytes.length, sha256: sha256Hex(bytes), text, start };
    if (text.length <= MAX_CACHED_MEDIA_CHARS) this.#add(digest);
    return digest;
  }

  #add(digest: Digest): void {
    const existing = this.#bySha.get(digest.sha256);
    // The same bytes under another text (another header, another string): one entry is enough.
    if (existing !== undefined) this.#remove(existing);
    while (
      this.#byText.size >= MAX_CACHED_MEDIA ||
      this.#chars + digest.text.length > MAX_CACHED_MEDIA_CHARS
    ) {
      const oldest = this.#byText.values().next();
      if (oldest.done) break;
      this.#remove(oldest.value);
    }
    this.#byText.set(digest.text, digest);
    this.#bySha.set(digest.sha256, digest);
    this.#chars += digest.text.length;
  }

  #remove(digest: Digest): void {
    this.#byText.delete(digest.text);
    if (this.#bySha.get(digest.sha256) === digest) this.#bySha.delete(digest.sha256);
    this.#chars -= digest.text.length;
  }

  bySha(sha256: string): Digest | undefined {
    return this.#bySha.get(sha256);
  }

  get size(): { entries: number; chars: number; hashed: number } {
    return { entries: this.#byText.size, chars: this.#chars, hashed: this.hashed };
  }
}

const cache = new DigestCache();
/** References made so far in this process: 0 means no text can hold one (the upload step's shortcut). */
let made = 0;

export function referencesMade(): number {
  return made;
}

/** Entries and characters the digest cache holds, and how many texts it has hashed (tests). */
export function mediaCacheSize(): { entries: number; chars: number; hashed: number } {
  return cache.size;
}

/** The media kind of a MIME type: `image/*`, `audio/*`, `video/*`, anything else a file. */
export function mediaKind(mime: string): MediaKind {
  if (mime.startsWith("image/")) return "image";
  if (mime.startsWith("audio/")) return "audio";
  if (mime.startsWith("video/")) return "video";
  return "file";
}

/** The reference for the base64 in `text` from `start` on. */
export function base64Reference(
  text: string,
  start: number,
  mime: string,
  kind: MediaKind = mediaKind(mime),
  filename?: string,
): MediaReference {
  const digest = cache.digest(text, start);
  made++;
  return filename
    ? { type: kind, mime_type: mime, bytes: digest.bytes, filename, sha256: digest.sha256 }
    : { type: kind, mime_type: mime, bytes: digest.bytes, sha256: digest.sha256 };
}

/** The reference for binary data a block carries as it is (LangChain v1 `data: Uint8Array`). */
export function binaryReference(
  bytes: Uint8Array,
  mime: string,
  kind: MediaKind = mediaKind(mime),
  filename?: string,
): MediaReference {
  made++;
  const sha256 = sha256Hex(bytes);
  return filename
    ? { type: kind, mime_type: mime, bytes: bytes.byteLength, filename, sha256 }
    : { type: kind, mime_type: mime, bytes: bytes.byteLength, sha256 };
}

/** Longest data URL header looked at (`data:` + a MIME type with parameters + `;base64,`). */
const MAX_HEADER = 256;

/**
 * The MIME type and payload offset of a base64 data URL (`data:image/png;base64,…`), else
 * undefined (another URL, or a data URL of text, which is kept as it is).
 */
export function parseDataUrl(url: string): { mime: string; start: number } | undefined {
  if (!url.startsWith("data:")) return undefined;
  const comma = url.indexOf(",", 5);
  if (comma < 0 || comma > MAX_HEADER) return undefined;
  const header = url.slice(5, comma);
  if (!header.toLowerCase().endsWith(";base64")) return undefined;
  const semicolon = header.indexOf(";");
  const mime = header.slice(0, semicolon).trim().toLowerCase() || "application/octet-stream";
  return { mime, start: comma + 1 };
}

/** The reference for a base64 data URL, else undefined. */
export function dataUrlReference(
  url: string,
  kind?: MediaKind,
  filename?: string,
): MediaReference | undefined {
  const parsed = parseDataUrl(url);
  if (!parsed) return undefined;
  return base64Reference(url, parsed.start, parsed.mime, kind ?? mediaKind(parsed.mime), filename);
}

/** The base64 text and where it starts, for bytes hashed to `sha256` (the upload's source); undefined once forgotten. */
export function cachedBytesOf(sha256: string): Uint8Array | undefined {
  const digest = cache.bySha(sha256);
  return digest ? base64Bytes(digest.text, digest.start) : undefined;
}
