/**
 * A script that runs chains and returns must still deliver its events without calling flush().
 * Our sockets and retry timers never keep the process alive, so when the app is done Node emits
 * `beforeExit`; each pipeline with work left then gets one drain bounded by `flushTimeoutMs`
 * (its deadline timer is what keeps the process alive meanwhile). No signal handlers: those would
 * change how the app exits.
 */
import { onBeforeExit } from "../runtime/exit-hook.js";

export interface Drainable {
  drainBeforeExit(): Promise<void>;
}

const live = new Set<Drainable>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  // Workers and Edge have no such moment: there the app passes flush() to waitUntil.
  onBeforeExit(() => {
    const pipelines = [...live];
    live.clear();
    for (const p of pipelines) void p.drainBeforeExit();
  });
}

/** Registered only while it has work: an idle pipeline must not be kept alive by this registry. */
export function registerExitDrain(pipeline: Drainable): void {
  if (!installed) install();
  live.add(pipeline);
}

export function unregisterExitDrain(pipeline: Drainable): void {
  live.delete(pipeline);
}
