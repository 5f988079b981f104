import { RunnableLambda } from "@langchain/core/runnables";
import { describe, expect, it, vi } from "vitest";
import { startCollector } from "../src/collector/index.js";
import { HoneyHiveConfigError, HoneyHiveHandler } from "../src/index.js";

describe("handler options", () => {
  it("an invalid option throws an error that names it", () => {
    expect(() => new HoneyHiveHandler({ apiKey: "k", concurrency: -1 })).toThrow(/`concurrency`/);
    expect(() => new HoneyHiveHandler({ apiKey: "k", serverUrl: "ftp://x" })).toThrow(HoneyHiveConfigError);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately passing an unknown option
    expect(() => new HoneyHiveHandler({ apiKey: "k", sesionId: "typo" } as any)).toThrow(
      /`sesionId` is not a known option/,
    );
  });

  it("refuses plain http:// to a non-loopback host unless allowInsecureHttp is set", () => {
    expect(() => new HoneyHiveHandler({ apiKey: "k", serverUrl: "http://collector.example.com" })).toThrow(
      /allowInsecureHttp/,
    );
    expect(
      () =>
        new HoneyHiveHandler({
          apiKey: "k",
          serverUrl: "http://collector.example.com",
          allowInsecureHttp: true,
        }),
    ).not.toThrow();
    expect(() => new HoneyHiveHandler({ apiKey: "k", serverUrl: "http://127.0.0.1:1" })).not.toThrow();
  });

  it("without an API key it warns once, records nothing, and the app runs as usual", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const handler = new HoneyHiveHandler({ serverUrl: "http://127.0.0.1:9" });
      const result = await RunnableLambda.from((x: number) => x * 2).invoke(21, { callbacks: [handler] });
      expect(result).toBe(42);
      expect(handler.stats()).toMatchObject({ sent: 0, queued: 0, openRuns: 0 });
      expect(await handler.flush()).toMatchObject({ timedOut: false });
      new HoneyHiveHandler();
      const lines = warn.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("HH_API_KEY"));
      expect(lines.length).toBeLessThanOrEqual(1);
    } finally {
      warn.mockRestore();
    }
  });

  it("reads the key, URL, source and session name from the environment", async () => {
    const collector = await startCollector();
    vi.stubEnv("HH_API_KEY", "env-key-123456");
    vi.stubEnv("HH_API_URL", `${collector.url}/`);
    vi.stubEnv("HH_SOURCE", "my-service");
    vi.stubEnv("HH_SESSION_NAME", "from-env");
    try {
      const handler = new HoneyHiveHandler();
      await RunnableLambda.from((x: number) => x).invoke(1, { callbacks: [handler] });
      await handler.shutdown();
      expect(collector.events[0]?.source).toBe("my-service");
      expect(collector.sessions[0]?.session_name).toBe("from-env");
    } finally {
      vi.unstubAllEnvs();
      await collector.close();
    }
  });
});
