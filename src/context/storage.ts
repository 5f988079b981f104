/**
 * The async context trace context lives in: one `AsyncLocalStorage` for the library, holding the
 * innermost traced call or continued trace ("frame") of the code that is running. Frames chain
 * outwards, so each handler finds its own innermost frame even when several handlers nest.
 *
 * The store is created the first time the app uses `trace` or `continueTrace`: until then the
 * per-callback cost is one check of a module variable (the plain LangChain path stays as it was).
 */

import type { Attachment } from "../runs/run-store.js";
import type { AsyncLocalStorageLike } from "../runtime/platform.js";
import { asyncLocalStorageClass } from "../runtime/platform.js";
import { initializeLangChainStorage } from "./langchain.js";

export interface Frame {
  /** The recorder (one per handler) the frame belongs to: only its runs attach to it. */
  readonly owner: object;
  /** Where runs started inside attach; undefined for a continued trace that carried only a trace id. */
  readonly attachment: Attachment | undefined;
  /**
   * LangChain's current run (its id) when the frame was entered. A LangChain run that starts inside
   * the frame naming that run as its parent (callbacks inherited from a tool) is inside the frame;
   * one naming any other known run started inside the frame, under that run.
   */
  readonly lcRunId: string | undefined;
  /** The W3C trace id this code runs under (a continued trace's, or the first frame's). */
  readonly traceId: string | undefined;
  readonly outer: Frame | undefined;
}

let storage: AsyncLocalStorageLike<Frame> | undefined;
let looked = false;

/** The store, created on first use; undefined where the runtime has no AsyncLocalStorage. */
export function contextStorage(): AsyncLocalStorageLike<Frame> | undefined {
  if (!looked) {
    looked = true;
    const Storage = asyncLocalStorageClass();
    if (Storage) {
      storage = new Storage<Frame>();
      // LangChain reads the run a tool's or lambda's code runs in from its own store, which exists
      // only once something creates it (LangGraph does on import; plain @langchain/core does not).
      initializeLangChainStorage(Storage);
    }
  }
  return storage;
}

/** The innermost frame, whoever it belongs to. */
export function innermostFrame(): Frame | undefined {
  return storage?.getStore();
}

/** The innermost frame of `owner`. Cheap when trace context was never used: `storage` is unset. */
export function frameOf(owner: object): Frame | undefined {
  if (storage === undefined) return undefined;
  let frame = storage.getStore();
  while (frame !== undefined && frame.owner !== owner) frame = frame.outer;
  return frame;
}

/** Runs `fn` inside `frame` (or plainly, where there is no async context). */
export function runInFrame<R>(frame: Frame, fn: () => R): R {
  const s = contextStorage();
  return s ? s.run(frame, fn) : fn();
}
