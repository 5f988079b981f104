/**
 * Links between runs that LangChain does not report but HoneyHive's rendering needs: which prompt
 * template fed a model, which tool definition a tool run executes, which agent a run belongs to.
 * Every link is proven, never guessed:
 *
 * - prompt → model: the prompt run's output (a `ChatPromptValue`) holds the very message objects
 *   the model's start callback receives, so a WeakMap keyed by object identity finds the template.
 *   A string prompt (`StringPromptValue`) has no object to key on; it links to a model started under
 *   the same parent run whose whole prompt is exactly that text.
 * - model → tool: the tool run carries the id of the model's tool call it executes.
 * - agent: the agent's own graph run names it (`lc_agent_name` = run name, or a graph the app named);
 *   runs started under it inherit it through their parent run.
 *
 * What is a run's own fact (its agent scope, a tool's config, a model's template, a prompt's start)
 * is computed here at the run's start and kept on its run record (runs/run-store.ts), so it lasts
 * exactly as long as the run, as `@langchain/core`'s BaseTracer keeps a run's facts on the run.
 * Only links between runs live here, each bounded (generational maps, a WeakMap) so runs that never
 * end cannot make them grow.
 */
import { GenerationalMap } from "../util/generational-map.js";
import { GenerationalWeakMap } from "../util/generational-weak-map.js";
import { type Dict, isObject } from "./langchain-objects.js";
import { isDerivedProvider } from "./providers.js";
import { eventMetadata } from "./run-metadata.js";
import { isDefaultRunName } from "./session-name.js";
import { chatPromptTemplate, type PromptTemplateInfo, stringPromptTemplate } from "./templates.js";
import {
  serializedClass,
  serializedDescription,
  type ToolDefinition,
  toolConfig,
  toolDefinitions,
} from "./tools.js";

/** What a prompt template run started with, kept on its run record until it ends. */
export interface PromptStart {
  parentRunId: string | undefined;
  serialized: unknown;
  inputs: Dict;
}

interface MessageLink {
  info: PromptTemplateInfo;
  messages: readonly unknown[];
}

const CAPACITY = 1_000;

function isGraphClass(className: string | undefined): boolean {
  return className !== undefined && (className === "Pregel" || /Graph$/.test(className));
}

// ---- run metadata and agents ---------------------------------------------------------------

/**
 * The agent a run itself is, if any: an agent's own graph run (`lc_agent_name` = its run name, as
 * `createAgent({ name })` sets it), or a graph the app named.
 */
export function ownAgent(
  name: string,
  className: string | undefined,
  metadata: Dict | undefined,
): string | undefined {
  if (!isGraphClass(className)) return undefined;
  const lcAgent = metadata?.lc_agent_name;
  if (typeof lcAgent === "string" && lcAgent === name) return lcAgent;
  return isDefaultRunName(name, className) ? undefined : name;
}

/**
 * The agent a run is inside of: its parent run's scope, else (for a run that is no agent itself)
 * the `lc_agent_name` LangChain put in its metadata.
 */
export function agentInside(
  parentScope: string | undefined,
  own: string | undefined,
  metadata: Dict | undefined,
): string | undefined {
  if (parentScope !== undefined) return parentScope;
  if (own !== undefined) return undefined;
  const lcAgent = metadata?.lc_agent_name;
  return typeof lcAgent === "string" ? lcAgent : undefined;
}

/**
 * The metadata an event carries: LangChain's bookkeeping dropped, `agent_name` added for runs
 * inside an agent (`inside`, from `agentInside`) — the key HoneyHive's Trajectory view groups by,
 * semantic-conventions `metadata.agent_name`.
 */
export function runMetadata(
  kind: "chain" | "model" | "tool" | "retriever",
  name: string,
  className: string | undefined,
  metadata: Dict | undefined,
  inside: string | undefined,
): Dict | undefined {
  // A provider LangChain derived from the class name is no provider (providers.ts).
  const lsProvider = metadata?.ls_provider;
  const drop =
    kind === "model" && typeof lsProvider === "string" && isDerivedProvider(lsProvider, className, name)
      ? "ls_provider"
      : undefined;
  const out = eventMetadata(metadata, drop);
  if (inside === undefined) return out;
  return { ...out, agent_name: inside };
}

/**
 * A prompt run's start, kept on its record: the variables as they were then (a shallow copy: the
 * app may reuse its object).
 */
