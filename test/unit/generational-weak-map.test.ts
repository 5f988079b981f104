import { describe, expect, it } from "vitest";
import { GenerationalWeakMap } from "../../src/util/generational-weak-map.js";

describe("GenerationalWeakMap", () => {
  it("keeps the most recent sets (at least `capacity`) and drops the older ones whole", () => {
    const map = new GenerationalWeakMap<object, number>(3);
    const keys = Array.from({ length: 7 }, () => ({}));
    keys.forEach((k, i) => {
      map.set(k, i);
    });
    // Sets 1-3 filled the first table, 4-6 the second (the first retired), 7 started a third.
    expect(keys.map((k) => map.get(k))).toEqual([undefined, undefined, undefined, 3, 4, 5, 6]);
  });

  it("reads a key set again after it was retired from the newest table", () => {
    const map = new GenerationalWeakMap<object, string>(2);
    const a = {};
    map.set(a, "a");
    map.set({}, "x");
    map.set({}, "y"); // `a` is now in the retired table, still read
    expect(map.get(a)).toBe("a");
    map.set(a, "a2");
    expect(map.get(a)).toBe("a2");
  });
});
