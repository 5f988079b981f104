#!/usr/bin/env node
/**
 * `npx honeyhive-langchain collector [--port N] [--host H]`: runs the local collector, prints the
 * trace viewer's URL, and prints each session as an indented tree once it has settled.
 */
import { parseArgs } from "node:util";
import { formatSessionTree, startCollector } from "./collector/index.js";

const USAGE = `usage: honeyhive-langchain collector [--port 8787] [--host 127.0.0.1]

Runs a local HoneyHive-compatible collector, serves a trace viewer at its URL, and prints every
session it receives. Point a handler at it with HH_API_URL=http://127.0.0.1:8787 HH_API_KEY=local.`;

/**
 * Only a plain decimal 0–65535: `Number()` would read "" and " " as 0 (a random port) and "0x50"
 * as 80, silently binding somewhere the user did not ask for.
 */
function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string", short: "p", default: "8787" },
      host: { type: "string", default: "127.0.0.1" },
      help: { type: "boolean", short: "h" },
    },
  });
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    // An unknown option or a missing value: a usage mistake, said plainly (not a crash, exit 1).
    console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (values.help || positionals[0] !== "collector") {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const port = parsePort(values.port);
  if (port === undefined) {
    console.error(`--port must be a decimal port number from 0 to 65535, got ${JSON.stringify(values.port)}`);
    return 2;
  }
  let collector: Awaited<ReturnType<typeof startCollector>>;
  try {
    collector = await startCollector({
      port,
      host: values.host,
      onSessionSettled: (id) =>
        console.log(`\n${formatSessionTree(collector.sessionTree(id))}\n  view: ${collector.viewerUrl(id)}`),
    });
  } catch (error) {
    if ((error as { code?: unknown }).code !== "EADDRINUSE") throw error;
    console.error(`port ${port} is already in use: pass --port 0 (any free port) or another --port.`);
    return 1;
  }
  console.log(`HoneyHive collector listening on ${collector.url}`);
  console.log(
    collector.keylessReads
      ? `  trace viewer: ${collector.viewerUrl()}`
      : `  trace viewer: off (listening on ${values.host}, not loopback: reads need the Bearer key; use --host 127.0.0.1)`,
  );
  console.log(`  export HH_API_URL=${collector.url} HH_API_KEY=local`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await collector.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
