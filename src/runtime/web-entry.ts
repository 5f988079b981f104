/**
 * The package's entry for Workers, Edge routes, browsers, Deno and Bun (package.json `exports`
 * conditions): the same API as `src/index.ts`, built with the fetch platform (`platform.web.ts`),
 * minus the local collector, which is a Node HTTP server. Keep this list equal to index.ts's
 * (a test compares the two builds' exports).
 */
export { HoneyHiveConfigError, type HoneyHiveHandlerOptions } from "../config/options.js";
export { HoneyHiveDeliveryError } from "../delivery/exporter.js";
export type { DeliveryStats, FlushResult } from "../delivery/queue.js";
export { type EventEnrichment, type FlushOptions, type HandlerStats, HoneyHiveHandler } from "../handler.js";
export type { MaskContext, MaskedField, MaskFunction } from "../privacy/privacy.js";
export type { Logger } from "../util/logger.js";
export {
  PostEventBatchRequest,
  PostEventRequest,
  StartSessionRequest,
  UpdateEventRequest,
} from "../wire/contract.js";
