/**
 * `npm run bench`: every workload under every configuration, each in a fresh child process, side by
 * side in one run, against a loopback sink in its own process. Writes bench/results/latest.md
 * (the table the README quotes) and latest.json, and prints the budget check.
 *
 * The children are bundled with esbuild first and run by plain `node`, so the library is measured
 * as users run it (tsup's bundled output), not as a TypeScript loader transpiles it on the fly.
 */

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import type { ChildArgs, ConfigName } from "./workload-child.js";
import type { WorkloadName } from "./workloads.js";

const run = promisify(execFile);
const here = import.meta.dirname;
const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 1 : 3;
const CONFIGS: ConfigName[] = ["untraced", "noop", "handler", "batch", "down"];
const PLAN: Record<WorkloadName, { iterations: number; reps: number; warmup: number }> = quick
  ? {
      chain: { iterations: 200, reps: 3, warmup: 100 },
      agent: { iterations: 40, reps: 3, warmup: 20 },
      stream: { iterations: 60, reps: 3, warmup: 20 },
    }
  : {
      chain: { iterations: 1000, reps: 5, warmup: 500 },
      agent: { iterations: 150, reps: 5, warmup: 60 },
      stream: { iterations: 200, reps: 5, warmup: 60 },
    };

interface Result {
  workload: WorkloadName;
  config: ConfigName;
  wallUs: number;
  cpuUs: number;
  heapMb: number;
  requests: number;
  bytes: number;
  eventsAtSink: number;
  eventsBeforeFlush: number;
  flushMs: number;
  failed: number;
  dropped: number;
}

const outdir = join(here, ".build");
await build({
  entryPoints: ["sink.ts", "workload-child.ts", "throughput-child.ts"].map((f) => join(here, f)),
  outdir,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  outExtension: { ".js": ".mjs" },
  logLevel: "error",
});

async function child(script: string, args: string[]): Promise<string> {
  const bundled = join(outdir, script.replace(/\.ts$/, ".mjs"));
  const { stdout } = await run(process.execPath, ["--expose-gc", bundled, ...args], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 300_000,
  });
  const line = stdout.trim().split("\n").at(-1);
  if (!line) throw new Error(`${script} printed nothing`);
  return line;
}

async function startSink(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [join(outdir, "sink.mjs")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.once("data", (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url));
    proc.once("error", reject);
  });
  return { url, proc };
}

