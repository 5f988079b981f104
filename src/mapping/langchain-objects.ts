/**
 * Duck-typed readers for LangChain objects (messages, documents, tool calls).
 *
 * Never `instanceof`: applications often carry two copies of `@langchain/core` (pnpm, nested
 * dependencies), and a message built by one copy is not an instance of the other's class.
 * Serialized messages (`{lc: 1, type: "constructor", id: [..., "HumanMessage"], kwargs}`) and
 * plain `{role, content}` objects are accepted too.
 */
import { mediaReference } from "../media/blocks.js";
import { dataUrlReference } from "../media/references.js";
import { type Dict, isObject } from "../util/dict.js";
import { type Converter, Serializer } from "../wire/serialize.js";
import { isReasoningBlock, reasoningOf } from "./reasoning.js";

// Where the rest of the mapping (and the run bookkeeping) has always imported them from.
export { type Dict, isObject };

export interface ChatMessage {
  role: string;
  content: unknown;
  /** The model's reasoning (thinking blocks, reasoning summaries), never repeated in `content`. */
  reasoning?: string;
  name?: string;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
  [extra: string]: unknown;
}

export interface OpenAIToolCall {
  id?: string;
  type: "function";
  function: { name: string; arguments: string };
}

const TYPE_TO_ROLE: Record<string, string> = {
  human: "user",
  user: "user",
  ai: "assistant",
  assistant: "assistant",
  system: "system",
  developer: "developer",
  tool: "tool",
  function: "function",
  remove: "remove",
};

const CLASS_TO_TYPE: Record<string, string> = {
  HumanMessage: "human",
  HumanMessageChunk: "human",
  AIMessage: "ai",
  AIMessageChunk: "ai",
  SystemMessage: "system",
  SystemMessageChunk: "system",
  ToolMessage: "tool",
  ToolMessageChunk: "tool",
  FunctionMessage: "function",
  FunctionMessageChunk: "function",
  ChatMessage: "generic",
  ChatMessageChunk: "generic",
  RemoveMessage: "remove",
};

/** The LangChain message type (`human`, `ai`, …) of a message-like value, or undefined. */
function messageType(value: Dict): string | undefined {
  try {
    if (typeof value._getType === "function") return String((value._getType as () => unknown)());
    if (typeof value.getType === "function") return String((value.getType as () => unknown)());
  } catch {
    // A broken getter is not a message we can read; fall through to the structural checks.
  }
  // Serialized form: {lc: 1, type: "constructor", id: ["langchain_core", "messages", "AIMessage"]}.
  if (value.lc === 1 && Array.isArray(value.id) && isObject(value.kwargs)) {
    const cls = value.id[value.id.length - 1];
    if (typeof cls === "string" && CLASS_TO_TYPE[cls]) return CLASS_TO_TYPE[cls];
  }
  return undefined;
}

/** True for a LangChain message (any copy of core) or its serialized form. */
export function isMessageLike(value: unknown): value is Dict {
  return isObject(value) && !Array.isArray(value) && messageType(value) !== undefined;
}

/**
 * What makes a plain object with a role or type a message: its `content`, or, for an assistant
 * turn that only calls tools, a non-empty `tool_calls` list without any content (OpenAI's own
 * history format, `{role: "assistant", tool_calls}`, which LangChain's coercion accepts). Without
 * one of them `{role: "admin"}` is more likely the app's data than a message.
 */
function hasMessageBody(value: Dict): boolean {
  return "content" in value || (Array.isArray(value.tool_calls) && value.tool_calls.length > 0);
}

/** True for a plain `{role, content}` chat message object. */
function isRoleMessage(value: unknown): value is Dict {
  return (
    isObject(value) &&
    !Array.isArray(value) &&
    typeof value.role === "string" &&
    hasMessageBody(value) &&
    messageType(value) === undefined
  );
}

