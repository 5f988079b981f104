/**
 * Privacy controls, applied before anything leaves the process: the runner of a user's `mask` over
 * inputs, outputs and metadata (sync or async), and per-session sampling. The recorder applies them
 * where it builds events, on the callback path: the mask to each field's JSON text as the event is
 * recorded (an async mask settles later; the pipeline waits for it before sending), sampling when
 * a root starts (and the handler for enrichment). `hideInputs` / `hideOutputs` are the recorder's
 * own: it never converts a hidden field.
 *
 * Masking fails closed: if the mask throws or rejects, the field is replaced by a fixed marker
 * rather than sent unmasked.
 */
import type { Text } from "../delivery/pipeline.js";
import { HoneyHiveError } from "../errors.js";
import { jsonText } from "../mapping/to-json.js";
import { unrefTimer } from "../runtime/timers.js";
import type { Dict } from "../util/dict.js";
import { GenerationalMap } from "../util/generational-map.js";
import { sha1 } from "../util/sha1.js";

export type MaskedField = "inputs" | "outputs" | "metadata";

export interface MaskContext {
  field: MaskedField;
  /** `model`, `tool`, `chain`, or `session` for session inputs/outputs. */
  eventType: string;
  eventName: string | undefined;
}

/** Receives a field's JSON value and returns what may leave the process. */
export type MaskFunction = (value: Dict, context: MaskContext) => unknown | Promise<unknown>;

function isPlainObject(v: unknown): v is Dict {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export const MASK_FAILED = "[masking failed: field withheld]";

/**
 * Masks one field's JSON text: hands the user's mask the parsed value and returns the JSON text of
 * what it gave back. Runs off the callback path's clock (the mask may be async); resolves within
 * `maskTimeoutMs` whatever the mask does, and never rejects.
 */
export type FieldMasker = (text: string, field: MaskedField, eventType: string, eventName: string) => Text;

export function fieldMasker(
  mask: MaskFunction | undefined,
  maskTimeoutMs: number,
  onError: (e: Error) => void,
): FieldMasker | undefined {
  if (!mask) return undefined;
  const withheld = (field: MaskedField): string =>
    field === "metadata" ? "{}" : JSON.stringify({ masked: MASK_FAILED });
  return (text, field, eventType, eventName) =>
    new Promise<string>((resolve) => {
      let done = false;
      const finish = (out: string): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(out);
      };
      const fail = (why: string, cause?: unknown): void => {
        onError(
          new HoneyHiveError(
            "mask",
            `mask ${why} on ${field} of ${eventType} ${eventName}: the field was withheld`,
            {
              cause,
            },
          ),
        );
        finish(withheld(field));
      };
      // Fail closed: a mask that never settles must not hold the event (or the queue) forever.
      const timer = setTimeout(
        () => fail(`did not settle within maskTimeoutMs (${maskTimeoutMs} ms)`),
        maskTimeoutMs,
      );
      unrefTimer(timer);
      try {
        const value = JSON.parse(text) as Dict;
        Promise.resolve(mask(value, { field, eventType, eventName })).then(
          (masked) =>
            finish(
              isPlainObject(masked)
                ? jsonText(masked)
                : field === "metadata"
                  ? "{}"
                  : `{"value":${jsonText(masked)}}`,
            ),
          (error: unknown) => fail("threw", error),
        );
      } catch (error) {
        fail("threw", error);
      }
    });
}

/**
 * Keeps a session or not, the same way in every process: a session is recorded whole or not at
 * all, and all turns of a thread make the same decision.
 */
export function sessionSampler(rate: number): (sessionId: string) => boolean {
  if (rate >= 1) return () => true;
  if (rate <= 0) return () => false;
  // Asked for every item enqueued: hash each session once, not once per event.
  const decided = new GenerationalMap<string, boolean>(2_000);
  return (sessionId) => {
    const known = decided.get(sessionId);
    if (known !== undefined) return known;
    const h = sha1(sessionId);
    const first32 =
      (((h[0] as number) << 24) | ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number)) >>>
      0;
    const keep = first32 / 0x1_0000_0000 < rate;
    decided.set(sessionId, keep);
    return keep;
  };
}