export function promptStart(
  parentRunId: string | undefined,
  serialized: unknown,
  inputs: unknown,
): PromptStart {
  const vars = isObject(inputs) && !Array.isArray(inputs) ? { ...inputs } : {};
  return { parentRunId, serialized, inputs: vars };
}

export class RunLinks {
  /**
   * A model's answer and the tool runs executing its calls are different runs (the tool's parent is
   * a graph node, not the model), so this is a link by tool call id, not a fact of either run.
   */
  readonly #toolCalls = new GenerationalMap<string, ToolDefinition>(CAPACITY);
  /**
   * A chat prompt's output messages, by identity, to the model run that receives them: the model
   * knows the message objects, not the prompt run (which has ended by then). Held weakly: a link
   * lasts as long as the app keeps the messages.
   */
  readonly #byMessage = new GenerationalWeakMap<object, MessageLink>(CAPACITY);
  /**
   * A string prompt's text, by the parent run both the prompt and its model run start under: the
   * prompt has ended when the model starts and neither knows the other's id, so the link is held
   * apart from both runs.
   */
  readonly #byText = new GenerationalMap<string, { text: string; info: PromptTemplateInfo }>(CAPACITY);

  // ---- prompt templates --------------------------------------------------------------------

  /**
   * A prompt run that started as `start` ended with `output` (a PromptValue); `deferredInputs` for
   * a streamed step.
   */
  promptEnded(start: PromptStart, output: unknown, deferredInputs?: unknown): void {
    if (!isObject(output)) return;
    const inputs =
      isObject(deferredInputs) && !Array.isArray(deferredInputs) ? { ...deferredInputs } : start.inputs;
    if (Array.isArray(output.messages)) {
      const messages = output.messages as readonly unknown[];
      const info = chatPromptTemplate(start.serialized, inputs, messages);
      if (!info) return;
      const link: MessageLink = { info, messages };
      const first = messages[0];
      if (isObject(first)) this.#byMessage.set(first, link);
    } else if (typeof output.value === "string" && start.parentRunId) {
      const info = stringPromptTemplate(start.serialized, inputs, output.value);
      if (info) this.#byText.set(start.parentRunId, { text: output.value, info });
    }
  }

  /**
   * The template of the prompt that produced a model run's input, if one did. `input` is the chat
   * message list, or the completion prompt.
   */
  templateFor(parentRunId: string | undefined, input: unknown): PromptTemplateInfo | undefined {
    if (typeof input === "string") {
      const byText = parentRunId ? this.#byText.get(parentRunId) : undefined;
      return byText && byText.text === input && typeof byText.info.template === "string"
        ? byText.info
        : undefined;
    }
    if (!Array.isArray(input) || input.length === 0) return undefined;
    const first = input[0];
    const link = isObject(first) ? this.#byMessage.get(first) : undefined;
    // The prompt's messages must be the model's first messages, in order: that is what
    // HoneyHive takes the template to describe.
    if (link && link.messages.length <= input.length && link.messages.every((m, i) => input[i] === m))
      return link.info;
    // A StringPromptValue reaches a chat model as one new human message holding its text.
    const byText = parentRunId ? this.#byText.get(parentRunId) : undefined;
    if (byText && input.length === 1 && isObject(first) && typeof byText.info.template === "string") {
      const type = typeof first._getType === "function" ? (first._getType as () => unknown)() : undefined;
      if (type === "human" && first.content === byText.text)
        return { ...byText.info, template: [{ role: "user", content: byText.info.template }] };
    }
    return undefined;
  }

  // ---- tools -------------------------------------------------------------------------------

  /** Remembers the definitions of the tools a model called, by tool call id. */
  modelEnded(invocationParams: Dict | undefined, calls: { id: string; name: string }[]): void {
    if (calls.length === 0) return;
    const definitions = toolDefinitions(invocationParams);
    for (const call of calls) {
      const def = definitions.find((d) => d.name === call.name);
      if (def) this.#toolCalls.set(call.id, def);
    }
  }

  /** A tool run's `config`: its definition from the run, else from the model call it executes. */
  toolConfig(name: string, serialized: unknown, toolCallId: string | undefined): Dict {
    const called = toolCallId ? this.#toolCalls.get(toolCallId) : undefined;
    const description =
      serializedDescription(serialized) ?? (called?.name === name ? called.description : undefined);
    return toolConfig(name, serializedClass(serialized), description);
  }
}