function toOpenAIToolCalls(calls: unknown): OpenAIToolCall[] | undefined {
  if (!Array.isArray(calls) || calls.length === 0) return undefined;
  const out: OpenAIToolCall[] = [];
  for (const call of calls) {
    if (!isObject(call)) continue;
    if (isObject(call.function)) {
      // Already OpenAI-shaped (plain role messages, additional_kwargs.tool_calls).
      const fn = call.function;
      out.push({
        ...(typeof call.id === "string" ? { id: call.id } : {}),
        type: "function",
        function: {
          name: String(fn.name ?? ""),
          arguments: typeof fn.arguments === "string" ? fn.arguments : safeStringify(fn.arguments ?? {}),
        },
      });
      continue;
    }
    out.push({
      ...(typeof call.id === "string" ? { id: call.id } : {}),
      type: "function",
      function: {
        name: String(call.name ?? ""),
        arguments: typeof call.args === "string" ? call.args : safeStringify(call.args ?? {}),
      },
    });
  }
  return out.length ? out : undefined;
}

/** Tool call arguments as JSON text, by the one conversion routine (BigInt, cycles, toJSON…). */
function safeStringify(value: unknown): string {
  return argumentsJson.text(value);
}

/** Converts any message shape into HoneyHive's `{role, content, name?, tool_calls?, tool_call_id?}`. */
function toChatMessage(value: Dict): ChatMessage {
  const type = messageType(value);
  // Serialized messages keep their fields under kwargs.
  const fields: Dict = type !== undefined && value.lc === 1 && isObject(value.kwargs) ? value.kwargs : value;
  let role: string;
  // LangChain reads a plain message's role as its type ("human" and "user" alike).
  if (type === undefined) role = TYPE_TO_ROLE[String(value.role)] ?? String(value.role);
  else if (type === "generic" || type === "chat") role = String(fields.role ?? "user");
  else role = TYPE_TO_ROLE[type] ?? type;
  const additional = isObject(fields.additional_kwargs) ? fields.additional_kwargs : undefined;
  // LangChain stores OpenAI's "developer" role as a SystemMessage marked with __openai_role__.
  if (typeof additional?.__openai_role__ === "string" && additional.__openai_role__)
    role = additional.__openai_role__;

  const toolCalls = toOpenAIToolCalls(fields.tool_calls) ?? toOpenAIToolCalls(additional?.tool_calls);
  const message: ChatMessage = { role, content: messageContent(fields.content, toolCalls !== undefined) };
  const reasoning = reasoningOf(fields);
  if (reasoning !== undefined) message.reasoning = reasoning;
  if (typeof fields.name === "string" && fields.name && !isRoleLabel(fields.name, role, type))
    message.name = fields.name;
  if (toolCalls) message.tool_calls = toolCalls;
  if (typeof fields.tool_call_id === "string") message.tool_call_id = fields.tool_call_id;
  if (role === "tool" && fields.status === "error") message.status = "error";
  return message;
}

/**
 * A `name` that only repeats the speaker's role is not a participant's name: @langchain/google-genai
 * names every streamed chunk after Gemini's role (`name: "model"`), which would otherwise show up
 * in the next turn's `chat_history` as if "model" had spoken.
 */
function isRoleLabel(name: string, role: string, type: string | undefined): boolean {
  return name === role || name === type || (role === "assistant" && name === "model");
}

/** Normalizes a message, or returns undefined when the value is not one. */
export function asChatMessage(value: unknown): ChatMessage | undefined {
  if (isMessageLike(value)) return toChatMessage(value);
  if (isRoleMessage(value)) return toChatMessage(value);
  if (isTypedMessage(value)) return toChatMessage({ ...value, role: TYPE_TO_ROLE[value.type as string] });
  if (isMessageTuple(value)) return toChatMessage({ role: tupleRole(value[0]), content: value[1] });
  return undefined;
}

/**
 * A plain `{type: "human", content}` object: LangChain's coercion (`coerceMessageLikeToMessage`)
 * accepts it as a message, so apps pass it as one (LangGraph state updates, agent inputs).
 */
function isTypedMessage(value: unknown): value is Dict {
  return (
    isObject(value) &&
    !Array.isArray(value) &&
    typeof value.type === "string" &&
    TYPE_TO_ROLE[value.type] !== undefined &&
    hasMessageBody(value) &&
    value.role === undefined &&
    messageType(value) === undefined
  );
}

/** Roles LangChain accepts in a `[role, content]` tuple (`_constructMessageFromParams`). */
const TUPLE_ROLES = new Set([...Object.keys(TYPE_TO_ROLE), "placeholder"]);

