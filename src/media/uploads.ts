/**
 * The `media.upload` hook: the bytes behind each media reference go wherever the app wants (its
 * own bucket) and the URL it answers is written into the reference (`"url"`), between the snapshot
 * at the callback and the queue — never in the callback (nothing there waits) and never in the
 * transport (which sends bodies, whatever is in them).
 *
 * - Once per distinct bytes: outcomes are remembered by SHA-256; concurrent events with the same
 *   image share one upload.
 * - Never blocks or loses an event: an event whose references are still uploading is held (its
 *   text is a promise, as with an async `mask`) only until each upload settles or `timeoutMs`
 *   passes; a rejected, throwing, late or nonsense answer leaves the plain reference. A late URL
 *   still serves later turns. `flush()` waits for held events like any other (bounded by the same
 *   timeout).
 * - Bounded memory: the decoded bytes of an upload in progress count in the byte budget
 *   (`maxQueueBytes`) until it settles or times out; with no room, the reference stays plain.
 */

import type { Text } from "../delivery/items.js";
import { HoneyHiveError } from "../errors.js";
import { unrefTimer } from "../runtime/timers.js";
import { cachedBytesOf, MAX_CACHED_MEDIA, referencesMade } from "./references.js";

/** The app's upload: the bytes and their MIME type in, the URL where they now are out. */
export type MediaUploadFunction = (bytes: Uint8Array, mimeType: string) => Promise<string>;

/** A failed upload is tried again for the same bytes after this long (a later turn), not at once. */
export const UPLOAD_RETRY_AFTER_MS = 60_000;
/** Most outcomes remembered (URLs are short: this bounds memory, not work). */
const MAX_OUTCOMES = MAX_CACHED_MEDIA * 4;

/**
 * What `"sha256":"` is followed by in a reference: 64 hex digits, the closing quote and the end of
 * the object (a reference writes its hash last), so an app's own object with a `sha256` and more
 * keys after it is never touched (and never gets a second `"url"`).
 */
const SHA_KEY = '"sha256":"';
const SHA_LENGTH = 64;

type Outcome =
  | { state: "pending"; settled: Promise<void> }
  | { state: "uploaded"; url: string }
  | { state: "failed"; at: number };

export interface UploadBudget {
  /** Counts `size` bytes in when there is room; false: no room. */
  reserve(size: number): boolean;
  release(size: number): void;
}

export class MediaUploads {
  readonly #upload: MediaUploadFunction;
  readonly #timeoutMs: number;
  readonly #budget: UploadBudget;
  readonly #onError: (error: Error) => void;
  readonly #outcomes = new Map<string, Outcome>();

  constructor(
    upload: MediaUploadFunction,
    timeoutMs: number,
    budget: UploadBudget,
    onError: (error: Error) => void,
  ) {
    this.#upload = upload;
    this.#timeoutMs = timeoutMs;
    this.#budget = budget;
    this.#onError = onError;
  }

  /** Starts the uploads `text`'s references need (at the snapshot, so they run while the run does). */
  start(text: string): void {
    for (const { sha256, mime } of references(text)) this.#outcome(sha256, mime);
  }

  /**
   * `text` with the URL of each uploaded reference written in: at once when every upload it needs
   * has settled (the usual case for a later turn), else a promise that resolves within `timeoutMs`.
   * Never rejects.
   */
  resolve(text: string): Text {
    const found = references(text);
    if (found.length === 0) return text;
    const waits: Promise<void>[] = [];
    for (const { sha256, mime } of found) {
      const outcome = this.#outcome(sha256, mime);
      if (outcome?.state === "pending") waits.push(outcome.settled);
    }
    if (waits.length === 0) return this.#withUrls(text, found);
    return Promise.all(waits).then(
      () => this.#withUrls(text, found),
      () => text,
    );
  }

