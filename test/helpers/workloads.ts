import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { ScriptedChatModel } from "./scripted-model.js";

/** prompt → chat model → parser: 4 events (root + 3 children) and one session per invoke. */
export function smallChain() {
  return ChatPromptTemplate.fromMessages([["human", "Say hello to {name}"]])
    .pipe(new ScriptedChatModel({ replies: [{ content: "hello", usage: { input: 5, output: 1 } }] }))
    .pipe(new StringOutputParser());
}

export const EVENTS_PER_SMALL_CHAIN = 4;

/** A loopback port with nothing listening (connections are refused). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A logger that keeps every line, for asserting on what the handler said. */
export function memoryLogger() {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => {
    lines.push({ level, message });
  };
  return { lines, logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") } };
}
