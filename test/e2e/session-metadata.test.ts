/**
 * A session's metadata is written once: what the handler's options and the call gave, plus a
 * failed root's error. (Bug: the start part and a failed root's end part each wrote a `"metadata"`
 * member into one object; JSON keeps the last, so every failed session lost the app's metadata.)
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { honeyhive } from "../../src/index.js";
import { useCollector } from "../helpers/setup.js";

const hh = useCollector({ allowRejections: true });

const failing = RunnableLambda.from((_: string): string => {
  throw new Error("boom");
}).withConfig({ runName: "failing root" });

describe("session metadata", () => {
  it("a failed root's session keeps the options' and the call's metadata and tags beside the error", async () => {
    const handler = hh.handler({ metadata: { env: "prod" }, tags: ["t1"] });
    await expect(
      failing.invoke("x", { callbacks: [handler], metadata: honeyhive({ metadata: { tenant: "acme" } }) }),
    ).rejects.toThrow("boom");
    await handler.flush();
    const [session] = hh.collector.sessions;
    expect(hh.collector.sessions).toHaveLength(1);
    expect(session?.metadata).toMatchObject({ env: "prod", tenant: "acme", tags: ["t1"] });
    expect(String(session?.metadata?.error)).toContain("boom");
  });
});