  #withUrls(text: string, found: Found[]): string {
    let out = text;
    for (const { sha256 } of found) {
      const outcome = this.#outcomes.get(sha256);
      if (outcome?.state !== "uploaded") continue;
      const key = `${SHA_KEY}${sha256}"`;
      out = out.replaceAll(`${key}}`, `${key},"url":${JSON.stringify(outcome.url)}}`);
    }
    return out;
  }

  /** The outcome for these bytes, starting their upload when there is none (or a failure is old). */
  #outcome(sha256: string, mime: string): Outcome | undefined {
    const known = this.#outcomes.get(sha256);
    if (known !== undefined && !(known.state === "failed" && Date.now() - known.at >= UPLOAD_RETRY_AFTER_MS))
      return known;
    const bytes = cachedBytesOf(sha256);
    // Not a reference of ours (an app's own `sha256` field), or forgotten already: stays plain.
    if (bytes === undefined) return undefined;
    if (!this.#budget.reserve(bytes.byteLength)) return undefined;
    const pending: { state: "pending"; settled: Promise<void> } = {
      state: "pending",
      settled: Promise.resolve(),
    };
    // Remembered before the hook runs: a hook that throws at once replaces it with its failure.
    this.#remember(sha256, pending);
    pending.settled = this.#run(sha256, mime, bytes);
    return this.#outcomes.get(sha256);
  }

  #run(sha256: string, mime: string, bytes: Uint8Array): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (outcome: Outcome, problem?: string, cause?: unknown): void => {
        if (done) {
          // Late, after the timeout: the URL still serves the next turn.
          if (outcome.state === "uploaded") this.#remember(sha256, outcome);
          return;
        }
        done = true;
        clearTimeout(timer);
        this.#budget.release(bytes.byteLength);
        this.#remember(sha256, outcome);
        if (problem !== undefined)
          this.#onError(
            new HoneyHiveError(
              "media",
              `media upload ${problem}: the plain reference was recorded (sha256 ${sha256})`,
              {
                cause,
              },
            ),
          );
        resolve();
      };
      const fail = (problem: string, cause?: unknown): void =>
        finish({ state: "failed", at: Date.now() }, problem, cause);
      // Past it the event goes with the plain reference; a late URL is still remembered.
      const timer = setTimeout(
        () => fail(`did not settle within media.timeoutMs (${this.#timeoutMs} ms)`),
        this.#timeoutMs,
      );
      unrefTimer(timer);
      try {
        Promise.resolve(this.#upload(bytes, mime)).then(
          (url: unknown) =>
            typeof url === "string" && url !== ""
              ? finish({ state: "uploaded", url })
              : fail(`answered ${url === "" ? "an empty string" : typeof url}, not a URL`),
          (error: unknown) => fail("was rejected", error),
        );
      } catch (error) {
        fail("threw", error);
      }
    });
  }

  #remember(sha256: string, outcome: Outcome): void {
    if (this.#outcomes.size >= MAX_OUTCOMES && !this.#outcomes.has(sha256)) {
      const oldest = this.#outcomes.keys().next();
      if (!oldest.done) this.#outcomes.delete(oldest.value);
    }
    this.#outcomes.set(sha256, outcome);
  }
}

interface Found {
  sha256: string;
  mime: string;
}

/**
 * The references in a snapshot's text, each hash once. A native substring search, and only when
 * the process has made a reference at all; the MIME type is read back from the reference's own
 * `"mime_type"` (written just before `"sha256"`).
 */
function references(text: string): Found[] {
  if (referencesMade() === 0) return [];
  const found: Found[] = [];
  let seen: Set<string> | undefined;
  for (let at = text.indexOf(SHA_KEY); at >= 0; at = text.indexOf(SHA_KEY, at + SHA_KEY.length)) {
    const start = at + SHA_KEY.length;
    const sha256 = text.slice(start, start + SHA_LENGTH);
    if (
      text.charCodeAt(start + SHA_LENGTH) !== 0x22 /* " */ ||
      text.charCodeAt(start + SHA_LENGTH + 1) !== 0x7d /* } */ ||
      !/^[0-9a-f]{64}$/.test(sha256)
    )
      continue;
    seen ??= new Set();
    if (seen.has(sha256)) continue;
    seen.add(sha256);
    found.push({ sha256, mime: mimeBefore(text, at) });
  }
  return found;
}

const MIME_KEY = '"mime_type":"';

/** The `"mime_type"` of the reference whose `"sha256"` is at `at` (its object's text is short). */
function mimeBefore(text: string, at: number): string {
  const from = text.lastIndexOf(MIME_KEY, at);
  if (from < 0 || at - from > 300) return "application/octet-stream";
  const start = from + MIME_KEY.length;
  const end = text.indexOf('"', start);
  return end > start && end < at ? text.slice(start, end) : "application/octet-stream";
}
