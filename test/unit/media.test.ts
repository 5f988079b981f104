/**
 * Media references (SPEC §4 "Media"): what a block with bytes becomes, the digest cache that keeps
 * a chat's next turns from hashing the same image again, the data-URL rule for strings over the
 * limit anywhere in a value, the JavaScript SHA-256 and base64 decoder of the web build, and the
 * upload step's own rules (budget, one upload per bytes).
 */
import { createHash, randomBytes } from "node:crypto";
import { HumanMessage } from "@langchain/core/messages";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_LIMITS, toJsonText } from "../../src/mapping/to-json.js";
import {
  dataUrlReference,
  MAX_CACHED_MEDIA,
  mediaCacheSize,
  parseDataUrl,
} from "../../src/media/references.js";
import { MediaUploads } from "../../src/media/uploads.js";
import * as platform from "../../src/runtime/platform.js";
import * as web from "../../src/runtime/platform.web.js";
import { sha256Hex } from "../../src/util/sha256.js";
import { Serializer } from "../../src/wire/serialize.js";

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const dataUrl = (bytes: Buffer, mime = "image/png"): string =>
  `data:${mime};base64,${bytes.toString("base64")}`;

describe("a message with an image", () => {
  it("records text, then the reference in the image's place", () => {
    const image = randomBytes(300_000);
    const message = new HumanMessage({
      content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: dataUrl(image), detail: "high" } },
        { type: "text", text: "Be brief." },
      ],
    });
    expect(JSON.parse(toJsonText(message))).toEqual({
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image", mime_type: "image/png", bytes: image.length, sha256: sha256(image) },
        { type: "text", text: "Be brief." },
      ],
    });
  });

  it("hashes the bytes once: the same string, or another with equal content, is a cache hit", () => {
    const image = randomBytes(50_000);
    const url = dataUrl(image);
    const before = mediaCacheSize().hashed;
    const first = dataUrlReference(url);
    expect(mediaCacheSize().hashed).toBe(before + 1);
    const copy = `data:image/png;base64,${Buffer.from(image).toString("base64")}`;
    expect(copy).not.toBe(undefined);
    expect(dataUrlReference(url)).toEqual(first);
    expect(dataUrlReference(copy)).toEqual(first);
    toJsonText(new HumanMessage({ content: [{ type: "image_url", image_url: { url: copy } }] }));
    expect(mediaCacheSize().hashed).toBe(before + 1);
  });

  it("keeps the cache bounded in entries", () => {
    for (let i = 0; i < MAX_CACHED_MEDIA + 50; i++) dataUrlReference(dataUrl(Buffer.from(`image ${i}`)));
    expect(mediaCacheSize().entries).toBeLessThanOrEqual(MAX_CACHED_MEDIA);
  });
});

describe("a data URL elsewhere in a value", () => {
  const limits = { ...DEFAULT_LIMITS, maxStringLength: 1_000 };

  it("becomes a reference where the string limit would cut it", () => {
    const bytes = randomBytes(5_000);
    const text = toJsonText({ attachment: dataUrl(bytes, "application/pdf"), note: "x" }, limits);
    expect(JSON.parse(text)).toEqual({
      attachment: { type: "file", mime_type: "application/pdf", bytes: 5_000, sha256: sha256(bytes) },
      note: "x",
    });
  });

  it("stays as it is within the limit; long text that is not base64 is cut as before", () => {
    const small = dataUrl(randomBytes(100));
    expect(JSON.parse(toJsonText({ small }, limits))).toEqual({ small });
    const long = `data:text/plain,${"a".repeat(2_000)}`;
    expect(toJsonText({ long }, limits)).toContain("…[truncated 1016 characters]");
    expect(toJsonText({ long: "b".repeat(2_000) }, limits)).toContain("…[truncated");
  });

  it("asks the converter about strings over the limit only", () => {
    const longString = vi.fn((_: string) => undefined);
    const serializer = new Serializer({ convert: () => undefined, longString });
    serializer.text({ a: "short", b: ["x".repeat(999)], c: "y".repeat(1_001) }, limits);
    expect(longString.mock.calls.map(([s]) => s.length)).toEqual([1_001]);
  });
});

