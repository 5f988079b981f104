/**
 * The conversion routine on every hostile value from the seeded generator (the same values
 * e2e/hostile-values.test.ts runs through LangChain).
 */
import { describe, expect, it } from "vitest";
import { toJsonSafe, toJsonText } from "../../src/mapping/to-json.js";
import { type HostileCase, hostileCases } from "../helpers/hostile.js";

const cases = hostileCases(20260101);

describe("the conversion routine on hostile values", () => {
  it.each(cases.map((c) => [c.name, c] as [string, HostileCase]))(
    "%s: text and tree agree, never throw, parse back, well-formed",
    (_name, c) => {
      const value = c.make();
      const text = toJsonText(value);
      expect(typeof text).toBe("string");
      expect((text as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
      expect(() => JSON.parse(text)).not.toThrow();
      // Values whose getters answer differently on every read cannot agree with themselves.
      if (!/lies|new object every time/.test(c.name)) expect(JSON.stringify(toJsonSafe(value))).toBe(text);
    },
  );
});
