/**
 * LangChain's side of the async context: which LangChain run the running code belongs to. Tools,
 * `RunnableLambda`s and LangGraph nodes run the app's code inside `runWithConfig(childConfig)`,
 * whose callback manager is the run's child manager: its parent run id is the tool's, lambda's or
 * node's run, and its handlers are the ones that run reports to. (Core stores a real RunTree only
 * for LangSmith's tracer, so the config is what to read, not the tree.)
 */
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import type { AsyncLocalStorageClass } from "../runtime/platform.js";

export interface LangChainRun {
  runId: string;
  /** The handlers the run reports to (the CallbackManager's), to find ours among. */
  handlers: readonly unknown[];
}

/** The LangChain run whose code is running, if any. Never throws. */
export function currentLangChainRun(): LangChainRun | undefined {
  try {
    const callbacks = (
      AsyncLocalStorageProviderSingleton.getRunnableConfig() as { callbacks?: unknown } | undefined
    )?.callbacks as { getParentRunId?: () => unknown; handlers?: unknown } | undefined;
    const runId = typeof callbacks?.getParentRunId === "function" ? callbacks.getParentRunId() : undefined;
    if (typeof runId !== "string" || !runId) return undefined;
    return { runId, handlers: Array.isArray(callbacks?.handlers) ? callbacks.handlers : [] };
  } catch {
    return undefined;
  }
}

/**
 * Creates LangChain's store where nothing did yet (what importing `@langchain/core/context` does):
 * without it a traced call inside a tool cannot know the tool's run. LangChain keeps the first one.
 */
export function initializeLangChainStorage(Storage: AsyncLocalStorageClass): void {
  try {
    AsyncLocalStorageProviderSingleton.initializeGlobalInstance(
      new Storage() as Parameters<typeof AsyncLocalStorageProviderSingleton.initializeGlobalInstance>[0],
    );
  } catch {
    // An older core without the method: its store is whatever the app set up.
  }
}
