/**
 * Provider names as HoneyHive knows them. HoneyHive's `config.provider` (semantic-conventions
 * registry, `honeyhive_config.yaml`: `openai`, `anthropic`, `bedrock`, `google`) drives the
 * Playground; LangChain reports `ls_provider` in its own spelling (`google_genai`,
 * `amazon_bedrock`, …). The OpenInference LangChain instrumentation, which HoneyHive documents for
 * LangChain, normalizes the same way. The LangChain original stays in `metadata.ls_provider`.
 */

/** `ls_provider` values LangChain's integrations emit (JS and Python) → HoneyHive's name. */
const HONEYHIVE_PROVIDER: Record<string, string> = {
  openai: "openai",
  azure: "azure",
  azure_openai: "azure",
  azure_ai: "azure",
  anthropic: "anthropic",
  google_genai: "google",
  google_vertexai: "google",
  google_anthropic_vertex: "google",
  vertexai: "google",
  google: "google",
  amazon_bedrock: "bedrock",
  amazon_bedrock_converse: "bedrock",
  bedrock: "bedrock",
  bedrock_converse: "bedrock",
  aws: "bedrock",
  mistral: "mistral",
  mistralai: "mistral",
  groq: "groq",
  cohere: "cohere",
  ollama: "ollama",
  deepseek: "deepseek",
  xai: "xai",
  fireworks: "fireworks",
  together: "together",
  togetherai: "together",
  cerebras: "cerebras",
  perplexity: "perplexity",
  openrouter: "openrouter",
  huggingface: "huggingface",
  nvidia: "nvidia",
  ibm: "ibm",
};

/**
 * LangChain's `BaseChatModel.getLsParams` default: the class name (`getName()`), minus a leading
 * "Chat". A model that reports that has declared no provider at all (`FakeListChatModel`).
 */
export function isDerivedProvider(
  lsProvider: string,
  className: string | undefined,
  runName?: string,
): boolean {
  for (const name of [className, runName]) {
    if (!name) continue;
    if (lsProvider === name || (name.startsWith("Chat") && lsProvider === name.slice(4))) return true;
  }
  return false;
}

/** HoneyHive's name for a provider LangChain reported; unknown providers pass through, lower-cased. */
export function honeyHiveProvider(lsProvider: unknown): string | undefined {
  if (typeof lsProvider !== "string" || !lsProvider) return undefined;
  const key = lsProvider.toLowerCase();
  return HONEYHIVE_PROVIDER[key] ?? key;
}

/**
 * The provider of a model run that has answered. ChatOpenAI's subclasses for OpenAI-compatible
 * APIs may inherit its `getLsParams` and so report `ls_provider: "openai"` (ChatDeepSeek does),
 * while the message they answer with names the real one in `response_metadata.model_provider`.
 * Only then does the answer win: Azure's answers say "openai" too, and its `ls_provider` "azure"
 * is the better name.
 */
export function answeringProvider(lsProvider: unknown, modelProvider: unknown): string | undefined {
  const reported = honeyHiveProvider(lsProvider);
  const answered = honeyHiveProvider(modelProvider);
  return reported === "openai" && answered && answered !== "openai" ? answered : reported;
}
