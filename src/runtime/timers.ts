/**
 * Timers the same way in every runtime. Node, Bun and Deno return timer objects with `unref()`;
 * Workers and Edge return a number and have no `setImmediate`. Nothing here may keep a process
 * alive on its own (see the exit hook).
 */

/** Lets the process exit while `timer` is pending, where the runtime has that notion. */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === "object" && timer !== null && "unref" in timer && typeof timer.unref === "function") {
    timer.unref();
  }
}

/**
 * Runs `fn` after the current macrotask, so everything enqueued in the same tick is seen at once:
 * `setImmediate` where it exists (Node, Bun, Deno), a zero timeout elsewhere.
 */
export const runSoon: (fn: () => void) => void =
  typeof globalThis.setImmediate === "function"
    ? (fn) => {
        setImmediate(fn);
      }
    : (fn) => {
        setTimeout(fn, 0);
      };
