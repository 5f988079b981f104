/**
 * Memory: (1) the fixed cost of importing the package and constructing a handler, (2) retained heap
 * after 1,000 and after 10,000 traced chain invokes (flush and GC between): nothing may grow with
 * runs (budget: +1 MB). Uses the built package (`npm run build` first), as apps load it.
 *   node --expose-gc --import tsx bench/memory.ts [--invokes=10000] [--checkpoints=1000,5000] [--untraced]
 * `--untraced` runs the same loop without the handler: LangChain's and V8's own drift (JIT code,
 * feedback vectors), to read the traced figure against.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";
import { buildWorkload } from "./workloads.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const total = Number(process.argv.find((a) => a.startsWith("--invokes="))?.split("=")[1] ?? 10_000);
const dist = new URL("../dist/index.js", import.meta.url);
if (!existsSync(dist)) throw new Error("build first: npm run build");

/** Heap and RSS after full collections (a few: weak references and finalizers settle over rounds). */
async function settled(): Promise<{ heap: number; rss: number; spaces: Record<string, number> }> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  const spaces: Record<string, number> = {};
  for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = s.space_used_size;
  return { heap: m.heapUsed, rss: m.rss, spaces };
}
const mb = (b: number) => `${b >= 0 ? "+" : ""}${(b / 1024 / 1024).toFixed(2)} MB`;

// The sink runs in its own process, so its memory is not counted here.
const sinkSrc = `const http=require("http");const s=http.createServer((q,r)=>{q.resume();q.on("end",()=>{r.writeHead(200,{"content-type":"application/json"});r.end('{"success":true}')})});s.listen(0,"127.0.0.1",()=>console.log(s.address().port));`;
const sink = spawn(process.execPath, ["-e", sinkSrc], { stdio: ["ignore", "pipe", "inherit"] });
const port: number = await new Promise((r) => sink.stdout?.once("data", (d) => r(Number(String(d).trim()))));

const run = buildWorkload("chain");
for (let i = 0; i < 200; i++) await run(undefined); // LangChain's own warm-up, untraced
const base = await settled();

const undici = await import("undici");
const afterUndici = await settled();
const mod = (await import(dist.href)) as typeof import("../src/index.js");
const afterImport = await settled();
const handler = new mod.HoneyHiveHandler({ apiKey: "hh-bench-key", serverUrl: `http://127.0.0.1:${port}` });
const afterConstruct = await settled();
await run([handler]);
await handler.flush();
const afterFirst = await settled();
void undici;

console.log("Fixed cost (heap / RSS, after GC), over LangChain loaded and warm:");
console.log(
  `  import undici alone          ${mb(afterUndici.heap - base.heap)} / ${mb(afterUndici.rss - base.rss)}`,
);
console.log(
  `  import honeyhive-langchain   ${mb(afterImport.heap - afterUndici.heap)} / ${mb(afterImport.rss - afterUndici.rss)} (beyond undici)`,
);
console.log(
  `  construct HoneyHiveHandler   ${mb(afterConstruct.heap - afterImport.heap)} / ${mb(afterConstruct.rss - afterImport.rss)}`,
);
console.log(
  `  first traced invoke + flush  ${mb(afterFirst.heap - afterConstruct.heap)} / ${mb(afterFirst.rss - afterConstruct.rss)}`,
);
console.log(
  `  total                        ${mb(afterFirst.heap - base.heap)} / ${mb(afterFirst.rss - base.rss)}`,
);

const extra = process.argv.find((a) => a.startsWith("--checkpoints="))?.split("=")[1];
const untraced = process.argv.includes("--untraced");
const callbacks = untraced ? undefined : [handler];
if (untraced) console.log("UNTRACED: the loop below runs without the handler");
const checkpoints = [1_000, ...(extra ? extra.split(",").map(Number) : []), total];
const at: Record<number, Awaited<ReturnType<typeof settled>>> = {};
let done = 1;
for (const n of checkpoints) {
  while (done < n) {
    // Flush every 1,000 invokes, as a long-running app's batches would drain.
    const upTo = Math.min(n, done + 1_000);
    for (; done < upTo; done++) await run(callbacks);
    await handler.flush();
  }
  at[n] = await settled();
  console.log(
    `  after ${n.toLocaleString("en-US")} invokes: heap ${mb((at[n]?.heap ?? 0) - base.heap)} over base`,
  );
}
const growth = (at[total]?.heap ?? 0) - (at[1_000]?.heap ?? 0);
// Where the growth is: code and feedback grow while V8 keeps optimizing (not data the handler holds).
const bySpace = Object.entries(at[total]?.spaces ?? {})
  .map(([name, used]) => [name, used - (at[1_000]?.spaces[name] ?? 0)] as const)
  .filter(([, d]) => Math.abs(d) >= 64 * 1024)
  .map(([name, d]) => `${name} ${mb(d)}`);
console.log(
  `Growth by heap space, ${total.toLocaleString("en-US")} vs 1,000: ${bySpace.join(", ") || "none over 64 KB"}`,
);
console.log(
  `Retained heap after 1,000 invokes: ${(((at[1_000]?.heap ?? 0) - base.heap) / 1024 / 1024).toFixed(2)} MB over base`,
);
console.log(
  `Retained heap after ${total.toLocaleString("en-US")} invokes: ${mb(growth)} vs after 1,000 (budget +1 MB): ${growth <= 1024 * 1024 ? "met" : "MISSED"}`,
);
console.log(
  `RSS after ${total.toLocaleString("en-US")}: ${mb((at[total]?.rss ?? 0) - (at[1_000]?.rss ?? 0))} vs after 1,000`,
);
await handler.shutdown();
sink.kill();
process.exit(growth <= 1024 * 1024 ? 0 : 1);
