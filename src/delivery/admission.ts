/**
 * Admission by bytes: memory is bounded by the characters of serialized JSON (≈ bytes) recorded
 * and not yet settled, counted from the moment of recording (open runs' input snapshots included).
 * Past `maxQueueBytes`, whole new roots are refused — never part of a started one: the rest of a
 * started root and every completion are always accepted.
 */
import type { Logger } from "../util/logger.js";
import type { DeliveryCounters } from "./counters.js";

export class ByteBudget {
  readonly #max: number;
  readonly #logger: Logger;
  readonly #counters: DeliveryCounters;
  #used = 0;
  #warned = false;

  constructor(max: number, logger: Logger, counters: DeliveryCounters) {
    this.#max = max;
    this.#logger = logger;
    this.#counters = counters;
  }

  /** Characters recorded and not yet settled. */
  get used(): number {
    return this.#used;
  }

  /** Counts characters in (held for an open run, or enqueued). */
  add(size: number): void {
    this.#used += size;
  }

  /**
   * Counts `size` in only when it fits under the budget: for what may be skipped instead (the
   * decoded bytes of a media upload in progress, media/uploads.ts), unlike a started root's data.
   */
  reserve(size: number): boolean {
    if (this.#used + size > this.#max) return false;
    this.#used += size;
    return true;
  }

  /** Gives characters back (an open run's snapshot moved into its event, or an item settled). */
  release(size: number): void {
    this.#used -= size;
  }

  /** Whether a new root of `size` characters may start; a refusal is counted (and said once). */
  admitRoot(size: number): boolean {
    if (this.#used + size <= this.#max) return true;
    this.#counters.droppedSessions++;
    if (!this.#warned) {
      this.#warned = true;
      this.#logger.warn(
        `dropping new sessions: ${this.#used} characters of events are waiting to be sent (maxQueueBytes ${this.#max}). ` +
          "Sessions already started are kept whole; stats().droppedSessions counts the rest. This is said once.",
      );
    }
    return false;
  }
}
