/**
 * Duck-typed readers for LangChain objects (messages, documents, tool calls).
 *
 * Never `instanceof`: applications often carry two copies of `@langchain/core` (pnpm, nested
 * dependencies), and a message built by one copy is not an instance of the other's class.
 * Serialized messages (`{lc: 1, type: "constructor", id: [..., "HumanMessage"], kwargs}`) and
 * plain `{role, content}` objects are accepted too.
 */
import { toJsonText } from "../wire/serialize.js";

export type Dict = Record<string, unknown>;

export interface ChatMessage {
  role: string;
  content: unknown;
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

export function isObject(value: unknown): value is Dict {
  return typeof value === "object" && value !== null;
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

/** True for a plain `{role, content}` chat message object. */
export function isRoleMessage(value: unknown): value is Dict {
  return (
    isObject(value) &&
    !Array.isArray(value) &&
    typeof value.role === "string" &&
    "content" in value &&
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
  return toJsonText(value);
}

/** Converts any message shape into HoneyHive's `{role, content, name?, tool_calls?, tool_call_id?}`. */
export function toChatMessage(value: Dict): ChatMessage {
  const type = messageType(value);
  // Serialized messages keep their fields under kwargs.
  const fields: Dict = type !== undefined && value.lc === 1 && isObject(value.kwargs) ? value.kwargs : value;
  let role: string;
  if (type === undefined) role = String(value.role);
  else if (type === "generic" || type === "chat") role = String(fields.role ?? "user");
  else role = TYPE_TO_ROLE[type] ?? type;
  const additional = isObject(fields.additional_kwargs) ? fields.additional_kwargs : undefined;
  // LangChain stores OpenAI's "developer" role as a SystemMessage marked with __openai_role__.
  if (typeof additional?.__openai_role__ === "string" && additional.__openai_role__)
    role = additional.__openai_role__;

  const message: ChatMessage = { role, content: fields.content ?? "" };
  if (typeof fields.name === "string" && fields.name) message.name = fields.name;
  const toolCalls = toOpenAIToolCalls(fields.tool_calls) ?? toOpenAIToolCalls(additional?.tool_calls);
  if (toolCalls) message.tool_calls = toolCalls;
  if (typeof fields.tool_call_id === "string") message.tool_call_id = fields.tool_call_id;
  if (role === "tool" && fields.status === "error") message.status = "error";
  return message;
}

/** Normalizes a message, or returns undefined when the value is not one. */
export function asChatMessage(value: unknown): ChatMessage | undefined {
  if (isMessageLike(value)) return toChatMessage(value);
  if (isRoleMessage(value)) return toChatMessage(value);
  return undefined;
}

/** True for a LangChain `Document` (`pageContent` + `metadata`), any copy of core. */
export function isDocumentLike(value: unknown): value is Dict {
  return isObject(value) && typeof value.pageContent === "string" && "metadata" in value;
}

export function toDocument(value: Dict): { page_content: string; metadata: unknown } {
  return { page_content: String(value.pageContent), metadata: value.metadata ?? {} };
}

/**
 * Converts LangChain objects found at any depth into their plain HoneyHive shapes. Used by the
 * serializer (off the callback path) so that chain inputs such as `{messages: [HumanMessage]}`
 * arrive as `{messages: [{role: "user", content}]}`.
 */
export function convertLangChainValue(value: Dict): unknown | undefined {
  if (isMessageLike(value)) return toChatMessage(value);
  if (isDocumentLike(value)) return toDocument(value);
  return undefined;
}
