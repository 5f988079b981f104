/**
 * Prompt templates → HoneyHive's `config.template`.
 *
 * HoneyHive convention (semantic-conventions registry, `honeyhive_config.yaml`, `config.template`;
 * the TypeScript SDK's Event example): a model event's `config.template` is `[{role, content}]`
 * with `{{variable}}` placeholders, filled from the keys of `inputs` beside `chat_history`; the first
 * `template.length` messages of `chat_history` are the template's. A completion prompt's template
 * is a string.
 *
 * The template is read from what LangChain hands the prompt run's start callback: its serialized
 * form (`{lc, type: "constructor", id: [..., "ChatPromptTemplate"], kwargs: {messages: [...]}}`, each
 * message template with its `template` text and `template_format`) and its input variables. It is
 * then checked against the messages the prompt produced: every fixed message template must render
 * to the message at its position (variables the inputs do not hold — partials — are read off the
 * rendered text). Anything that does not line up exactly is not sent: a wrong template is worse
 * than none.
 */
import { asChatMessage, type ChatMessage, type Dict, isObject } from "./langchain-objects.js";

export interface TemplateMessage {
  role: string;
  content: unknown;
}

export interface PromptTemplateInfo {
  /** `[{role, content}]` for chat prompts, a string for completion prompts. */
  template: TemplateMessage[] | string;
  /** Values of the `{{variables}}` the template uses, for the model event's `inputs`. */
  variables: Dict;
}

type TemplateNode = { text: string } | { variable: string; raw?: string };

interface ParsedTemplate {
  nodes: TemplateNode[];
  /** False when the template has constructs a plain substitution cannot check (mustache sections). */
  checkable: boolean;
}

/**
 * LangChain's f-string syntax (`parseFString` in @langchain/core/prompts/template): `{name}` is a
 * variable, `{{` and `}}` are literal braces. Reimplemented (a few lines) rather than imported so the
 * handler does not load LangChain's prompt modules (and mustache) into apps that never use them.
 */
function parseFString(template: string): ParsedTemplate | undefined {
  const nodes: TemplateNode[] = [];
  let text = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    const next = template[i + 1];
    if ((c === "{" && next === "{") || (c === "}" && next === "}")) {
      text += c;
      i++;
    } else if (c === "{") {
      const end = template.indexOf("}", i);
      if (end < 0) return undefined;
      if (text) nodes.push({ text });
      text = "";
      nodes.push({ variable: template.slice(i + 1, end) });
      i = end;
    } else if (c === "}") {
      return undefined;
    } else {
      text += c;
    }
  }
  if (text) nodes.push({ text });
  return { nodes, checkable: true };
}

