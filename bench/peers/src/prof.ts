/**
 * One config on one workload in a loop, for `node --cpu-prof`: warm-up, then N invokes and a flush.
 *   node --cpu-prof --cpu-prof-dir=results/prof --import tsx src/prof.ts [workload=chain] [config=honeyhive-langchain] [N=6000]
 * A config named like a bench handler (`floor`, `none`, `noop`) uses that handler; else a package name.
 */
process.env.LANGCHAIN_CALLBACKS_BACKGROUND = "false";
process.env.LANGSMITH_TRACING = "false";
process.env.LANGCHAIN_TRACING_V2 = "false";
import { spawn } from "node:child_process";
import { HANDLERS } from "./handlers/index.js";
import { WORKLOADS } from "./workloads.js";

const [which = "chain", config = "honeyhive-langchain", nArg = "6000"] = process.argv.slice(2);
const sinkSrc = `const http=require("http");const s=http.createServer((q,r)=>{q.resume();q.on("end",()=>{r.writeHead(200,{"content-type":"application/json"});r.end('{"success":true}')})});s.listen(0,"127.0.0.1",()=>console.log(s.address().port));`;
const sink = spawn(process.execPath, ["-e", sinkSrc], { stdio: ["ignore", "pipe", "inherit"] });
const port: number = await new Promise((r) => sink.stdout!.once("data", (d) => r(Number(String(d).trim()))));
const url = `http://127.0.0.1:${port}`;
const spec = WORKLOADS.find((w) => w.id === which);
if (!spec) throw new Error(`unknown workload ${which}`);
const run = await spec.build();
const factory = HANDLERS[config];
const c = factory
  ? await factory(url)
  : await (async () => {
      const mod = await import(config);
      const h = new mod.HoneyHiveHandler({ apiKey: "hh-bench-key", serverUrl: url });
      return { callbacks: [h], flush: () => h.flush() as Promise<void> };
    })();
const N = Number(nArg);
for (let i = 0; i < N; i++) await run(c.callbacks);
await c.flush();
sink.kill();
process.exit(0);
