/**
 * Delivery under load and at exit, each in fresh processes against a loopback collector: a tight
 * loop of 20,000 invokes, a burst of 3,000 concurrent invokes against a slow server with a small
 * byte bound, and how long a script takes to exit after its last invoke (300 ms server; dead and
 * hanging server after a flush that timed out; dead server without a flush). Reports figures, not
 * verdicts: `npm run bench:delivery` (also run at the end of `npm run bench`).
 */
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { RunnableLambda } from "@langchain/core/runnables";
import { startCollector } from "../src/collector/index.js";
import { HoneyHiveHandler } from "../src/index.js";
import { lastJson, runFixture } from "../test/helpers/child.js";
import { closedPort, EVENTS_PER_SMALL_CHAIN, smallChain } from "../test/helpers/workloads.js";

interface Load {
  ms: number;
  before: { sent: number };
  after: { sent: number; dropped: number; droppedSessions: number; failed: number };
}

const rows: string[] = [];
const line = (s: string): void => {
  rows.push(s);
  console.log(s);
};

async function load(
  name: string,
  env: Record<string, string>,
  delayMs: number,
  roots: number,
): Promise<void> {
  const collector = await startCollector();
  if (delayMs) collector.setFaults(() => ({ delayMs }));
  try {
    const result = await runFixture(
      "load.ts",
      { COLLECTOR_URL: collector.url, ...env },
      { killAfterMs: 600_000 },
    );
    const { ms, before, after } = lastJson<Load>(result);
    const completed = collector.sessions.filter((s) => s.outputs !== undefined).length;
    line(
      `| ${name} | ${roots.toLocaleString("en")} | ${Math.round((ms * 1000) / roots)} | ${(collector.requests.length / Math.max(1, collector.sessions.length)).toFixed(2)} | ${((before.sent / Math.max(1, after.sent)) * 100).toFixed(1)} % | ${after.droppedSessions} | ${after.dropped} | ${completed} of ${collector.sessions.length} |`,
    );
  } finally {
    await collector.close();
  }
}

const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** `poison`: events the server refuses on purpose (the only ones that may be lost). */
function faultRow(
  name: string,
  collector: Awaited<ReturnType<typeof startCollector>>,
  roots: number,
  recorded: number,
  poison: number,
): void {
  const stored = collector.events.length;
  const refused = collector.requests.filter((r) => r.status >= 400 && r.status < 500).length;
  const failed5xx = collector.requests.filter((r) => r.status >= 500).length;
  line(
    `| ${name} | ${roots} | ${recorded} | ${stored} | ${recorded - stored - poison} (+${poison} poison) | ${collector.duplicates.size} | ${refused} | ${failed5xx} | ${(collector.requests.length / roots).toFixed(2)} |`,
  );
}

async function exitTime(
  name: string,
  fixture: string,
  env: Record<string, string>,
  mark: string,
): Promise<void> {
  const result = await runFixture(fixture, env, { mark });
  line(`| ${name} | ${result.msAfterMark ?? "—"} ms | ${result.code} |`);
}

line(`Delivery bench · ${new Date().toISOString()} · Node ${process.version}`);
line("");
line(
  "| run | roots | µs per invoke | requests per root | sent before flush() | sessions dropped | events dropped | sessions completed |",
);
line("|---|---:|---:|---:|---:|---:|---:|---:|");
await load("tight loop, default options", { INVOKES: "20000" }, 0, 20_000);
await load(
  "burst, 20 ms server, maxQueueBytes 40 KB",
  { INVOKES: "3000", BURST: "1", MAX_QUEUE_BYTES: "40000" },
  20,
  3_000,
);
line("");
line("| exit after the last invoke | time | exit code |");
line("|---|---:|---:|");
{
  const collector = await startCollector();
  collector.setFaults(() => ({ delayMs: 300 }));
  await exitTime(
    "20 invokes, 300 ms server, no flush()",
    "exit-without-flush.ts",
    { COLLECTOR_URL: collector.url, CHAINS: "20" },
    "done",
  );
  await collector.close();
}
const dead = `http://127.0.0.1:${await closedPort()}`;
await exitTime(
  "dead server, no flush() (flushTimeoutMs 1500)",
  "exit-without-flush.ts",
  { COLLECTOR_URL: dead, CHAINS: "3", FLUSH_TIMEOUT_MS: "1500" },
  "done",
);
await exitTime(
  "dead server, after flush() timed out",
  "exit-after-flush.ts",
  { COLLECTOR_URL: dead, FLUSH_MS: "800" },
  "flushed",
);
{
  const server = createServer(() => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  await exitTime(
    "hanging server, after flush() timed out",
    "exit-after-flush.ts",
    { COLLECTOR_URL: url, FLUSH_MS: "800" },
    "flushed",
  );
  server.close();
}
line("");
line(
  "| faults (in process, default options) | roots | events recorded | events stored | lost | stored twice | refused requests | 5xx served | requests per root |",
);
line("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
{
  // A storm: every request answered 503 for 20 s, then healthy. Roots keep coming meanwhile.
  const collector = await startCollector();
  const stormUntil = Date.now() + 20_000;
  collector.setFaults(() => (Date.now() < stormUntil ? { status: 503 } : undefined));
  const handler = new HoneyHiveHandler({ apiKey: "bench", serverUrl: collector.url, logger: quietLogger });
  const roots = 50;
  for (let i = 0; i < roots; i++) {
    await smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] });
    await new Promise((r) => setTimeout(r, 400));
  }
  await handler.shutdown({ timeoutMs: 120_000 });
  faultRow(
    "storm: every request 503 for 20 s, then healthy",
    collector,
    roots,
    roots * EVENTS_PER_SMALL_CHAIN,
    0,
  );
  await collector.close();
}
{
  // Poison: one event in each batch the server refuses (400 naming no index).
  const collector = await startCollector();
  collector.setFaults(({ body }) => {
    const items = (body as { events?: { event_name?: string; event_type?: string }[] }).events ?? [
      body as { event_name?: string; event_type?: string },
    ];
    return items.some((e) => e.event_name === "poison" && e.event_type !== "session")
      ? { status: 400, body: { message: "metadata is not allowed here" } }
      : undefined;
  });
  const handler = new HoneyHiveHandler({
    apiKey: "bench",
    serverUrl: collector.url,
    logger: quietLogger,
    onError: () => {},
  });
  const poison = RunnableLambda.from((x: string) => x).withConfig({ runName: "poison" });
  const rounds = 20;
  for (let r = 0; r < rounds; r++) {
    await Promise.all([
      ...[0, 1, 2].map((i) => smallChain().invoke({ name: `n${i}` }, { callbacks: [handler] })),
      poison.invoke("x", { callbacks: [handler] }),
    ]);
    await new Promise((res) => setTimeout(res, 100));
  }
  await handler.shutdown({ timeoutMs: 60_000 });
  faultRow(
    "poison: 1 refused event among 4 traces, 20 times",
    collector,
    rounds * 4,
    rounds * (3 * EVENTS_PER_SMALL_CHAIN + 1),
    rounds,
  );
  await collector.close();
}

writeFileSync(join(import.meta.dirname, "results/delivery.md"), `${rows.join("\n")}\n`);
process.exit(0);