describe("data URL headers", () => {
  it("takes base64 data URLs with parameters, and nothing else", () => {
    expect(parseDataUrl("data:image/png;base64,AAAA")).toEqual({ mime: "image/png", start: 22 });
    expect(parseDataUrl("data:audio/wav;codecs=1;base64,AAAA")?.mime).toBe("audio/wav");
    expect(parseDataUrl("data:;base64,AAAA")?.mime).toBe("application/octet-stream");
    expect(parseDataUrl("data:text/plain,hello")).toBeUndefined();
    expect(parseDataUrl("https://example.com/a.png")).toBeUndefined();
  });
});

describe("the web build's SHA-256 and base64", () => {
  it("hash as node:crypto does around every block boundary", () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1_000, 100_003]) {
      const bytes = randomBytes(n);
      expect(sha256Hex(bytes), `length ${n}`).toBe(sha256(bytes));
      expect(web.sha256Hex(bytes)).toBe(platform.sha256Hex(bytes));
    }
  });

  it("decode as leniently as Buffer: padding or none, line breaks, URL-safe letters, an offset", () => {
    for (const n of [0, 1, 2, 3, 4, 100, 1_001]) {
      const bytes = randomBytes(n);
      const b64 = bytes.toString("base64");
      const cases = [
        b64,
        b64.replace(/=+$/, ""),
        b64.replace(/(.{76})/g, "$1\r\n"),
        bytes.toString("base64url"),
      ];
      for (const text of cases) expect(Buffer.from(web.base64Bytes(text))).toEqual(bytes);
      expect(Buffer.from(web.base64Bytes(`data:x;base64,${b64}`, 14))).toEqual(bytes);
      expect(Buffer.from(platform.base64Bytes(`data:x;base64,${b64}`, 14))).toEqual(bytes);
    }
  });
});

describe("the upload step", () => {
  function reference(bytes: Buffer): string {
    return toJsonText(
      new HumanMessage({ content: [{ type: "image_url", image_url: { url: dataUrl(bytes) } }] }),
    );
  }

  it("leaves the plain reference when the byte budget has no room, and uploads nothing", async () => {
    const upload = vi.fn(async () => "https://bucket.example/x");
    const uploads = new MediaUploads(upload, 1_000, { reserve: () => false, release: () => {} }, () => {});
    const text = reference(randomBytes(1_000));
    expect(uploads.resolve(text)).toBe(text);
    expect(upload).not.toHaveBeenCalled();
  });

  it("holds the decoded bytes in the budget until the upload settles", async () => {
    let held = 0;
    let answer: (url: string) => void = () => {};
    const uploads = new MediaUploads(
      () => new Promise<string>((resolve) => (answer = resolve)),
      5_000,
      {
        reserve: (n) => {
          held += n;
          return true;
        },
        release: (n) => {
          held -= n;
        },
      },
      () => {},
    );
    const text = reference(randomBytes(2_000));
    const pending = uploads.resolve(text);
    expect(typeof pending).not.toBe("string");
    expect(held).toBe(2_000);
    answer("https://bucket.example/a.png");
    expect(await pending).toContain('"url":"https://bucket.example/a.png"');
    expect(held).toBe(0);
    // Settled: the next turn's text is written at once.
    expect(uploads.resolve(text)).toContain('"url":"https://bucket.example/a.png"');
  });

  it("ignores a sha256 field that is not one of its references", () => {
    const upload = vi.fn(async () => "https://bucket.example/x");
    const uploads = new MediaUploads(upload, 1_000, { reserve: () => true, release: () => {} }, () => {});
    const text = JSON.stringify({ file: { sha256: "a".repeat(64) } });
    expect(uploads.resolve(text)).toBe(text);
    expect(upload).not.toHaveBeenCalled();
  });

  it("writes the URL into references only, never a second url into an app's object with the same hash", async () => {
    const bytes = randomBytes(500);
    const uploads = new MediaUploads(
      async () => "https://bucket.example/b.png",
      1_000,
      { reserve: () => true, release: () => {} },
      () => {},
    );
    const ref = reference(bytes);
    const appObject = `{"sha256":"${sha256(bytes)}","url":"mine"}`;
    const text = `{"a":${ref},"b":${appObject}}`;
    const out = await uploads.resolve(text);
    const parsed = JSON.parse(out);
    expect(parsed.a.content[0].url).toBe("https://bucket.example/b.png");
    expect(parsed.b).toEqual({ sha256: sha256(bytes), url: "mine" });
    expect(out.match(/"url"/g)).toHaveLength(2);
  });
});
