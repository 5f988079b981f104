/**
 * What of LangChain's run metadata and tags reaches an event. LangChain and LangGraph put their own
 * bookkeeping there (package versions, checkpoint namespaces, scheduler triggers, step tags) that
 * only LangChain reads; a HoneyHive user cannot act on it, so it is left out. What a user filters or
 * debugs by stays: `langgraph_node`, `langgraph_step`, `thread_id`, `checkpoint_id`, `ls_provider`,
 * `ls_model_name`, `ls_temperature`, … and everything the app put there itself.
 */
import type { Dict } from "./langchain-objects.js";

const NOISE_KEYS = new Set([
  "versions",
  "checkpoint_ns",
  "langgraph_checkpoint_ns",
  "langgraph_triggers",
  "langgraph_path",
  "ls_integration",
  // Replaced by HoneyHive's `agent_name` (see run-links.ts).
  "lc_agent_name",
]);

function isNoiseKey(key: string): boolean {
  return NOISE_KEYS.has(key) || key.startsWith("__pregel_") || key.startsWith("__langgraph");
}

/** The run metadata an event carries: a fresh object without LangChain's bookkeeping. */
export function eventMetadata(metadata: Dict | undefined, drop?: string): Dict | undefined {
  if (!metadata) return undefined;
  const out: Dict = {};
  for (const key of Object.keys(metadata)) {
    if (!isNoiseKey(key) && key !== drop) out[key] = metadata[key];
  }
  return out;
}

/** `seq:step:3`, `graph:step:1` (position in a sequence / graph) and `langsmith:*` (LangSmith's own flags). */
const NOISE_TAG = /^(?:(?:seq|graph):step:\d+|langsmith:.*)$/;

/** The run's tags without LangChain's positional and LangSmith tags; undefined when none remain. */
export function eventTags(tags: string[] | undefined): string[] | undefined {
  if (!tags?.length) return undefined;
  const kept = tags.filter((t) => !NOISE_TAG.test(t));
  return kept.length ? kept : undefined;
}
