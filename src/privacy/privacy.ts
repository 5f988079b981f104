/**
 * Privacy controls applied in the delivery pipeline, before anything leaves the process: a user's
 * `mask` over inputs, outputs and metadata (sync or async), switches that drop inputs or outputs
 * entirely, and per-session sampling.
 *
 * Masking fails closed: if the mask throws or rejects, the field is replaced by a fixed marker
 * rather than sent unmasked.
 */
import type { Dict } from "../mapping/langchain-objects.js";
import { GenerationalMap } from "../util/generational-map.js";
import { sha1 } from "../util/sha1.js";
import type { BodyTransform } from "../wire/prepare.js";

export type MaskedField = "inputs" | "outputs" | "metadata";

export interface MaskContext {
  field: MaskedField;
  /** `model`, `tool`, `chain`, or `session` for session inputs/outputs. */
  eventType: string;
  eventName: string | undefined;
}

/** Receives a field's JSON value and returns what may leave the process. */
export type MaskFunction = (value: Dict, context: MaskContext) => unknown | Promise<unknown>;

export interface PrivacyOptions {
  mask: MaskFunction | undefined;
  hideInputs: boolean;
  hideOutputs: boolean;
}

export const MASK_FAILED = "[masking failed: field withheld]";
const HIDDEN = { hidden: "[not recorded: hideInputs/hideOutputs]" };

function isPlainObject(v: unknown): v is Dict {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The body transform for these options, or undefined when there is nothing to do. */
export function privacyTransform(
  options: PrivacyOptions,
  onError: (e: Error) => void,
): BodyTransform | undefined {
  const { mask, hideInputs, hideOutputs } = options;
  if (!mask && !hideInputs && !hideOutputs) return undefined;
  return async (body) => {
    const out: Dict = { ...body };
    if (hideInputs && "inputs" in out) out.inputs = { ...HIDDEN };
    if (hideOutputs && "outputs" in out && out.outputs !== null) out.outputs = { ...HIDDEN };
    if (!mask) return out;
    const eventType = typeof out.event_type === "string" ? out.event_type : "session";
    const eventName =
      typeof out.event_name === "string"
        ? out.event_name
        : typeof out.session_name === "string"
          ? out.session_name
          : undefined;
    for (const field of ["inputs", "outputs", "metadata"] as const) {
      const value = out[field];
      if (!isPlainObject(value)) continue;
      if ((field === "inputs" && hideInputs) || (field === "outputs" && hideOutputs)) continue;
      try {
        const masked = await mask(value, { field, eventType, eventName });
        out[field] = isPlainObject(masked) ? masked : field === "metadata" ? {} : { value: masked };
      } catch (error) {
        out[field] = { masked: MASK_FAILED };
        onError(
          new Error(
            `mask threw on ${field} of ${eventType} ${eventName ?? ""}: the field was withheld (${error})`,
          ),
        );
      }
    }
    return out;
  };
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