async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const started = Date.now();
const sink = await startSink();
const dead = await deadUrl();
const raw: Result[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const workload of Object.keys(PLAN) as WorkloadName[]) {
      for (const config of CONFIGS) {
        const args: ChildArgs = { workload, config, ...PLAN[workload], sinkUrl: sink.url, deadUrl: dead };
        const result = JSON.parse(await child("workload-child.ts", [JSON.stringify(args)])) as Result;
        raw.push(result);
        process.stderr.write(
          `round ${round + 1}/${ROUNDS} ${workload}/${config}: ${fmt(result.wallUs)} µs wall, ${fmt(result.cpuUs)} µs CPU\n`,
        );
      }
    }
  }

  const throughput = { transport: [] as number[], raw: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ["raw", "transport"] as const) {
      const r = JSON.parse(
        await child("throughput-child.ts", [mode, sink.url, quick ? "5000" : "20000", "8"]),
      ) as { eventsPerSec: number };
      throughput[mode].push(r.eventsPerSec);
    }
  }

  const memoryPlan: [number, number] = quick ? [1000, 10_000] : [1000, 100_000];
  const memArgs: ChildArgs = {
    workload: "chain",
    config: "handler",
    iterations: 0,
    reps: 0,
    warmup: 200,
    sinkUrl: sink.url,
    deadUrl: dead,
    memory: memoryPlan,
  };
  const memory = JSON.parse(await child("workload-child.ts", [JSON.stringify(memArgs)])) as {
    heapFirst: number;
    heapTotal: number;
  };

  // ---- aggregate ----------------------------------------------------------------------------
  const cell = (w: WorkloadName, c: ConfigName) => {
    const rs = raw.filter((r) => r.workload === w && r.config === c);
    return {
      wallUs: median(rs.map((r) => r.wallUs)),
      cpuUs: median(rs.map((r) => r.cpuUs)),
      heapMb: median(rs.map((r) => r.heapMb)),
      requests: median(rs.map((r) => r.requests)),
      bytes: median(rs.map((r) => r.bytes)),
      share: rs.every((r) => r.eventsAtSink === 0)
        ? undefined
        : median(rs.map((r) => r.eventsBeforeFlush / Math.max(1, r.eventsAtSink))),
      flushMs: median(rs.map((r) => r.flushMs)),
      lost: rs.reduce((n, r) => n + r.failed + r.dropped, 0),
    };
  };
  const lines: string[] = [];
  lines.push(
    `Run ${new Date().toISOString()} · Node ${process.version} · ${ROUNDS} round(s) of fresh processes · medians${quick ? " · QUICK" : ""}`,
  );
  lines.push("");
  lines.push(
    "| workload | config | wall µs/invoke | CPU µs/invoke (incl. flush) | CPU vs untraced | CPU vs no-op | heap MB | requests | KB sent | at sink before flush | flush ms |",
  );
  lines.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  const budget: string[] = [];
  for (const w of Object.keys(PLAN) as WorkloadName[]) {
    const base = cell(w, "untraced");
    const noop = cell(w, "noop");
    for (const c of CONFIGS) {
      const x = cell(w, c);
      lines.push(
        `| ${w} | ${c} | ${fmt(x.wallUs)} | ${fmt(x.cpuUs)} | ${fmt(x.cpuUs / base.cpuUs, 2)}× | ${fmt(x.cpuUs / noop.cpuUs, 2)}× | ${fmt(x.heapMb, 1)} | ${fmt(x.requests)} | ${fmt(x.bytes / 1024)} | ${x.share === undefined ? "—" : `${fmt(x.share * 100, 1)} %`} | ${c === "untraced" || c === "noop" || c === "down" ? "—" : fmt(x.flushMs, 1)} |`,
      );
    }
    const h = cell(w, "handler");
    const limit = w === "chain" ? 1.5 : w === "agent" ? 1.12 : 1.2;
    const ratio = h.cpuUs / base.cpuUs;
    budget.push(
      `${ratio <= limit ? "PASS" : "MISS"} ${w}: CPU ${fmt(ratio, 2)}× untraced (budget ≤ ${limit}×)`,
    );
    budget.push(
      `${(h.share ?? 0) >= 0.95 ? "PASS" : "MISS"} ${w}: ${fmt((h.share ?? 0) * 100, 1)} % of events at the sink before flush() (budget ≥ 95 %)`,
    );
    budget.push(
      `${h.heapMb - base.heapMb <= 5 ? "PASS" : "MISS"} ${w}: heap ${fmt(h.heapMb - base.heapMb, 1)} MB over untraced (budget ≤ 5 MB)`,
    );
    const down = cell(w, "down");
    budget.push(
      `${down.wallUs - base.wallUs < 2000 ? "PASS" : "MISS"} ${w}: server down adds ${fmt(down.wallUs - base.wallUs)} µs per invoke (budget < 2 ms)`,
    );
    if (h.lost) budget.push(`MISS ${w}: ${h.lost} events failed or dropped`);
  }
  const tRaw = median(throughput.raw);
  const tOurs = median(throughput.transport);
  lines.push("");
  lines.push("| delivery throughput (8 connections, ~1.2 KB events) | events/s |");
  lines.push("|---|---:|");
  lines.push(`| raw undici, pre-serialized bodies | ${fmt(tRaw)} |`);
  lines.push(
    `| honeyhive-langchain transport (serialize, limit, validate, send) | ${fmt(tOurs)} (${fmt((tOurs / tRaw) * 100, 0)} %) |`,
  );
  budget.push(
    `${tOurs / tRaw >= 0.7 ? "PASS" : "MISS"} throughput: ${fmt((tOurs / tRaw) * 100, 0)} % of raw undici (budget ≥ 70 %)`,
  );
  const growth = (memory.heapTotal - memory.heapFirst) / 1024 / 1024;
  lines.push("");
  lines.push(
    `Memory (chain, traced, after GC): ${fmt(memory.heapFirst / 1024 / 1024, 1)} MB after ${fmt(memoryPlan[0])} invokes, ${fmt(memory.heapTotal / 1024 / 1024, 1)} MB after ${fmt(memoryPlan[1])} (${growth >= 0 ? "+" : ""}${fmt(growth, 1)} MB).`,
  );
  budget.push(
    `${growth <= 2 ? "PASS" : "MISS"} memory: ${fmt(growth, 1)} MB growth from ${fmt(memoryPlan[0])} to ${fmt(memoryPlan[1])} invokes (budget: noise, ≤ 2 MB)`,
  );
  lines.push("");
  lines.push("Budget:");
  for (const b of budget) lines.push(`- ${b}`);
  lines.push("");
  lines.push(`Took ${fmt((Date.now() - started) / 1000)} s.`);

  const out = lines.join("\n");
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(join(here, "results", quick ? "quick.md" : "latest.md"), `${out}\n`);
  writeFileSync(
    join(here, "results", quick ? "quick.json" : "latest.json"),
    JSON.stringify({ raw, throughput, memory }, null, 2),
  );
  console.log(out);
} finally {
  sink.proc.kill("SIGTERM");
}
