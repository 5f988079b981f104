/** The session-name rule, as a pure function. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { sessionNameFor } from "../../src/mapping/session-name.js";

const _run = promisify(execFile);

describe("session names", () => {
  it("pure rule: chosen → app-given run name → script name → langchain; class defaults never", () => {
    const base = { chosen: undefined, className: "RunnableSequence", script: "/app/src/chat-bot.ts" };
    expect(sessionNameFor({ ...base, chosen: "mine", runName: "qa" })).toBe("mine");
    expect(sessionNameFor({ ...base, runName: "qa" })).toBe("qa");
    expect(sessionNameFor({ ...base, runName: "RunnableSequence" })).toBe("chat-bot");
    expect(sessionNameFor({ ...base, runName: "LangGraph", className: "CompiledStateGraph" })).toBe(
      "chat-bot",
    );
    expect(sessionNameFor({ ...base, runName: "ScriptedChatModel", className: "ScriptedChatModel" })).toBe(
      "chat-bot",
    );
    expect(sessionNameFor({ ...base, runName: "RunnableLambda", script: "" })).toBe("langchain");
  });
});
