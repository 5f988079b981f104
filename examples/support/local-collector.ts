/**
 * Lets the examples run offline. Not part of an app: when you copy an example, leave out the lines
 * that use this file.
 *
 * With HH_API_KEY set it does nothing, and the example's `new HoneyHiveHandler()` sends to HoneyHive.
 * Without it, it starts the local collector (the same server as `npx honeyhive-langchain collector`)
 * and points HH_API_URL and HH_API_KEY at it, so the example's handler, constructed exactly as in an
 * app, traces into it. `show()` prints what the collector received, as session trees.
 */
import { type Collector, formatSessionTree, startCollector } from "honeyhive-langchain/collector";

export interface LocalCollector {
  /** Prints every session received (after the handler's `flush()`), then stops the collector. */
  show(): Promise<void>;
}

export async function localCollectorUnlessKey(): Promise<LocalCollector> {
  if (process.env.HH_API_KEY || process.env.HONEYHIVE_API_KEY) {
    console.log(`Tracing into ${process.env.HH_API_URL || "HoneyHive"}.`);
    return { show: async () => {} };
  }
  const collector: Collector = await startCollector();
  process.env.HH_API_URL = collector.url;
  process.env.HH_API_KEY = "local";
  console.log(`No HH_API_KEY set: tracing into a local collector at ${collector.url}.`);
  return {
    async show() {
      for (const { session_id } of collector.sessions) {
        console.log(`\n${formatSessionTree(collector.sessionTree(session_id))}`);
      }
      await collector.close();
      console.log(
        "\nTo browse traces in the trace viewer, start a collector that stays up — `npx honeyhive-langchain" +
          " collector --key local` (in a clone: `npm run collector -- --key local`) — and run this" +
          " again with HH_API_URL=http://127.0.0.1:8787 HH_API_KEY=local.",
      );
    },
  };
}