function isMessageTuple(value: unknown): value is [string, unknown] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === "string" &&
    TUPLE_ROLES.has(value[0]) &&
    (typeof value[1] === "string" || Array.isArray(value[1]))
  );
}

function tupleRole(role: string): string {
  return TYPE_TO_ROLE[role] ?? role;
}

/**
 * A list the app handed LangChain as messages, in any shape LangChain accepts (message objects,
 * `{role, content}`, `{type, content}`, `[role, content]`, a bare string for a user turn), as
 * HoneyHive messages; undefined when it is not such a list. A list of strings alone is not taken
 * for messages (it is more often plain data), unless `named` says the app's key holds messages.
 */
export function asChatMessages(value: unknown, named = false): ChatMessage[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const out: ChatMessage[] = [];
  let definite = false;
  for (const item of value) {
    if (typeof item === "string") {
      out.push({ role: "user", content: item });
      continue;
    }
    const message = asChatMessage(item);
    if (!message) return undefined;
    definite = true;
    out.push(message);
  }
  return definite || named ? out : undefined;
}

/**
 * Message content as HoneyHive renders it (OpenAI chat format): a string when every block is text;
 * otherwise OpenAI-style parts. A provider's native tool-use blocks (Anthropic `tool_use`, Gemini
 * `functionCall`, LangChain v1 `tool_call`) are left out when `tool_calls` already carries the calls;
 * reasoning blocks always are (the message's `reasoning` carries them).
 */
function messageContent(content: unknown, hasToolCalls: boolean): unknown {
  if (typeof content === "string") return content;
  if (content === undefined || content === null) return "";
  if (!Array.isArray(content)) return content;
  const parts: unknown[] = [];
  let allText = true;
  for (const block of content) {
    if (hasToolCalls && isToolUseBlock(block)) continue;
    // Recorded once, under the message's `reasoning` (reasoning.ts).
    if (isReasoningBlock(block)) continue;
    const part = contentPart(block);
    if (!(isObject(part) && part.type === "text")) allText = false;
    parts.push(part);
  }
  if (allText) return parts.map((p) => (p as { text: string }).text).join("");
  return parts;
}

const TOOL_USE_TYPES = new Set([
  "tool_use",
  "tool_call",
  "tool_call_chunk",
  "functionCall",
  "input_json_delta",
]);

function isToolUseBlock(block: unknown): boolean {
  return isObject(block) && (TOOL_USE_TYPES.has(String(block.type)) || isObject(block.functionCall));
}

/**
 * One content block as an OpenAI-style part; media bytes as a reference in the part's place (SPEC
 * §4 "Media", media/blocks.ts); blocks OpenAI has no shape for are kept as they are.
 */
function contentPart(block: unknown): unknown {
  if (typeof block === "string") return { type: "text", text: block };
  if (!isObject(block)) return block;
  const type = block.type;
  if ((type === "text" || type === "text_delta") && typeof block.text === "string")
    return { type: "text", text: block.text };
  const media = mediaReference(block);
  if (media !== undefined) return media;
  if (type === "image_url") {
    const url =
      typeof block.image_url === "string" ? block.image_url : (block.image_url as Dict | undefined)?.url;
    return typeof url === "string" ? { type: "image_url", image_url: { url } } : block;
  }
  if (type === "image") {
    const url = imageUrl(block);
    if (url) return { type: "image_url", image_url: { url } };
  }
  return block;
}

/**
 * The URL of an image block in Anthropic's or LangChain's standard (v0/v1) shapes. Blocks with
 * bytes never get here: they became references (media/blocks.ts).
 */
function imageUrl(block: Dict): string | undefined {
  const source = isObject(block.source) ? block.source : undefined;
  // Anthropic: {type: "image", source: {type: "url", url}}
  if (source && typeof source.url === "string") return source.url;
  if (typeof block.url === "string") return block.url;
  return undefined;
}

/** True for a LangChain `Document` (`pageContent` + `metadata`), any copy of core. */
export function isDocumentLike(value: unknown): value is Dict {
  return isObject(value) && typeof value.pageContent === "string" && "metadata" in value;
}

/** A retriever document; its `id` (vector store id) is kept: it is how a user finds the record. */
function toDocument(value: Dict): { page_content: string; metadata: unknown; id?: string } {
  const doc: { page_content: string; metadata: unknown; id?: string } = {
    page_content: String(value.pageContent),
    metadata: value.metadata ?? {},
  };
  if (typeof value.id === "string" && value.id) doc.id = value.id;
  return doc;
}

