/**
 * Micro-bench: a chat message carrying a 10 MB image as a data URL (SPEC §4 "Media": converting it
 * costs about one pass over its base64).
 * `node --expose-gc --import tsx bench/media.ts [--rounds=N]` (without `--expose-gc` the rounds
 * are noisier: a major GC lands in whichever timing allocates next).
 *
 * Per round, side by side, median of the rounds:
 * - `JSON.stringify` of the same message as a plain `{role, content}` object (the baseline: what
 *   writing the base64 out at all would cost);
 * - `toJsonText(message)` for an image never seen before (decode + SHA-256, native on Node);
 * - the same image again, as the very same string (a chat's next turn: a cache hit);
 * - the same image again, as another string with equal content (history rebuilt from storage).
 *
 * Every string is flattened before it is timed (V8 keeps `"data:…" + base64` as a rope until
 * something reads it; the first reader pays one copy, whoever it is) except in `rope`: an unread
 * rope with equal content, where that copy is ours (`ropeStringify`: JSON.stringify of such a rope).
 */
import { randomBytes } from "node:crypto";
import { HumanMessage } from "@langchain/core/messages";
import { toJsonText } from "../src/mapping/to-json.js";

const rounds = Number(process.argv.find((a) => a.startsWith("--rounds="))?.split("=")[1] ?? 9);
const SIZE = 10 * 1024 * 1024;

function message(url: string): HumanMessage {
  return new HumanMessage({
    content: [
      { type: "text", text: "What is in this picture?" },
      { type: "image_url", image_url: { url } },
    ],
  });
}

/** With `--expose-gc`, a collection before each timing keeps the previous round's garbage out of it. */
const gc = (globalThis as { gc?: () => void }).gc;

function time(fn: () => unknown): number {
  gc?.();
  const start = performance.now();
  fn();
  return performance.now() - start;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const base = randomBytes(SIZE);
const results = {
  stringify: [] as number[],
  fresh: [] as number[],
  same: [] as number[],
  equal: [] as number[],
  rope: [] as number[],
  ropeStringify: [] as number[],
};
/** Makes V8 write a rope out as one flat string (any read would), outside the timed part. */
const flat = (s: string): string => {
  s.indexOf(",");
  return s;
};
let text = "";
for (let round = 0; round < rounds; round++) {
  // A different image each round, so "fresh" really hashes.
  base.writeUInt32BE(round, 64);
  const url = flat(`data:image/png;base64,${base.toString("base64")}`);
  const plain = { role: "user", content: message(url).content };
  results.stringify.push(time(() => JSON.stringify(plain)));
  results.fresh.push(time(() => (text = toJsonText(message(url)))));
  results.same.push(time(() => toJsonText(message(url))));
  const copy = flat(`data:image/png;base64,${base.toString("base64")}`);
  results.equal.push(time(() => toJsonText(message(copy))));
  const rope = `data:image/png;base64,${base.toString("base64")}`;
  results.rope.push(time(() => toJsonText(message(rope))));
  const rope2 = `data:image/png;base64,${base.toString("base64")}`;
  results.ropeStringify.push(time(() => JSON.stringify({ role: "user", content: message(rope2).content })));
}
const baseline = median(results.stringify);
const minBaseline = Math.min(...results.stringify);
console.log(`(ratios: to JSON.stringify of the same message, flat)`);
console.log(
  `message with a ${SIZE / 1024 / 1024} MB image (${Math.round((SIZE * 4) / 3 / 1e6)} MB of base64), median of ${rounds}:`,
);
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs);
  const min = Math.min(...xs);
  console.log(
    `  ${name.padEnd(14)} median ${m.toFixed(2).padStart(7)} ms ${(m / baseline).toFixed(2)}x` +
      `  min ${min.toFixed(2).padStart(7)} ms ${(min / minBaseline).toFixed(2)}x   [${xs.map((x) => x.toFixed(0)).join(" ")}]`,
  );
}
console.log(`  recorded: ${text.length} characters`);
