/**
 * honeyhive-langchain: HoneyHive tracing for LangChain.js and LangGraph.js.
 *
 *   const handler = new HoneyHiveHandler();
 *   await chain.invoke(input, { callbacks: [handler], metadata: honeyhive({ sessionId, userId }) });
 */

// The local collector lives at `honeyhive-langchain/collector`: the handler entry never loads it.
export type { HoneyHiveHandlerOptions, MediaOptions } from "./config/options.js";
export { type HoneyHiveCallSettings, honeyhive } from "./config/per-call.js";
export { type CurrentEvent, getCurrentEvent, propagationHeaders } from "./context/current.js";
export { type IncomingTraceContext, readTraceHeaders, type TraceHeaders } from "./context/w3c.js";
export type { DeliveryStats, FlushResult } from "./delivery/pipeline.js";
export {
  HoneyHiveConfigError,
  HoneyHiveDeliveryError,
  HoneyHiveError,
  type HoneyHiveErrorCode,
} from "./errors.js";
export {
  type EventEnrichment,
  type FlushOptions,
  type HandlerStats,
  HoneyHiveHandler,
  type TraceOptions,
} from "./handler.js";
export type { MediaKind, MediaReference } from "./media/references.js";
export type { MediaUploadFunction } from "./media/uploads.js";
export type { MaskContext, MaskedField, MaskFunction } from "./privacy/privacy.js";
export type { Logger } from "./util/logger.js";
