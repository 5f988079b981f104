/**
 * What the development drivers (ab.ts, prof.ts) share: a loopback sink in its own process (so its
 * CPU is not counted in the measured one) and a config by name — a bench handler (`floor`, `none`,
 * `noop`, …) or an installed build of honeyhive-langchain by package name (`hh-base`).
 */
import { spawn } from "node:child_process";
import { HANDLERS } from "./handlers/index.js";
import type { HandlerSetup } from "./handlers/types.js";

const SINK_SRC = `const http=require("http");const s=http.createServer((q,r)=>{q.resume();q.on("end",()=>{r.writeHead(200,{"content-type":"application/json"});r.end('{"success":true}')})});s.listen(0,"127.0.0.1",()=>console.log(s.address().port));`;

export async function startSinkProcess(): Promise<{ url: string; kill: () => void }> {
  const sink = spawn(process.execPath, ["-e", SINK_SRC], { stdio: ["ignore", "pipe", "inherit"] });
  const port: number = await new Promise((r) => sink.stdout!.once("data", (d) => r(Number(String(d).trim()))));
  return { url: `http://127.0.0.1:${port}`, kill: () => sink.kill() };
}

export async function makeConfig(name: string, url: string): Promise<HandlerSetup> {
  const factory = HANDLERS[name];
  if (factory) return factory(url);
  const mod = await import(name);
  const h = new mod.HoneyHiveHandler({ apiKey: "hh-bench-key", serverUrl: url });
  return { callbacks: [h], flush: () => h.flush() as Promise<void> };
}
