/**
 * Timeouts the app hands us at run time (`flush({ timeoutMs })`). Node's timers hold at most
 * 2^31 − 1 ms; a larger value (Infinity included) fires after 1 ms with a TimeoutOverflowWarning
 * printed into the app's stderr, which would make `flush({ timeoutMs: Infinity })` return at once.
 */

/** The longest delay a Node timer can hold: about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A usable timer delay for a per-call timeout. `undefined`, NaN, negative or non-number values
 * mean "not given" (the default applies: a typo should not turn into "wait forever" nor into
 * "give up at once"); Infinity and anything past the timer limit mean "as long as a timer can
 * wait"; fractions are rounded up so a positive timeout never becomes 0.
 */
export function timerDelay(requested: unknown, fallback: number): number {
  if (typeof requested !== "number" || Number.isNaN(requested) || requested < 0) {
    return Math.min(Math.max(0, fallback), MAX_TIMER_MS);
  }
  return Math.min(Math.ceil(requested), MAX_TIMER_MS);
}