/** LangChain's serialization bookkeeping on every `Serializable`: never part of an event. */
const LC_INTERNALS = new Set(["lc_serializable", "lc_kwargs", "lc_namespace", "lc_runnable"]);

function withoutInternals(value: Dict): Dict {
  const out: Dict = {};
  for (const key of Object.keys(value)) {
    if (!LC_INTERNALS.has(key) && !key.startsWith("lc_") && !key.startsWith("lg_")) out[key] = value[key];
  }
  return out;
}

/** A PromptValue (`ChatPromptValue`, `StringPromptValue`, `ImagePromptValue`), any copy of core. */
function promptValueOf(value: Dict): unknown | undefined {
  if (typeof value.toChatMessages !== "function" || !("lc_kwargs" in value)) return undefined;
  if (Array.isArray(value.messages)) return { messages: value.messages };
  if (typeof value.value === "string") return { text: value.value };
  return undefined;
}

/** `{lc: 1, type: "constructor" | "not_implemented" | "secret", id, kwargs}`: LangChain's serialized form. */
function serializedWrapper(value: Dict): unknown | undefined {
  if (value.lc !== 1 || !Array.isArray(value.id)) return undefined;
  const cls = String(value.id[value.id.length - 1] ?? "");
  if (value.type === "constructor" && isObject(value.kwargs)) {
    if (cls === "ChatPromptValue" && Array.isArray(value.kwargs.messages))
      return { messages: value.kwargs.messages };
    if (cls === "StringPromptValue") return { text: value.kwargs.value };
    if (cls === "Document") return toDocument({ ...value.kwargs, pageContent: value.kwargs.page_content });
    return value.kwargs;
  }
  // A secret is never spelled out; an object LangChain could not serialize is named.
  return `[${cls || "LangChain object"}]`;
}

/**
 * Converts a LangChain object into its plain HoneyHive shape, or undefined when it is not one. The
 * serializer asks this of every object it meets (through `langChainConverter`), when a callback
 * snapshots a value, so chain inputs such as `{messages: [HumanMessage]}` arrive as
 * `{messages: [{role: "user", content}]}` at any depth.
 */
function convertLangChainValue(value: Dict): unknown | undefined {
  if (isMessageLike(value)) return toChatMessage(value);
  if (isDocumentLike(value)) return toDocument(value);
  if ((value as Dict).lc === 1) return serializedWrapper(value);
  const prompt = promptValueOf(value);
  if (prompt !== undefined) return prompt;
  // Any other LangChain/LangGraph object (a Serializable, a LangGraph Command): its own fields only.
  if ("lc_kwargs" in value || "lc_serializable" in value || "lg_name" in value)
    return withoutInternals(value);
  return undefined;
}

/** A message object of any copy of core (a class instance with `_getType`), not app-owned plain data. */
function isMessageInstance(obj: object): boolean {
  if (typeof (obj as Dict)._getType !== "function") return false;
  const proto = Object.getPrototypeOf(obj);
  return proto !== Object.prototype && proto !== null;
}

/**
 * The serializer's hook for LangChain objects (wire/serialize.ts `Converter`); mapping/to-json.ts
 * composes the two. Plain data is the app's own: of it only a serialized form (`lc: 1`) or a
 * hand-built message (`_getType` / `getType`) is LangChain's. Messages are immutable (LangChain
 * makes a new object for a new message), so their text may be remembered by identity.
 */
export const langChainConverter: Converter = {
  convert(obj: object, plain: boolean): unknown {
    const value = obj as Dict;
    if (
      plain &&
      !(value.lc === 1 || typeof value._getType === "function" || typeof value.getType === "function")
    )
      return undefined;
    return convertLangChainValue(value);
  },
  tag: ["lc", 1],
  immutable: isMessageInstance,
  // A data URL anywhere else (a plain message in a chain's input, a tool's argument) that the
  // string limit would cut: its reference instead of broken base64. Only over-limit strings are asked.
  longString: (value: string) => dataUrlReference(value),
};

/** Tool call arguments are written by the same walk as every other value (no cache: they are small). */
const argumentsJson = new Serializer(langChainConverter);
