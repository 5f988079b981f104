/**
 * One benchmark measurement in a fresh process: a workload under one configuration. Prints a JSON
 * line with its figures. Run by bench/run.ts with --expose-gc.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { HoneyHiveHandler } from "../src/index.js";
import { buildWorkload, type WorkloadName } from "./workloads.js";

export type ConfigName = "untraced" | "noop" | "handler" | "batch" | "down";

export interface ChildArgs {
  workload: WorkloadName;
  config: ConfigName;
  iterations: number;
  reps: number;
  warmup: number;
  sinkUrl: string;
  deadUrl: string;
  /** Memory mode: heap after `memory[0]` and after `memory[1]` invokes. */
  memory?: [number, number];
}

/** Implements every callback as a no-op: the floor any tracer is compared against. */
class NoopHandler extends BaseCallbackHandler {
  name = "noop";
  override handleChainStart() {}
  override handleChainEnd() {}
  override handleChainError() {}
  override handleChatModelStart() {}
  override handleLLMStart() {}
  override handleLLMNewToken() {}
  override handleLLMEnd() {}
  override handleLLMError() {}
  override handleToolStart() {}
  override handleToolEnd() {}
  override handleToolError() {}
}

async function sinkStats(url: string): Promise<{ requests: number; bytes: number; events: number }> {
  const res = await fetch(`${url}/stats`);
  return (await res.json()) as { requests: number; bytes: number; events: number };
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const args = JSON.parse(process.argv[2] ?? "{}") as ChildArgs;
const run = buildWorkload(args.workload);
let handler: HoneyHiveHandler | undefined;
let callbacks: BaseCallbackHandler[] | undefined;
if (args.config === "noop") callbacks = [new NoopHandler()];
if (args.config === "handler" || args.config === "batch" || args.config === "down") {
  handler = new HoneyHiveHandler({
    apiKey: "bench-key",
    serverUrl: args.config === "down" ? args.deadUrl : args.sinkUrl,
    // "batch" is kept as a config name for old result files; batching is adaptive now.
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    maxQueueBytes: 1024 * 1024 * 1024,
  });
  callbacks = [handler];
}

for (let i = 0; i < args.warmup; i++) await run(callbacks);
if (handler && args.config !== "down") await handler.flush({ timeoutMs: 60_000 });

if (args.memory) {
  const [first, total] = args.memory;
  for (let i = 0; i < first; i++) await run(callbacks);
  await handler?.flush({ timeoutMs: 60_000 });
  const heapFirst = heapAfterGc();
  for (let i = first; i < total; i++) await run(callbacks);
  await handler?.flush({ timeoutMs: 60_000 });
  const heapTotal = heapAfterGc();
  process.stdout.write(`${JSON.stringify({ heapFirst, heapTotal, stats: handler?.stats() })}\n`);
  await handler?.shutdown();
  process.exit(0);
}

const before =
  args.config === "untraced" || args.config === "noop" || args.config === "down"
    ? undefined
    : await sinkStats(args.sinkUrl);
const cpuStart = process.cpuUsage();
const perInvokeUs: number[] = [];
for (let r = 0; r < args.reps; r++) {
  const t0 = performance.now();
  for (let i = 0; i < args.iterations; i++) await run(callbacks);
  perInvokeUs.push(((performance.now() - t0) * 1000) / args.iterations);
}
const cpuLoop = process.cpuUsage(cpuStart);
const atFlush = before ? await sinkStats(args.sinkUrl) : undefined;
const cpuFlushStart = process.cpuUsage();
const flushStart = performance.now();
const flushed = args.config === "down" ? undefined : await handler?.flush({ timeoutMs: 120_000 });
const flushMs = performance.now() - flushStart;
const cpuFlush = process.cpuUsage(cpuFlushStart);
const after = before ? await sinkStats(args.sinkUrl) : undefined;
const invokes = args.reps * args.iterations;
perInvokeUs.sort((a, b) => a - b);
const result = {
  workload: args.workload,
  config: args.config,
  invokes,
  wallUs: perInvokeUs[Math.floor(perInvokeUs.length / 2)],
  cpuUs: (cpuLoop.user + cpuLoop.system + cpuFlush.user + cpuFlush.system) / invokes,
  heapMb: heapAfterGc() / 1024 / 1024,
  requests: after && before ? after.requests - before.requests : 0,
  bytes: after && before ? after.bytes - before.bytes : 0,
  eventsAtSink: after && before ? after.events - before.events : 0,
  eventsBeforeFlush: atFlush && before ? atFlush.events - before.events : 0,
  flushMs,
  failed: flushed?.failed ?? 0,
  dropped: flushed?.dropped ?? 0,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
if (handler) await handler.shutdown({ timeoutMs: args.config === "down" ? 100 : 10_000 });
process.exit(0);
