/**
 * An offline chat model for the examples: it answers from rules instead of a network, but reports
 * what a real provider does (usage, model name, tool calls, streamed chunks) so the traces look real.
 * Swap in `new ChatOpenAI()` (or any chat model) and nothing else changes.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { convertToOpenAITool } from "@langchain/core/utils/function_calling";

function text(message: BaseMessage | undefined): string {
  if (!message) return "";
  return typeof message.content === "string" ? message.content : JSON.stringify(message.content);
}

export class OfflineChatModel extends BaseChatModel {
  tools: StructuredToolInterface[] = [];

  static override lc_name(): string {
    return "OfflineChatModel";
  }

  constructor() {
    super({});
  }

  _llmType(): string {
    return "offline";
  }

  override getLsParams(options: this["ParsedCallOptions"]) {
    return { ...super.getLsParams(options), ls_provider: "offline", ls_model_name: "offline-mini" };
  }

  override invocationParams(): Record<string, unknown> {
    return {
      model: "offline-mini",
      temperature: 0,
      ...(this.tools.length
        ? { tools: this.tools.map((t) => convertToOpenAITool(t)), tool_choice: "auto" }
        : {}),
    };
  }

  override bindTools(tools: StructuredToolInterface[]): this {
    const next = new OfflineChatModel();
    next.tools = tools;
    return next as this;
  }

  #reply(messages: BaseMessage[]): AIMessage {
    const last = messages[messages.length - 1];
    const question = text(messages.findLast((m) => m.getType() === "human"));
    const city = /in ([A-Z][a-z]+)/.exec(question)?.[1] ?? "Paris";
    const input = messages.reduce((n, m) => n + Math.ceil(text(m).length / 4), 0);
    let message: AIMessage;
    if (last?.getType() !== "tool" && this.tools.some((t) => t.name === "get_weather")) {
      message = new AIMessage({
        content: "",
        tool_calls: [
          { id: `call_${Date.now().toString(36)}`, name: "get_weather", args: { city }, type: "tool_call" },
        ],
      });
    } else if (last?.getType() === "tool") {
      message = new AIMessage(`Here is the forecast: ${text(last)}.`);
    } else {
      message = new AIMessage(
        `You asked: "${question}". An offline model can only echo, but the trace is real.`,
      );
    }
    const output = Math.max(1, Math.ceil(text(message).length / 4) + (message.tool_calls?.length ?? 0) * 8);
    message.usage_metadata = { input_tokens: input, output_tokens: output, total_tokens: input + output };
    message.response_metadata = {
      model_name: "offline-mini",
      finish_reason: message.tool_calls?.length ? "tool_calls" : "stop",
    };
    return message;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    await new Promise((r) => setTimeout(r, 20));
    const message = this.#reply(messages);
    return { generations: [{ message, text: text(message) }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const full = this.#reply(messages);
    const words = text(full).split(/(?<= )/);
    for (const [i, word] of words.entries()) {
      await new Promise((r) => setTimeout(r, 15));
      const last = i === words.length - 1;
      const chunk = new ChatGenerationChunk({
        text: word,
        message: new AIMessageChunk({
          content: word,
          ...(last ? { usage_metadata: full.usage_metadata, response_metadata: full.response_metadata } : {}),
        }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(word, undefined, undefined, undefined, undefined, { chunk });
    }
  }
}
