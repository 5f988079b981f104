/**
 * The bridge to OpenTelemetry, without importing it: `@opentelemetry/api` keeps everything it
 * registers (the context manager included) on a global keyed by its major version, so every copy of
 * the API in a process shares it, and so can we. Importing the package instead would make it a
 * dependency every bundler must resolve (a Worker's build fails on a missing import), where it is
 * an optional peer: with no API registered, or no span active, there is nothing to read.
 */

const API_KEY = Symbol.for("opentelemetry.js.api.1");
/** `createContextKey("OpenTelemetry Context Key SPAN")` is `Symbol.for` of its description. */
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const SPAN_ID_RE = /^[0-9a-f]{16}$/;

export interface SpanIds {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

interface OtelGlobal {
  context?: { active?: () => { getValue?: (key: symbol) => unknown } | undefined };
}

/** The active OpenTelemetry span's ids; undefined when the API is absent or no valid span is active. Never throws. */
export function activeSpan(): SpanIds | undefined {
  const api = (globalThis as { [API_KEY]?: OtelGlobal })[API_KEY];
  if (api?.context?.active === undefined) return undefined;
  try {
    const span = api.context.active()?.getValue?.(SPAN_KEY) as { spanContext?: () => unknown } | undefined;
    const sc = span?.spanContext?.() as
      | { traceId?: unknown; spanId?: unknown; traceFlags?: unknown }
      | undefined;
    const { traceId, spanId } = sc ?? {};
    if (typeof traceId !== "string" || typeof spanId !== "string") return undefined;
    if (!TRACE_ID_RE.test(traceId) || !SPAN_ID_RE.test(spanId)) return undefined;
    if (traceId === "0".repeat(32) || spanId === "0".repeat(16)) return undefined;
    return { traceId, spanId, sampled: typeof sc?.traceFlags === "number" && (sc.traceFlags & 1) === 1 };
  } catch {
    return undefined;
  }
}
