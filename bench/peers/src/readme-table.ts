/**
 * Prints the README's performance table from a results JSON (default results/latest.json):
 * overhead over the untraced run per invoke, wall / CPU incl. flush, one row per config, plus the
 * budgets of the project's performance issue checked against this run.
 *   node --import tsx src/readme-table.ts [results/name.json]
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Aggregate, RunReport } from "./report.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.resolve(root, process.argv[2] ?? "results/latest.json");
const report: RunReport = JSON.parse(fs.readFileSync(file, "utf8"));
const LABEL: Record<string, string> = {
  noop: "no-op handler (LangChain's own callback cost)",
  floor: "floor (JSON.stringify of inputs/outputs, batched; no mapping)",
  honeyhive: "**honeyhive-langchain**",
  langsmith: "LangSmith",
  langfuse: "Langfuse",
  opik: "Opik",
  braintrust: "Braintrust",
  arize: "Arize (OpenInference)",
};
const PEERS = ["langsmith", "langfuse", "opik", "braintrust", "arize"];
const n = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(Math.round(x)).toLocaleString("en-US")}`;
const get = (w: string, h: string): Aggregate | undefined =>
  report.aggregates.find((a) => a.workload === w && a.handler === h);
const workloads = report.workloads.map((w) => w.id);
const TITLE: Record<string, string> = {
  chain: "chain (prompt → model → parser)",
  agent: "agent (LangGraph ReAct, 1 tool call)",
  stream: "stream (50 tokens)",
};
const rows = report.handlers.filter((h) => h !== "none");
const lines = [
  `| config | ${workloads.map((w) => TITLE[w] ?? w).join(" | ")} |`,
  `| --- | ${workloads.map(() => "---:").join(" | ")} |`,
  ...rows.map((h) => {
    const cells = workloads.map((w) => {
      const a = get(w, h);
      return a ? `${n(a.overheadUs)} / ${n(a.cpuOverheadInclFlushUs)}` : "–";
    });
    return `| ${LABEL[h] ?? h} | ${cells.join(" | ")} |`;
  }),
];
const none = workloads.map((w) => `${w} ${Math.round(get(w, "none")?.usPerInvoke ?? NaN).toLocaleString("en-US")} µs`);
const v = report.versions;
console.log(
  `Peer bench run ${report.startedAt.slice(0, 10)}, ${report.settings.rounds} fresh processes per cell, Node ${process.versions.node}, ` +
    `@langchain/core ${v["@langchain/core"]}, @langchain/langgraph ${v["@langchain/langgraph"]}; overhead per invoke over the ` +
    `untraced run, µs, wall / CPU incl. flush:\n`,
);
console.log(lines.join("\n"));
console.log(`\nUntraced baselines: ${none.join(", ")} per invoke.\n`);

// The budgets of the performance issue, so a run says at once which ones it meets.
const hh = (w: string) => get(w, "honeyhive");
const budget: string[] = [];
const floorChain = get("chain", "floor");
const hc = hh("chain");
if (floorChain && hc) {
  const rw = hc.overheadUs / floorChain.overheadUs;
  const rc = hc.cpuOverheadInclFlushUs / floorChain.cpuOverheadInclFlushUs;
  budget.push(`chain vs floor: ${rw.toFixed(2)}× wall, ${rc.toFixed(2)}× CPU (budget ≤ 2×)`);
}
for (const w of workloads) {
  const a = hh(w);
  const peers = PEERS.map((p) => get(w, p)).filter((x): x is Aggregate => !!x);
  if (!a || !peers.length) continue;
  const bw = Math.min(...peers.map((p) => p.overheadUs));
  const bc = Math.min(...peers.map((p) => p.cpuOverheadInclFlushUs));
  budget.push(
    `${w} vs best peer: ${(a.overheadUs / bw).toFixed(2)}× wall (best ${n(bw)}), ${(a.cpuOverheadInclFlushUs / bc).toFixed(2)}× CPU (best ${n(bc)}) (budget ≤ 0.6×)`,
  );
  // Raw per-process medians move with the machine (every config of a round together); the overhead
  // paired with the same round's untraced process is what the tracer itself adds, so its range is
  // the fair measure of a tracer's own stability.
  const range = (xs: number[]) => (xs.length ? Math.max(...xs) - Math.min(...xs) : NaN);
  const raw = (x: Aggregate) => range(x.processMedians) / x.usPerInvoke;
  const paired = (x: Aggregate) => range(x.pairedOverheadsUs);
  const bestRaw = Math.min(...peers.map(raw));
  const bestPaired = Math.min(...peers.map(paired));
  budget.push(
    `${w} spread: per-process medians ${(raw(a) * 100).toFixed(0)}% (best peer ${(bestRaw * 100).toFixed(0)}%); ` +
      `paired overheads ${a.pairedOverheadsUs.map((x) => Math.round(x)).join("/")} µs, range ${Math.round(paired(a))} µs (best peer ${Math.round(bestPaired)} µs)`,
  );
}
if (budget.length) console.log(budget.map((b) => `- ${b}`).join("\n"));
