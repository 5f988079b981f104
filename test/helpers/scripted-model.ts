/**
 * A small BaseChatModel that plays back scripted replies with usage, model names, tool calls and
 * streamed chunks — the shapes real providers produce, without a network.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { convertToOpenAITool } from "@langchain/core/utils/function_calling";

export interface ScriptedReply {
  content?: string;
  toolCalls?: { name: string; args: Record<string, unknown>; id?: string }[];
  usage?: { input: number; output: number; cacheRead?: number; reasoning?: number };
  delayMs?: number;
  /** Yield to the event loop once (as any networked model does) before replying / per chunk. */
  yieldToEventLoop?: boolean;
  error?: Error;
}

export interface ScriptedChatModelParams extends BaseChatModelParams {
  replies: ScriptedReply[];
  model?: string;
  temperature?: number;
  provider?: string;
}

export class ScriptedChatModel extends BaseChatModel {
  replies: ScriptedReply[];
  model: string;
  temperature: number;
  provider: string;
  boundTools: Record<string, unknown>[] = [];
  turn = 0;

  static override lc_name(): string {
    return "ScriptedChatModel";
  }

  constructor(params: ScriptedChatModelParams) {
    super(params);
    this.replies = params.replies;
    this.model = params.model ?? "scripted-1";
    this.temperature = params.temperature ?? 0.2;
    this.provider = params.provider ?? "scripted";
  }

  _llmType(): string {
    return "scripted";
  }

  override getLsParams(options: this["ParsedCallOptions"]) {
    return {
      ...super.getLsParams(options),
      ls_provider: this.provider,
      ls_model_name: this.model,
      ls_temperature: this.temperature,
    };
  }

  override invocationParams(): Record<string, unknown> {
    return {
      model: this.model,
      temperature: this.temperature,
      ...(this.boundTools.length ? { tools: this.boundTools, tool_choice: "auto" } : {}),
    };
  }

  // biome-ignore lint/suspicious/noExplicitAny: matches BaseChatModel's loose bindTools signature
  override bindTools(tools: any[]): any {
    const next = new ScriptedChatModel({
      replies: this.replies,
      model: this.model,
      temperature: this.temperature,
      provider: this.provider,
    });
    next.boundTools = tools.map((t) => convertToOpenAITool(t) as unknown as Record<string, unknown>);
    // Share the script position so a bound copy continues the same conversation.
    Object.defineProperty(next, "turn", {
      get: () => this.turn,
      set: (v) => {
        this.turn = v;
      },
    });
    return next;
  }

  #nextReply(): ScriptedReply {
    const reply = this.replies[this.turn % this.replies.length] ?? { content: "" };
    this.turn++;
    return reply;
  }

  #message(reply: ScriptedReply, runId: string | undefined): AIMessage {
    return new AIMessage({
      content: reply.content ?? "",
      tool_calls: (reply.toolCalls ?? []).map((c, i) => ({
        id: c.id ?? `call_${i}_${runId?.slice(0, 8) ?? "x"}`,
        name: c.name,
        args: c.args,
        type: "tool_call" as const,
      })),
      usage_metadata: reply.usage
        ? {
            input_tokens: reply.usage.input,
            output_tokens: reply.usage.output,
            total_tokens: reply.usage.input + reply.usage.output,
            ...(reply.usage.cacheRead !== undefined
              ? { input_token_details: { cache_read: reply.usage.cacheRead } }
              : {}),
            ...(reply.usage.reasoning !== undefined
              ? { output_token_details: { reasoning: reply.usage.reasoning } }
              : {}),
          }
        : undefined,
      response_metadata: {
        model_name: this.model,
        finish_reason: reply.toolCalls?.length ? "tool_calls" : "stop",
      },
    });
  }

  async _generate(
    _messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const reply = this.#nextReply();
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    else if (reply.yieldToEventLoop) await new Promise((r) => setImmediate(r));
    if (reply.error) throw reply.error;
    const message = this.#message(reply, runManager?.runId);
    return { generations: [{ message, text: typeof message.content === "string" ? message.content : "" }] };
  }

  override async *_streamResponseChunks(
    _messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const reply = this.#nextReply();
    if (reply.error) throw reply.error;
    const words = (reply.content ?? "").split(/(?<= )/);
    for (const [i, word] of words.entries()) {
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      else if (reply.yieldToEventLoop) await new Promise((r) => setImmediate(r));
      const last = i === words.length - 1;
      const chunk = new ChatGenerationChunk({
        text: word,
        message: new AIMessageChunk({
          content: word,
          usage_metadata:
            last && reply.usage
              ? {
                  input_tokens: reply.usage.input,
                  output_tokens: reply.usage.output,
                  total_tokens: reply.usage.input + reply.usage.output,
                }
              : undefined,
          response_metadata: last ? { model_name: this.model, finish_reason: "stop" } : {},
        }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(word, undefined, undefined, undefined, undefined, { chunk });
    }
  }
}