const MUSTACHE_TAG = /\{\{\{\s*([^}]*?)\s*\}\}\}|\{\{\s*([&#^/!>=]?)\s*([^}]*?)\s*\}\}/g;

/** Mustache: `{{name}}`, `{{{name}}}` and `{{&name}}` are variables; sections and the like are kept verbatim. */
function parseMustache(template: string): ParsedTemplate {
  const nodes: TemplateNode[] = [];
  let checkable = true;
  let last = 0;
  for (const m of template.matchAll(MUSTACHE_TAG)) {
    const index = m.index ?? 0;
    if (index > last) nodes.push({ text: template.slice(last, index) });
    last = index + m[0].length;
    const triple = m[1];
    const sigil = m[2];
    if (triple !== undefined) nodes.push({ variable: triple });
    else if (!sigil || sigil === "&") nodes.push({ variable: m[3] ?? "" });
    else {
      checkable = false;
      nodes.push({ variable: "", raw: m[0] });
    }
  }
  if (last < template.length) nodes.push({ text: template.slice(last) });
  return { nodes, checkable };
}

function parseTemplate(template: string, format: unknown): ParsedTemplate | undefined {
  if (format === "mustache") return parseMustache(template);
  if (format === undefined || format === "f-string") return parseFString(template);
  return undefined;
}

/** The template in HoneyHive's syntax: each variable as `{{name}}`. */
function toHoneyHive(parsed: ParsedTemplate): string {
  return parsed.nodes.map((n) => ("text" in n ? n.text : (n.raw ?? `{{${n.variable}}}`))).join("");
}

function lookup(values: Dict, name: string): unknown {
  if (name in values) return values[name];
  // Mustache reads dotted names through objects.
  let v: unknown = values;
  for (const part of name.split(".")) {
    if (!isObject(v)) return undefined;
    v = (v as Dict)[part];
  }
  return v;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Checks that `parsed` renders to `rendered` with `inputs`, reading the variables the inputs do
 * not hold (partials) off the rendered text. Returns the variables used, or undefined on mismatch.
 */
function matchTemplate(parsed: ParsedTemplate, inputs: Dict, rendered: string): Dict | undefined {
  // Every variable given as a scalar (the usual prompt): render and compare, no pattern to build.
  if (parsed.checkable) {
    const used: Dict = {};
    let text = "";
    for (const node of parsed.nodes) {
      if ("text" in node) {
        text += node.text;
        continue;
      }
      const value = node.raw === undefined ? lookup(inputs, node.variable) : undefined;
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        text = "";
        break;
      }
      used[node.variable] = value;
      text += String(value);
    }
    if (text && text.length === rendered.length) return text === rendered ? used : undefined;
  }
  return matchPattern(parsed, inputs, rendered);
}

/** `matchTemplate` for templates with variables the inputs do not hold (read off the rendered text). */
function matchPattern(parsed: ParsedTemplate, inputs: Dict, rendered: string): Dict | undefined {
  const used: Dict = {};
  const groups = new Map<string, number>();
  let source = "^";
  let group = 0;
  for (const node of parsed.nodes) {
    if ("text" in node) {
      source += escapeRegExp(node.text);
      continue;
    }
    if (node.raw !== undefined) continue;
    const value = lookup(inputs, node.variable);
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      used[node.variable] = value;
      source += escapeRegExp(String(value));
    } else if (groups.has(node.variable)) {
      source += `\\${groups.get(node.variable)}`;
    } else if (value === undefined || value === null) {
      groups.set(node.variable, ++group);
      source += "([\\s\\S]*?)";
    } else {
      // An object or list rendered into text: the rendering is LangChain's to decide; accept any.
      used[node.variable] = value;
      source += "[\\s\\S]*?";
    }
  }
  if (!parsed.checkable) {
    for (const node of parsed.nodes) {
      if ("variable" in node && node.raw === undefined && !(node.variable in used)) {
        const value = lookup(inputs, node.variable);
        if (value !== undefined) used[node.variable] = value;
      }
    }
    return used;
  }
  const match = new RegExp(`${source}$`).exec(rendered);
  if (!match) return undefined;
  for (const [name, index] of groups) used[name] = match[index];
  return used;
}

const ROLE_OF_TEMPLATE: Record<string, string> = {
  SystemMessagePromptTemplate: "system",
  HumanMessagePromptTemplate: "user",
  AIMessagePromptTemplate: "assistant",
};

type Part =
  /** `entry`: what the part contributes to `config.template`, written once per template object. */
  | { kind: "template"; role: string; parsed: ParsedTemplate; entry: TemplateMessage }
  | { kind: "fixed"; message: ChatMessage; entry: TemplateMessage }
  | { kind: "dynamic"; count: number | undefined };

/**
 * LangChain's `toJSON()` is shallow: nested templates in `kwargs` are still live objects that
 * serialize themselves only under `JSON.stringify`. Read each level in its serialized form.
 */
function serializedForm(value: unknown): unknown {
  if (!isObject(value) || value.lc === 1 || typeof value.toJSON !== "function") return value;
  try {
    return (value.toJSON as () => unknown)();
  } catch {
    return undefined;
  }
}

function classOf(value: unknown): string | undefined {
  const serialized = serializedForm(value);
  if (!isObject(serialized) || !Array.isArray(serialized.id)) return undefined;
  const last = serialized.id[serialized.id.length - 1];
  return typeof last === "string" ? last : undefined;
}

function kwargsOf(value: unknown): Dict | undefined {
  const serialized = serializedForm(value);
  return isObject(serialized) && isObject(serialized.kwargs) ? serialized.kwargs : undefined;
}

/** How many messages a `MessagesPlaceholder` renders: LangChain coerces a single value to one message. */
function placeholderCount(variable: string, inputs: Dict): number {
  const value = inputs[variable];
  if (value === undefined || value === null || value === "") return 0;
  return Array.isArray(value) ? value.length : 1;
}

/** What an entry is, independent of the inputs it renders (a placeholder's length is not). */
type PartShape =
  | Exclude<Part, { kind: "dynamic" }>
  | { kind: "placeholder"; variable: string }
  | { kind: "fewshot" };

/**
 * Shapes of live message templates, by identity. LangChain hands the prompt run the same template
 * objects on every invoke (only the outer `toJSON()` is new) and reading one means calling its
 * `toJSON()` a few times and parsing its text: done once per template object, not once per invoke.
 * Templates are code, not app data (LangChain builds a new object for `partial()` and the like).
 */
const shapes = new WeakMap<object, PartShape | null>();

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

function shapeOf(entry: unknown): PartShape | undefined {
  // Plain objects (a serialized entry, app data) are read every time; only template instances are kept.
  if (!isObject(entry) || isPlainObject(entry)) return readShape(entry);
  const known = shapes.get(entry);
  if (known !== undefined) return known ?? undefined;
  const shape = readShape(entry);
  // A few-shot template's examples are a list the app may still change: read those every time.
  if (shape?.kind !== "fewshot") shapes.set(entry, shape ?? null);
  return shape;
}

function readShape(serialized: unknown): PartShape | undefined {
  const cls = classOf(serialized);
  const kwargs = kwargsOf(serialized);
  if (!cls || !kwargs) return undefined;
  const role = cls === "ChatMessagePromptTemplate" ? String(kwargs.role ?? "") : ROLE_OF_TEMPLATE[cls];
  if (role) {
    // A multi-part (image) message template has a list of prompts: not expressible as one string.
    const prompt = kwargsOf(kwargs.prompt);
    if (!prompt || typeof prompt.template !== "string") return undefined;
    const parsed = parseTemplate(prompt.template, prompt.template_format);
    return parsed
      ? { kind: "template", role, parsed, entry: { role, content: toHoneyHive(parsed) } }
      : undefined;
  }
  if (cls === "MessagesPlaceholder") return { kind: "placeholder", variable: String(kwargs.variable_name) };
  if (cls === "FewShotChatMessagePromptTemplate") return { kind: "fewshot" };
  const message = asChatMessage(serialized);
  return message
    ? { kind: "fixed", message, entry: { role: message.role, content: message.content } }
    : undefined;
}

/** One entry of a serialized ChatPromptTemplate's `messages`, as a part of the template. */
function partOf(serialized: unknown, inputs: Dict): Part | undefined {
  const shape = shapeOf(serialized);
  if (shape === undefined) return undefined;
  if (shape.kind === "placeholder")
    return { kind: "dynamic", count: placeholderCount(shape.variable, inputs) };
  if (shape.kind !== "fewshot") return shape;
  return fewShotPart(serialized);
}

function fewShotPart(serialized: unknown): Part | undefined {
  const kwargs = kwargsOf(serialized);
  if (!kwargs) return undefined;
  const examples = kwargs.examples;
  const perExample = kwargsOf(kwargs.example_prompt)?.messages;
  const known = Array.isArray(examples) && Array.isArray(perExample) && kwargs.example_selector === undefined;
  return { kind: "dynamic", count: known ? examples.length * perExample.length : undefined };
}

/**
 * The template of a ChatPromptTemplate run: `serialized` and `inputs` as its start callback got them,
 * `output` the messages it produced. Undefined unless every part lines up with the output.
 */
export function chatPromptTemplate(
  serialized: unknown,
  inputs: Dict,
  output: readonly unknown[],
): PromptTemplateInfo | undefined {
  const entries = kwargsOf(serialized)?.messages;
  if (classOf(serialized) !== "ChatPromptTemplate" || !Array.isArray(entries)) return undefined;
  const parts: Part[] = [];
  for (const entry of entries) {
    const part = partOf(entry, inputs);
    if (!part) return undefined;
    parts.push(part);
  }
  // At most one part of unknown length, whose length is then whatever the others leave.
  let known = 0;
  let unknown = 0;
  for (const p of parts) {
    if (p.kind !== "dynamic") known++;
    else if (p.count === undefined) unknown++;
    else known += p.count;
  }
  if (unknown > 1 || known > output.length || (unknown === 0 && known !== output.length)) return undefined;
  const rest = output.length - known;

  const template: TemplateMessage[] = [];
  const variables: Dict = {};
  let at = 0;
  for (const part of parts) {
    if (part.kind === "dynamic") {
      // Rendered history and few-shot examples are part of the prompt as sent: kept verbatim.
      const count = part.count ?? rest;
      for (let i = 0; i < count; i++) {
        const m = asChatMessage(output[at++]);
        if (!m) return undefined;
        template.push({ role: m.role, content: m.content });
      }
      continue;
    }
    const actual = asChatMessage(output[at++]);
    if (!actual) return undefined;
    if (part.kind === "fixed") {
      if (actual.role !== part.message.role || actual.content !== part.message.content) return undefined;
      template.push(part.entry);
      continue;
    }
    if (actual.role !== part.role || typeof actual.content !== "string") return undefined;
    const used = matchTemplate(part.parsed, inputs, actual.content);
    if (!used) return undefined;
    addVariables(variables, used);
    template.push(part.entry);
  }
  return { template, variables };
}

/**
 * Copies the variables a template used, but those that would clash with the model event's own
 * `inputs` keys (`chat_history`, and `prompt` for a completion). Copied rather than `delete`d: a
 * delete turns the object into a slow dictionary that every later read and the serializer pay for.
 */
function addVariables(into: Dict, used: Dict, alsoSkip?: string): void {
  // Own keys only (as Object.assign): `for…in` would also copy what an app added to Object.prototype.
  for (const key of Object.keys(used)) {
    if (key !== "chat_history" && key !== alsoSkip) into[key] = used[key];
  }
}

/** The template of a PromptTemplate run that rendered `output`; undefined unless it renders to it. */
export function stringPromptTemplate(
  serialized: unknown,
  inputs: Dict,
  output: string,
): PromptTemplateInfo | undefined {
  const kwargs = kwargsOf(serialized);
  if (classOf(serialized) !== "PromptTemplate" || typeof kwargs?.template !== "string") return undefined;
  const parsed = parseTemplate(kwargs.template, kwargs.template_format);
  if (!parsed) return undefined;
  const used = matchTemplate(parsed, inputs, output);
  if (!used) return undefined;
  const variables: Dict = {};
  addVariables(variables, used, "prompt");
  return { template: toHoneyHive(parsed), variables };
}
