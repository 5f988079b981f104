/**
 * Finds an object with the same key twice in a JSON text. `JSON.parse` silently keeps the last of
 * two equal keys, so a client that writes `"metadata"` twice in one object would otherwise go
 * unseen; HoneyHive's own parser may keep the other one, or refuse the body.
 *
 * One pass over the text, iterative (bodies may nest a million deep, far past the call stack), with
 * a key set per open object. Keys compare decoded, as `JSON.parse` compares them (`"a"` and
 * `"\u0061"` are the same key); only keys with a backslash are decoded, so the common case costs a
 * slice. Meant for text that `JSON.parse` accepted: on malformed text it neither throws nor loops,
 * but what it reports is unspecified.
 *
 * `scanJson` also measures how deep the text nests, in the same pass, so the collector can refuse
 * a body too deep for anything downstream to walk without parsing it twice.
 */

export interface DuplicateKey {
  /** The key, decoded (truncated to 200 characters). */
  key: string;
  /** Where the object holding it is, as `events[3].metadata` (`""` for the top-level value). */
  path: string;
  /** Offset of the second occurrence's opening quote in the text (UTF-16 code units). */
  offset: number;
  /** `duplicate key "metadata" in events[3] (offset 1234)`. */
  message: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Levels named in full at each end of a path before the middle is elided. */
const PATH_ENDS = 16;
const MAX_SEGMENT = 100;
const MAX_KEY = 200;

/** The index of the quote closing the string whose opening quote is at `open` (or `text.length`). */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return text.length;
    let backslashes = 0;
    for (let i = at - 1; text.charCodeAt(i) === BACKSLASH; i--) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

function decodeKey(text: string, open: number, close: number): string {
  const raw = text.slice(open + 1, close);
  if (!raw.includes("\\")) return raw;
  try {
    return JSON.parse(text.slice(open, close + 1)) as string;
  } catch {
    return raw;
  }
}

function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${truncate(JSON.stringify(key), MAX_SEGMENT)}]`;
}

/** What one pass over a JSON text found: a duplicate key (if any) and how deep it nests. */
export interface JsonScan {
  duplicate: DuplicateKey | undefined;
  /** Deepest nesting of objects and arrays (`{}` is 1); counted up to the duplicate when there is one. */
  maxDepth: number;
}

export function findDuplicateKey(text: string): DuplicateKey | undefined {
  return scanJson(text).duplicate;
}

export function scanJson(text: string): JsonScan {
  // Per open container, by depth: for an object its keys so far (`keySets`, made at its second key)
  // and the latest (`currentKeys`); for an array the index of the current element (`indexes`, -1
  // for an object). Slots are reused as depth goes up and down, never shrunk.
  const keySets: (Set<string> | undefined)[] = [];
  const currentKeys: (string | undefined)[] = [];
  const indexes: number[] = [];
  let depth = 0;
  let maxDepth = 0;
  let expectKey = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const close = closingQuote(text, i);
      if (expectKey && depth > 0 && indexes[depth - 1] === -1) {
        expectKey = false;
        const top = depth - 1;
        const key = decodeKey(text, i, close);
        const first = currentKeys[top];
        let keys = keySets[top];
        if (keys === undefined && first !== undefined) {
          keys = new Set([first]);
          keySets[top] = keys;
        }
        if (keys?.has(key)) return { duplicate: describe(key, i, depth, currentKeys, indexes), maxDepth };
        keys?.add(key);
        currentKeys[top] = key;
      }
      i = close;
    } else if (c === OPEN_OBJECT) {
      keySets[depth] = undefined;
      currentKeys[depth] = undefined;
      indexes[depth] = -1;
      depth++;
      if (depth > maxDepth) maxDepth = depth;
      expectKey = true;
    } else if (c === OPEN_ARRAY) {
      keySets[depth] = undefined;
      indexes[depth] = 0;
      depth++;
      if (depth > maxDepth) maxDepth = depth;
      expectKey = false;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) {
        depth--;
        expectKey = false;
        // Drop the finished object's keys now: a wide sibling must not keep a dead set alive.
        keySets[depth] = undefined;
      }
    } else if (c === COMMA) {
      if (depth > 0) {
        const top = depth - 1;
        const index = indexes[top] ?? -1;
        if (index === -1) expectKey = true;
        else indexes[top] = index + 1;
      }
    } else if (c === COLON) {
      expectKey = false;
    }
  }
  return { duplicate: undefined, maxDepth };
}

function describe(
  key: string,
  offset: number,
  depth: number,
  currentKeys: (string | undefined)[],
  indexes: number[],
): DuplicateKey {
  // The object holding the duplicate is at depth - 1; the path to it runs through levels 0..depth-2.
  const levels = depth - 1;
  const segment = (level: number): string => {
    const index = indexes[level] ?? -1;
    return index === -1 ? keySegment(currentKeys[level] ?? "") : `[${index}]`;
  };
  let path = "";
  if (levels <= PATH_ENDS * 2) {
    for (let level = 0; level < levels; level++) path += segment(level);
  } else {
    for (let level = 0; level < PATH_ENDS; level++) path += segment(level);
    path += `…(${levels - PATH_ENDS * 2} levels)…`;
    for (let level = levels - PATH_ENDS; level < levels; level++) path += segment(level);
  }
  if (path.startsWith(".")) path = path.slice(1);
  const shown = truncate(key, MAX_KEY);
  const where = path === "" ? "the top-level object" : path;
  return {
    key: shown,
    path,
    offset,
    message: `duplicate key ${JSON.stringify(shown)} in ${where} (offset ${offset})`,
  };
}
