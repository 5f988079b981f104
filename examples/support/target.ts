/**
 * Where the examples send their traces: to HoneyHive when HH_API_KEY is set, otherwise to the
 * embedded local collector, whose session trees are printed at the end.
 */
import { type Collector, formatSessionTree, startCollector } from "../../src/collector/index.js";
import { HoneyHiveHandler } from "../../src/index.js";

export interface Target {
  handler: HoneyHiveHandler;
  /** Flushes, prints what was recorded, and closes everything. */
  finish(): Promise<void>;
}

export async function traceTarget(sessionName: string): Promise<Target> {
  let collector: Collector | undefined;
  let handler: HoneyHiveHandler;
  if (process.env.HH_API_KEY || process.env.HONEYHIVE_API_KEY) {
    handler = new HoneyHiveHandler({ sessionName });
    console.log(`Tracing into HoneyHive (${process.env.HH_API_URL ?? "default API URL"}).`);
  } else {
    collector = await startCollector();
    handler = new HoneyHiveHandler({ apiKey: "local-demo-key", serverUrl: collector.url, sessionName });
    console.log(`No HH_API_KEY set: tracing into the embedded collector at ${collector.url}.`);
  }
  return {
    handler,
    async finish() {
      const result = await handler.shutdown();
      console.log(
        `\nDelivered ${result.sent} request(s), ${result.failed} failed, ${result.dropped} dropped.`,
      );
      if (collector) {
        for (const session of collector.sessions) {
          console.log(`\n${formatSessionTree(collector.sessionTree(session.session_id))}`);
        }
        await collector.close();
      }
    },
  };
}
