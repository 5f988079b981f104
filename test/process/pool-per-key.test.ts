/**
 * A pool per key used to live for the life of the process: a multi-tenant app (a key per tenant,
 * a handler per request, each shut down) grew by ~23 KB per key. A pool is now closed when the last
 * handler using it is shut down. Run in its own process, with --expose-gc, against the collector.
 */
import { describe, expect, it } from "vitest";
import { lastJson, runFixture } from "../helpers/child.js";
import { useCollector } from "../helpers/setup.js";

const hh = useCollector();

describe("pools of shut-down handlers are released", () => {
  it("3,000 keys, a handler each, shut down each: heap back to where it was, no pool left open", async () => {
    const result = await runFixture(
      "pool-per-key.ts",
      { COLLECTOR_URL: hh.collector.url, KEYS: "3000" },
      { nodeArgs: ["--expose-gc"], killAfterMs: 120_000 },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const out = lastJson<{ growthBytes: number; openPools: number }>(result);
    expect(hh.collector.events).toHaveLength(3000);
    expect(out.openPools).toBe(0);
    // ~23 KB per key before (≈ 65 MB here); a few MB of noise (JIT, collector-side strings) is allowed.
    expect(out.growthBytes).toBeLessThan(5 * 1024 * 1024);
  }, 150_000);
});
