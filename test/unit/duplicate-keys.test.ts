/** The collector's duplicate-key scanner, on JSON text. */
import { describe, expect, it } from "vitest";
import { findDuplicateKey } from "../../src/collector/duplicate-keys.js";

/** The scanner's answer, checked against JSON.parse: it accepts the text either way. */
function scan(text: string) {
  JSON.parse(text);
  return findDuplicateKey(text);
}

describe("findDuplicateKey", () => {
  it("finds nothing in JSON without a repeated key", () => {
    for (const text of [
      "{}",
      "[]",
      '"x"',
      "1",
      "null",
      '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
      '[{"a":1},{"a":1}]',
      '{"a":"a","b":"a"}',
      '{"a":{},"b":{},"c":[]}',
      '{"a":{"b":1},"b":{"b":2}}',
      '{ "a" : 1 , "b" : [ 1 , { "a" : 2 } ] }',
    ]) {
      expect(scan(text), text).toBeUndefined();
    }
  });

  it("names the key, the object holding it and the offset of the second occurrence", () => {
    const text = '{"events":[{},{},{},{"metadata":{},"x":"metadata","metadata":1}]}';
    expect(scan(text)).toEqual({
      key: "metadata",
      path: "events[3]",
      offset: text.lastIndexOf('"metadata"'),
      message: `duplicate key "metadata" in events[3] (offset ${text.lastIndexOf('"metadata"')})`,
    });
    expect(scan('{"a":1,"a":2}')?.message).toBe('duplicate key "a" in the top-level object (offset 7)');
  });

  it("writes keys that are not identifiers in brackets", () => {
    expect(scan('{"x y":{"k":1,"k":2}}')?.path).toBe('["x y"]');
    expect(scan('{"a":[[{"k":1,"k":2}]]}')?.path).toBe("a[0][0]");
  });

  it("compares keys decoded, as JSON.parse does", () => {
    expect(scan('{"a":1,"\\u0061":2}')?.key).toBe("a");
    expect(scan('{"a\\"b":1,"a\\u0022b":2}')?.key).toBe('a"b');
    expect(scan('{"\\\\":1,"\\u005c":2}')?.key).toBe("\\");
    expect(scan('{"\\ud83d\\ude00":1,"😀":2}')?.key).toBe("😀");
    // Different keys that merely look alike stay different.
    expect(scan('{"a":1,"A":2,"A ":3,"\\u0041\\u0020":4}')?.key).toBe("A ");
    expect(scan('{"a":1,"\\u0062":2}')).toBeUndefined();
  });

  it("is not misled by quotes, backslashes, braces and colons inside strings", () => {
    expect(scan('{"a":"\\\\","b":"x\\"y","c":"{\\"a\\":1}","d":"[,:]"}')).toBeUndefined();
    expect(scan('{"a":"\\\\","a":1}')?.key).toBe("a");
    expect(scan('{"a":"}","b":{"c":1},"a":2}')?.path).toBe("");
  });

  it("takes __proto__ as an ordinary key (JSON.parse makes it an own property)", () => {
    expect(scan('{"__proto__":1,"__proto__":2}')?.key).toBe("__proto__");
    expect(scan('{"__proto__":{"a":1},"constructor":{"a":1}}')).toBeUndefined();
  });

  it("walks a million levels without recursion and elides the middle of a long path", () => {
    const depth = 1_000_000;
    const text = `${'{"a":'.repeat(depth)}{"z":1,"z":2}${"}".repeat(depth)}`;
    const found = findDuplicateKey(text);
    expect(found?.key).toBe("z");
    expect(found?.path).toMatch(/^a(\.a){15}…\(999968 levels\)…(\.a){16}$/);
    expect(findDuplicateKey(`${"[".repeat(depth)}${"]".repeat(depth)}`)).toBeUndefined();
  });

  it("keeps a huge key short in the message", () => {
    const key = "k".repeat(10_000);
    const found = scan(`{"${key}":1,"${key}":2}`);
    expect(found?.message.length).toBeLessThan(300);
  });

  it("neither throws nor loops on malformed text", () => {
    for (const text of ['{"a":1,"a"', '{"a', "}}]]", '{"a":1}}{"a":2,"a":3', "\\", '"\\']) {
      expect(() => findDuplicateKey(text)).not.toThrow();
    }
  });
});
