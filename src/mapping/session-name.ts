/**
 * The session name (SPEC §3): the name the app chose (option, `HH_SESSION_NAME`, per call) → a name
 * the app gave the root run (`runName`, a named graph or agent, a tool's name) → the main script's
 * file name without extension → `"langchain"`. A name LangChain made up from a class
 * (`RunnableSequence`, `LangGraph`, a model or retriever class) is not a name the app gave.
 */

/** Names LangChain and LangGraph give runs by default (their `getName()` / `lc_name()`), and ours. */
const DEFAULT_RUN_NAMES = new Set([
  "RunnableSequence",
  "RunnableLambda",
  "RunnableParallel",
  "RunnableMap",
  "RunnableBranch",
  "RunnableBinding",
  "RunnableEach",
  "RunnableRetry",
  "RunnableWithFallbacks",
  "RunnablePassthrough",
  "RunnableAssign",
  "RunnablePick",
  "RunnableWithMessageHistory",
  "RunnableCallable",
  "RouterRunnable",
  "LangGraph",
  "CompiledStateGraph",
  "CompiledGraph",
  "Pregel",
  "StateGraph",
  "AgentExecutor",
  // The handler's own fallbacks when LangChain reports no name at all.
  "chain",
  "ChatModel",
  "LLM",
  "tool",
  "retriever",
]);

/** True when `name` is LangChain's default for the run (the serialized class name or a known default). */
export function isDefaultRunName(name: string, className: string | undefined): boolean {
  return !name || name === className || DEFAULT_RUN_NAMES.has(name);
}

/** The main script's file name without extension (`node app/chat.ts` → `chat`), if there is one. */
export function scriptName(argv1: string | undefined = mainScript()): string | undefined {
  if (!argv1) return undefined;
  // Asked once per root run, with the same argv[1] every time.
  if (argv1 === lastScript.argv1) return lastScript.name;
  const name = baseName(argv1);
  lastScript = { argv1, name };
  return name;
}

let lastScript: { argv1: string; name: string | undefined } = { argv1: "", name: undefined };

function baseName(argv1: string): string | undefined {
  // Plain string work, no node:path: this runs in Workers and Edge too (where there is no script).
  const file = argv1.split(/[\\/]/).pop() ?? "";
  const dot = file.lastIndexOf(".");
  const base = dot > 0 ? file.slice(0, dot) : file;
  return base || undefined;
}

function mainScript(): string | undefined {
  const argv = (globalThis as { process?: { argv?: unknown } }).process?.argv;
  return Array.isArray(argv) && typeof argv[1] === "string" ? argv[1] : undefined;
}

export interface SessionNameSource {
  /** `sessionName` from the call, the option or `HH_SESSION_NAME`. */
  chosen: string | undefined;
  /** The root run's name as reported (run name, else class name). */
  runName: string;
  /** The class LangChain serialized the root run as, when known. */
  className: string | undefined;
  /** The main script's path (defaults to `process.argv[1]`). */
  script?: string | undefined;
}

export function sessionNameFor(source: SessionNameSource): string {
  if (source.chosen) return source.chosen;
  if (!isDefaultRunName(source.runName, source.className)) return source.runName;
  return scriptName(source.script) ?? "langchain";
}
