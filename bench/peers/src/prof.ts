/**
 * A CPU profile of one config on one workload, warm JIT only: W warm-up invokes unprofiled, then N
 * profiled invokes and a flush; writes results/prof/<workload>-<config>.cpuprofile (Chrome DevTools).
 *   node --import tsx src/prof.ts [workload=chain] [config=honeyhive-langchain] [N=6000] [W=3000]
 * PROF=heap samples allocations instead (results/prof/<workload>-<config>.heapprofile): who
 * allocates what the GC line of the CPU profile pays for.
 * A config named like a bench handler (`floor`, `none`, `noop`) uses that handler; else a package name.
 */
process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";
process.env.LANGSMITH_TRACING = "false";
process.env.LANGCHAIN_TRACING_V2 = "false";
import fs from "node:fs";
import { Session } from "node:inspector/promises";
import { makeConfig, startSinkProcess } from "./dev-harness.js";
import { WORKLOADS } from "./workloads.js";

const [which = "chain", config = "honeyhive-langchain", nArg = "6000", wArg = "3000"] = process.argv.slice(2);
const sink = await startSinkProcess();
const url = sink.url;
const spec = WORKLOADS.find((w) => w.id === which);
if (!spec) throw new Error(`unknown workload ${which}`);
const run = await spec.build();
const c = await makeConfig(config, url);
for (let i = 0; i < Number(wArg); i++) await run(c.callbacks);
await c.flush();
const session = new Session();
session.connect();
const heap = process.env.PROF === "heap";
if (heap) {
  await session.post("HeapProfiler.enable");
  // Objects collected by the time the profile is taken are kept: allocation, not retention.
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
} else {
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
}
const cpu0 = process.cpuUsage();
const N = Number(nArg);
for (let i = 0; i < N; i++) await run(c.callbacks);
await c.flush();
const cpu = process.cpuUsage(cpu0);
const { profile } = heap
  ? await session.post("HeapProfiler.stopSampling")
  : await session.post("Profiler.stop");
fs.mkdirSync("results/prof", { recursive: true });
const out = `results/prof/${which}-${config.replace(/[^\w-]/g, "_")}.${heap ? "heapprofile" : "cpuprofile"}`;
fs.writeFileSync(out, JSON.stringify(profile));
console.log(`${out}: CPU ${((cpu.user + cpu.system) / N).toFixed(0)} µs/invoke (profiled)`);
sink.kill();
process.exit(0);
