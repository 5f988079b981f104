/**
 * Keeps a repeated problem from flooding the app's log: while a server keeps answering 503, every
 * queued item would say the same thing. The first occurrence of a problem (same key, e.g. status +
 * endpoint) is logged; after that at most one line per interval, saying how many were suppressed.
 * `onError` is not throttled: the app still gets every error.
 */
import { GenerationalMap } from "./generational-map.js";

const LOG_THROTTLE_INTERVAL_MS = 60_000;

interface KeyState {
  lastLogged: number;
  suppressed: number;
}

export interface LogThrottleOptions {
  intervalMs?: number;
  /** The clock, injectable for tests. */
  now?: () => number;
  /** Most distinct keys remembered; a forgotten key is logged again on its next occurrence. */
  maxKeys?: number;
}

export class LogThrottle {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #keys: GenerationalMap<string, KeyState>;

  constructor(options: LogThrottleOptions = {}) {
    this.#intervalMs = options.intervalMs ?? LOG_THROTTLE_INTERVAL_MS;
    // Read at each call, not captured: a test's fake clock installed later still applies.
    this.#now = options.now ?? (() => Date.now());
    this.#keys = new GenerationalMap(options.maxKeys ?? 500);
  }

  /**
   * Whether to log this occurrence of `key` now: undefined to stay quiet, else how many occurrences
   * were held back since the last line for this key (for the caller to say so in its own words).
   */
  admit(key: string): number | undefined {
    const now = this.#now();
    const state = this.#keys.get(key);
    if (!state) {
      this.#keys.set(key, { lastLogged: now, suppressed: 0 });
      return 0;
    }
    if (now - state.lastLogged < this.#intervalMs) {
      state.suppressed++;
      return undefined;
    }
    const suppressed = state.suppressed;
    state.lastLogged = now;
    state.suppressed = 0;
    return suppressed;
  }

  /**
   * Whether to log this occurrence of `key` now. Returns the line to log (the message, with a
   * count of what was suppressed since the last line for this key), or undefined to stay quiet.
   */
  line(key: string, message: string): string | undefined {
    const suppressed = this.admit(key);
    if (suppressed === undefined) return undefined;
    return suppressed > 0
      ? `${message} (${suppressed} more like this since the last such line were not logged)`
      : message;
  }

  /** Logs `message` through `log` when `line` says so. */
  log(key: string, message: string, log: (line: string) => void): void {
    const line = this.line(key, message);
    if (line !== undefined) log(line);
  }
}
