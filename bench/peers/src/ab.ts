/**
 * In-process A/B: CPU per invoke of two builds of honeyhive-langchain (or of the floor handler) in
 * one process, alternating blocks (ABBA), so the JIT and the machine's state are shared. On this
 * noisy machine it resolves changes of a few % that the cross-process bench cannot.
 *   scripts/use-project.sh ../..        # installs the working tree's build as `honeyhive-langchain`
 *   scripts/ab-base.sh [REV]            # then REV's build as `hh-base` (npm install prunes it)
 *   node --import tsx src/ab.ts [workload=chain] [blocks=12] [a=hh-base] [b=honeyhive-langchain]
 * A config named `floor` or `none` uses the bench's handler of that name instead of a package.
 */
process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";
process.env.LANGSMITH_TRACING = "false";
process.env.LANGCHAIN_TRACING_V2 = "false";
import { makeConfig, startSinkProcess } from "./dev-harness.js";
import { WORKLOADS } from "./workloads.js";

const [which = "chain", blocksArg = "12", a = "hh-base", b = "honeyhive-langchain"] = process.argv.slice(2);
const sink = await startSinkProcess();
const url = sink.url;
const spec = WORKLOADS.find((w) => w.id === which);
if (!spec) throw new Error(`unknown workload ${which}`);
const run = await spec.build();

const configs = { [a]: await makeConfig(a, url), [b]: await makeConfig(b, url) };
const n = Math.max(50, Math.round(spec.n / 3));
for (const c of Object.values(configs)) {
  for (let i = 0; i < spec.warmup; i++) await run(c.callbacks);
  await c.flush();
}
const cpu: Record<string, number[]> = { [a]: [], [b]: [] };
const blocks = Number(blocksArg);
for (let round = 0; round < blocks; round++) {
  for (const k of round % 2 ? [b, a] : [a, b]) {
    const c = configs[k]!;
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await run(c.callbacks);
    await c.flush();
    const d = process.cpuUsage(c0);
    cpu[k]!.push((d.user + d.system) / n);
  }
}
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const [ma, mb] = [med(cpu[a]!), med(cpu[b]!)];
console.log(`${which}: CPU µs/invoke incl. flush, median of ${blocks} blocks × ${n}: ${a} ${ma.toFixed(0)}, ${b} ${mb.toFixed(0)}, ratio ${b}/${a} ${(mb / ma).toFixed(3)}`);
sink.kill();
process.exit(0);
