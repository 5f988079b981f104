/**
 * Session ids and sampling are computed in pure JS (no node:crypto, so they run in Workers and Edge
 * routes) and synchronously (they run inside callbacks). They must give exactly the ids and the
 * decisions the node:crypto versions gave: sessions already recorded under a LangGraph thread id
 * must keep receiving its later turns.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sessionSampler } from "../../src/privacy/privacy.js";
import { sessionIdFor, uuidV5 } from "../../src/runs/sessions.js";
import * as nodePlatform from "../../src/runtime/platform.js";
import * as webPlatform from "../../src/runtime/platform.web.js";
import { sha1 } from "../../src/util/sha1.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** The implementation this package shipped before (node:crypto), kept here as the reference. */
function nodeUuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const bytes = createHash("sha1").update(ns).update(name, "utf8").digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const h = bytes.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Strings of every length around SHA-1's block and padding boundaries, ASCII and not. */
function samples(): string[] {
  const out: string[] = [];
  for (let n = 0; n <= 140; n++) out.push("a".repeat(n));
  for (let n = 0; n < 200; n++) out.push(`thread-${n}-ü€😀-${"x".repeat(n % 70)}`);
  out.push("lone \ud800 surrogate", "🧵".repeat(40));
  return out;
}

describe("sha1", () => {
  it("matches the FIPS 180 test vectors", () => {
    expect(hex(sha1(""))).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect(hex(sha1("abc"))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    expect(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))).toBe(
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    );
    expect(hex(sha1("a".repeat(1_000_000)))).toBe("34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  });

  it("matches node:crypto on every length around the block boundaries", () => {
    for (const s of samples()) expect(hex(sha1(s)), s).toBe(createHash("sha1").update(s).digest("hex"));
  });
});

describe("uuidV5", () => {
  it("gives RFC 9562's v5 test vector (DNS namespace, www.example.com)", () => {
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
  });

  it("gives the ids the node:crypto version gave, so existing threads keep their sessions", () => {
    const url = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";
    for (const s of samples()) expect(uuidV5(s), s).toBe(nodeUuidV5(s, url));
    expect(sessionIdFor("user-42")).toBe(nodeUuidV5("honeyhive-langchain:session:user-42", url));
  });
});

describe("sessionSampler", () => {
  it("keeps the same sessions the node:crypto version kept", () => {
    const rate = 0.3;
    const keep = sessionSampler(rate);
    let kept = 0;
    for (let i = 0; i < 2000; i++) {
      const id = `session-${i}`;
      const expected = createHash("sha1").update(id).digest().readUInt32BE(0) / 0x1_0000_0000 < rate;
      expect(keep(id), id).toBe(expected);
      if (expected) kept++;
    }
    expect(kept).toBeGreaterThan(400);
    expect(kept).toBeLessThan(800);
  });
});

describe("the platform seam", () => {
  it("offers the same surface in both builds", () => {
    // A compile-time check as much as a run-time one: tsc fails here if the two drift apart.
    const web: typeof nodePlatform = webPlatform;
    expect(Object.keys(web).sort()).toEqual(Object.keys(nodePlatform).sort());
  });

  it("counts UTF-8 bytes as Buffer.byteLength does, without Buffer", () => {
    const strings = [
      ...samples(),
      "\udc00 trailing low",
      "end high \ud83d",
      "é".repeat(1000),
      "日本語テキスト",
    ];
    for (const s of strings) expect(webPlatform.utf8ByteLength(s), s).toBe(Buffer.byteLength(s, "utf8"));
  });
});
