/**
 * A chat model that returns exactly the ChatResult it is given, so tests can reproduce each
 * provider's way of reporting usage, model names, finish reasons and cost.
 */
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { ChatResult } from "@langchain/core/outputs";

export class ShapedChatModel extends BaseChatModel {
  result: () => ChatResult;
  params: Record<string, unknown>;
  lsParams: Record<string, unknown>;

  static override lc_name(): string {
    return "ShapedChatModel";
  }

  constructor(
    result: () => ChatResult,
    params: Record<string, unknown> = {},
    lsParams: Record<string, unknown> = {},
  ) {
    super({});
    this.result = result;
    this.params = params;
    this.lsParams = lsParams;
  }

  _llmType(): string {
    return "shaped";
  }

  override invocationParams(): Record<string, unknown> {
    return this.params;
  }

  override getLsParams(options: this["ParsedCallOptions"]) {
    return { ...super.getLsParams(options), ...this.lsParams };
  }

  async _generate(): Promise<ChatResult> {
    return this.result();
  }
}
