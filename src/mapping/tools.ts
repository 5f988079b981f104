/**
 * Tool events as HoneyHive's event standard wants them (honeyhive-event-schema.md, TOOL events):
 * `config.tool_name` (required), `config.tool_description`, `config.tool_type`, the result in
 * `outputs.message`, `metadata.tool_call_id`.
 *
 * LangChain's tool-start callback gets the tool's serialized form, which for the usual tools
 * (`tool()`, `DynamicStructuredTool`) is only `{lc, type: "not_implemented", id}`: the class, no
 * description. The description is in the definition the model was bound with
 * (`invocation_params.tools`); the tool run names the model's tool call it executes
 * (`toolCallId`), so the two are linked by that id, never by name alone.
 */
import { type Dict, isObject } from "./langchain-objects.js";

export interface ToolDefinition {
  name: string;
  description?: string;
}

function definition(name: unknown, description: unknown): ToolDefinition | undefined {
  if (typeof name !== "string" || !name) return undefined;
  return typeof description === "string" && description ? { name, description } : { name };
}

/** Tool definitions in each provider's request shape: OpenAI, Anthropic, Bedrock Converse, Gemini. */
export function toolDefinitions(invocationParams: Dict | undefined): ToolDefinition[] {
  // Bedrock Converse (@langchain/aws) passes them as its API does, inside `toolConfig`.
  const toolConfig = isObject(invocationParams?.toolConfig) ? invocationParams.toolConfig : undefined;
  const tools = invocationParams?.tools ?? toolConfig?.tools;
  if (!Array.isArray(tools)) return [];
  const out: ToolDefinition[] = [];
  const add = (d: ToolDefinition | undefined): void => {
    if (d) out.push(d);
  };
  for (const t of tools) {
    if (!isObject(t)) continue;
    if (isObject(t.function)) add(definition(t.function.name, t.function.description));
    else if (isObject(t.toolSpec)) add(definition(t.toolSpec.name, t.toolSpec.description));
    else if (Array.isArray(t.functionDeclarations)) {
      for (const f of t.functionDeclarations) if (isObject(f)) add(definition(f.name, f.description));
    } else add(definition(t.name, t.description));
  }
  return out;
}

/** The class a serialized tool names (`DynamicStructuredTool`, `TavilySearch`, …), HoneyHive's `tool_type`. */
export function serializedClass(serialized: unknown): string | undefined {
  if (!isObject(serialized) || !Array.isArray(serialized.id)) return undefined;
  const last = serialized.id[serialized.id.length - 1];
  return typeof last === "string" && last ? last : undefined;
}

/** A description a serializable tool carries itself (`kwargs.description`). */
export function serializedDescription(serialized: unknown): string | undefined {
  const kwargs = isObject(serialized) && isObject(serialized.kwargs) ? serialized.kwargs : undefined;
  return typeof kwargs?.description === "string" && kwargs.description ? kwargs.description : undefined;
}

export function toolConfig(name: string, type: string | undefined, description: string | undefined): Dict {
  const config: Dict = { tool_name: name };
  if (description) config.tool_description = description;
  if (type) config.tool_type = type;
  return config;
}
