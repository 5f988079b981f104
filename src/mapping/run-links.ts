/**
 * Links between runs that LangChain does not report but HoneyHive's rendering needs, kept per
 * handler: which prompt template fed a model, which tool definition a tool run executes, which
 * agent a run belongs to. Every link is proven, never guessed:
 *
 * - prompt → model: the prompt run's output (a `ChatPromptValue`) holds the very message objects
 *   the model's start callback receives, so a WeakMap keyed by object identity finds the template.
 *   A string prompt (`StringPromptValue`) has no object to key on; it links to a model started under
 *   the same parent run whose whole prompt is exactly that text.
 * - model → tool: the tool run carries the id of the model's tool call it executes.
 * - agent: the agent's own graph run names it (`lc_agent_name` = run name, or a graph the app named);
 *   runs started under it inherit it through their parent run.
 *
 * State is bounded (generational maps, a WeakMap) so runs that never end cannot make it grow.
 */
import { GenerationalMap } from "../util/generational-map.js";
import { type Dict, isObject } from "./langchain-objects.js";
import { isDerivedProvider } from "./providers.js";
import { eventMetadata } from "./run-metadata.js";
import { isDefaultRunName } from "./session-name.js";
import {
  chatPromptTemplate,
  type PromptTemplateInfo,
  stringPromptTemplate,
  type TemplateMessage,
} from "./templates.js";
import {
  serializedClass,
  serializedDescription,
  type ToolDefinition,
  toolConfig,
  toolDefinitions,
} from "./tools.js";

interface PromptStart {
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

export class RunLinks {
  readonly #prompts = new GenerationalMap<string, PromptStart>(CAPACITY);
  readonly #byMessage = new WeakMap<object, MessageLink>();
  readonly #byText = new GenerationalMap<string, { text: string; info: PromptTemplateInfo }>(CAPACITY);
  readonly #modelTemplates = new GenerationalMap<string, TemplateMessage[] | string>(CAPACITY);
  readonly #toolCalls = new GenerationalMap<string, ToolDefinition>(CAPACITY);
  readonly #tools = new GenerationalMap<string, Dict>(CAPACITY);
  /** Agent a run is inside of (its own, for an agent's graph run), for its children. */
  readonly #agentScope = new GenerationalMap<string, string>(CAPACITY);
  readonly #ownAgent = new GenerationalMap<string, string>(CAPACITY);

  // ---- run metadata and agents -------------------------------------------------------------

  /**
   * The metadata an event carries (LangChain's bookkeeping dropped, `agent_name` added for runs
   * inside an agent — the key HoneyHive's Trajectory view groups by, semantic-conventions
   * `metadata.agent_name`), and the agent this run itself is, if any.
   */
  runMetadata(
    runId: string,
    parentRunId: string | undefined,
    kind: "chain" | "model" | "tool" | "retriever",
    name: string,
    className: string | undefined,
    metadata: Dict | undefined,
    hidden = false,
  ): Dict | undefined {
    const lcAgent = typeof metadata?.lc_agent_name === "string" ? metadata.lc_agent_name : undefined;
    let own: string | undefined;
    if (kind === "chain" && isGraphClass(className)) {
      if (lcAgent !== undefined && lcAgent === name) own = lcAgent;
      else if (!isDefaultRunName(name, className)) own = name;
    }
    const parentScope = parentRunId ? this.#agentScope.get(parentRunId) : undefined;
    const inside = parentScope ?? (own === undefined ? lcAgent : undefined);
    const scope = own ?? inside;
    if (scope !== undefined) this.#agentScope.set(runId, scope);
    if (own !== undefined) this.#ownAgent.set(runId, own);
    // A hidden run has no event: only the agent scope it passes on to its children matters.
    if (hidden) return undefined;

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

  /** `config` of an agent's own chain event (`config.agent_name`, honeyhive-event-schema.md CHAIN). */
  agentConfig(runId: string): Dict | undefined {
    const own = this.#ownAgent.get(runId);
    if (own !== undefined) this.#ownAgent.delete(runId);
    return own === undefined ? undefined : { agent_name: own };
  }

  // ---- prompt templates --------------------------------------------------------------------

  promptStarted(runId: string, parentRunId: string | undefined, serialized: unknown, inputs: unknown): void {
    // The variables as they were at the start (a shallow copy: the app may reuse its object).
    const vars = isObject(inputs) && !Array.isArray(inputs) ? { ...inputs } : {};
    this.#prompts.set(runId, { parentRunId, serialized, inputs: vars });
  }

  /** A prompt run ended with `output` (a PromptValue); `deferredInputs` for a streamed step. */
  promptEnded(runId: string, output: unknown, deferredInputs?: unknown): void {
    const start = this.#prompts.get(runId);
    if (!start) return;
    // Read once, at the prompt's end: what ended need not be held until it ages out.
    this.#prompts.delete(runId);
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
   * The template of the prompt that produced this model run's input, if one did; remembered for
   * the run's end (`config.template`). `input` is the chat message list, or the completion prompt.
   */
  modelStarted(
    runId: string,
    parentRunId: string | undefined,
    input: unknown,
  ): PromptTemplateInfo | undefined {
    const info = this.#templateFor(parentRunId, input);
    if (info) this.#modelTemplates.set(runId, info.template);
    return info;
  }

  #templateFor(parentRunId: string | undefined, input: unknown): PromptTemplateInfo | undefined {
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

  /** The template of a model run, read once at its end (or error). */
  modelTemplate(runId: string): TemplateMessage[] | string | undefined {
    const template = this.#modelTemplates.get(runId);
    if (template !== undefined) this.#modelTemplates.delete(runId);
    return template;
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

  toolStarted(runId: string, name: string, serialized: unknown, toolCallId: string | undefined): void {
    const called = toolCallId ? this.#toolCalls.get(toolCallId) : undefined;
    const description =
      serializedDescription(serialized) ?? (called?.name === name ? called.description : undefined);
    this.#tools.set(runId, toolConfig(name, serializedClass(serialized), description));
  }

  /** A tool run's config, read once at its end (or error). */
  toolConfig(runId: string): Dict | undefined {
    const config = this.#tools.get(runId);
    if (config !== undefined) this.#tools.delete(runId);
    return config;
  }
}
