/**
 * Chain inputs and outputs keep their own structure (honeyhive-event-schema.md, CHAIN events: never
 * forced into `{role, content}`), but the model messages in them are HoneyHive messages, under the
 * key the app used. LangChain message objects are converted later by the serializer; what needs
 * reading here are the plain shapes LangChain also accepts as messages (`[role, content]`,
 * `{type, content}`, `{role: "human", …}`, bare strings in `messages`), which the serializer would
 * pass through as data. Shallow and cheap: top-level keys only, and only lists that hold such shapes.
 */
import { asChatMessages, type Dict, isMessageLike, isObject } from "./langchain-objects.js";

/** True when some item is a message in a plain shape (not a LangChain message object). */
function hasPlainMessage(list: unknown[]): boolean {
  for (const item of list) {
    if (typeof item === "string" || Array.isArray(item)) return true;
    if (isObject(item) && !isMessageLike(item)) return true;
  }
  return false;
}

function messageList(value: unknown, key: string | undefined): unknown {
  if (!Array.isArray(value) || !hasPlainMessage(value)) return value;
  return asChatMessages(value, key === "messages") ?? value;
}

/**
 * Chain inputs/outputs with plain-shaped message lists normalized; the same object when there are
 * none, or when reading it throws (a hostile getter or Proxy: the serializer marks what it cannot read).
 */
export function chainValue(value: unknown): unknown {
  try {
    return normalize(value);
  } catch {
    return value;
  }
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return messageList(value, undefined);
  if (!isObject(value) || isMessageLike(value)) return value;
  const source: Dict = value;
  let out: Dict | undefined;
  for (const key of Object.keys(source)) {
    const v = source[key];
    if (!Array.isArray(v)) continue;
    const normalized = messageList(v, key);
    if (normalized !== v) {
      out ??= { ...source };
      out[key] = normalized;
    }
  }
  return out ?? value;
}
