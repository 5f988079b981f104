/**
 * `honeyhive-langchain/collector`: the local HoneyHive-compatible collector (HTTP server, trace
 * viewer, text tree printer) and its fault injection for tests. A separate entry so an app that
 * only traces never loads any of it.
 */
export { formatSessionTree } from "./format.js";
export {
  type Collector,
  type CollectorOptions,
  type FaultAction,
  type FaultPlan,
  type ReceivedRequest,
  startCollector,
} from "./server.js";
export type { SessionSummary, SessionTree, StoredEvent, StoredSession, TreeNode } from "./store.js";
