/**
 * Micro-bench: the cost of converting one huge value (SPEC §5: a 12 MB value costs ≤ 1.5×
 * `JSON.stringify` of it, once per value). `npx tsx bench/serialize.ts [--rounds=N]`.
 *
 * Each shape is timed side by side in one process, alternating, median of the rounds: native
 * `JSON.stringify(value)` (or of the safe form where JSON.stringify cannot take the value),
 * `toJsonText(value)` (what the pipeline calls), and `toJsonSafe(value)` for reference.
 */
import { Document } from "@langchain/core/documents";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { toJsonSafe, toJsonText } from "../src/mapping/to-json.js";

const rounds = Number(process.argv.find((a) => a.startsWith("--rounds="))?.split("=")[1] ?? 15);

/** Deterministic filler text (no Math.random: runs must be comparable). */
function text(seed: number, length: number): string {
  const words = ["alpha", "beta", "gamma", "delta", "retrieval", "context", "Oslo", "weather", "näive", "—"];
  let out = "";
  let i = seed;
  while (out.length < length) {
    out += `${words[i % words.length]} `;
    i = (i * 7 + 3) % 1009;
  }
  return out.slice(0, length);
}

/** A retriever's output: 2,000 LangChain Documents with long page_content and metadata (~12 MB). */
function retrieverOutput(): Document[] {
  return Array.from(
    { length: 2000 },
    (_, i) =>
      new Document({
        pageContent: text(i, 5800),
        metadata: {
          source: `s3://bucket/corpus/doc-${i}.pdf`,
          page: i % 40,
          score: 1 / (i + 1),
          loc: { lines: { from: i * 10, to: i * 10 + 42 } },
          tags: ["kb", i % 2 ? "public" : "internal"],
        },
      }),
  );
}

/** 12 MB of plain data: many small objects and strings, within the default limits. */
function plainRecords(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let t = 0; t < 12; t++) {
    out[`table_${t}`] = Array.from({ length: 4000 }, (_, i) => ({
      id: t * 4000 + i,
      name: `user ${i}`,
      email: `user${i}@example.com`,
      active: i % 3 !== 0,
      score: i / 7,
      address: text(i + t, 120),
      note: text(i * 3 + t, 60),
    }));
  }
  return out;
}

/** A chat transcript state (LangChain messages, a few plain fields): the agent's usual shape. */
function chatState(): Record<string, unknown> {
  const messages = Array.from({ length: 3000 }, (_, i) =>
    i % 2 ? new AIMessage(text(i, 3500)) : new HumanMessage(text(i, 500)),
  );
  return { messages, thread: "t-1", step: 12 };
}

/** Plain data over the limits (1.2 M objects): the walk stops at its node budget. */
function overLimits(): unknown[] {
  return Array.from({ length: 300 }, (_, i) =>
    Array.from({ length: 4000 }, (_, j) => ({ i, j, label: `cell ${i}:${j}` })),
  );
}

/** One wide object (400,000 keys, ~14 MB) inside another: only the first `maxItems` keys are kept. */
function wideObject(): Record<string, unknown> {
  const rows: Record<string, unknown> = {};
  for (let i = 0; i < 400_000; i++) rows[`id-${i}`] = { n: i, s: text(i, 12) };
  return { data: { rows } };
}

function time(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function baseline(value: unknown): () => unknown {
  try {
    JSON.stringify(value);
    return () => JSON.stringify(value);
  } catch {
    const safe = toJsonSafe(value);
    return () => JSON.stringify(safe);
  }
}

const shapes: [string, unknown][] = [
  ["retriever output (2,000 Documents)", retrieverOutput()],
  ["plain records (48,000 small objects)", plainRecords()],
  ["chat state (3,000 messages)", chatState()],
  ["over the limits (1.2 M objects)", overLimits()],
  ["wide object (400,000 keys, nested)", wideObject()],
];

console.log(`| value | MB | JSON.stringify ms | toJsonText ms | ratio | toJsonSafe ms |`);
console.log(`|---|---:|---:|---:|---:|---:|`);
for (const [name, value] of shapes) {
  const native = baseline(value);
  const mb = (JSON.stringify(toJsonSafe(value)).length / 1e6).toFixed(1);
  const tNative: number[] = [];
  const tText: number[] = [];
  const tSafe: number[] = [];
  for (let r = 0; r < rounds + 2; r++) {
    const a = time(native);
    const b = time(() => toJsonText(value));
    const c = time(() => toJsonSafe(value));
    if (r < 2) continue; // warm-up
    tNative.push(a);
    tText.push(b);
    tSafe.push(c);
  }
  const n = median(tNative);
  const t = median(tText);
  console.log(
    `| ${name} | ${mb} | ${n.toFixed(1)} | ${t.toFixed(1)} | ${(t / n).toFixed(2)} | ${median(tSafe).toFixed(1)} |`,
  );
}
