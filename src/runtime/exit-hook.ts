/**
 * Delivery at exit without `flush()`. Node, Bun and Deno emit `beforeExit` when the event loop
 * empties, and a handler can still deliver then (new requests keep the process alive until they
 * settle, and `beforeExit` fires again afterwards). Workers and Edge routes have no process to
 * exit: the platform ends the request's work when the response is sent, so there the app must pass
 * `handler.flush()` to `ctx.waitUntil` (or `event.waitUntil`); registering is a no-op there.
 *
 * Never signal handlers: installing one changes how the app exits on SIGINT/SIGTERM.
 */
interface ProcessWithEvents {
  on(event: "beforeExit", listener: () => void): unknown;
}

function processWithEvents(): ProcessWithEvents | undefined {
  const p = (globalThis as { process?: { on?: unknown } }).process;
  return p && typeof p.on === "function" ? (p as ProcessWithEvents) : undefined;
}

/**
 * Calls `drain` each time the runtime is about to exit because nothing is left to do. Returns false
 * when the runtime has no such moment (Workers, Edge): the app must flush explicitly there.
 */
export function onBeforeExit(drain: () => void): boolean {
  const p = processWithEvents();
  if (!p) return false;
  p.on("beforeExit", drain);
  return true;
}
