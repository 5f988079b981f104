#!/usr/bin/env node
/**
 * `npx honeyhive-langchain collector [--port N] [--host H] [--key K] [--max-mb N]`: runs the local
 * collector, prints the trace viewer's URL and the key writes need, and prints each session as an
 * indented tree once it has settled.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { formatSessionTree, startCollector } from "./collector/index.js";

const USAGE = `usage: honeyhive-langchain collector [--port 8787] [--host 127.0.0.1] [--key KEY] [--max-mb 256]

Runs a local HoneyHive-compatible collector, serves a trace viewer at its URL, and prints every
session it receives. Point a handler at it with the HH_API_URL and HH_API_KEY it prints.

  --key KEY     the key writes must send (Authorization: Bearer KEY); default: a new random one
  --max-mb N    request bodies kept, in MB (default 256): past it the oldest sessions are evicted`;

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
      key: { type: "string" },
      "max-mb": { type: "string", default: "256" },
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
  const maxMb = /^\d{1,7}$/.test(values["max-mb"]) ? Number(values["max-mb"]) : 0;
  if (maxMb < 1) {
    console.error(
      `--max-mb must be a whole number of megabytes, at least 1, got ${JSON.stringify(values["max-mb"])}`,
    );
    return 2;
  }
  const key = values.key ?? randomBytes(18).toString("base64url");
  if (!/^\S+$/.test(key)) {
    console.error("--key must be non-empty and without whitespace (it is sent as Authorization: Bearer KEY)");
    return 2;
  }
  let collector: Awaited<ReturnType<typeof startCollector>>;
  try {
    collector = await startCollector({
      port,
      host: values.host,
      key,
      maxBytes: maxMb * 1024 * 1024,
      onSessionSettled: (id) => {
        // A session that cannot be printed is said so; the collector keeps running.
        try {
          console.log(
            `\n${formatSessionTree(collector.sessionTree(id))}\n  view: ${collector.viewerUrl(id)}`,
          );
        } catch (error) {
          console.error(
            `session ${id}: could not print it: ${error instanceof Error ? error.message : error}`,
          );
        }
      },
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
  console.log(`  export HH_API_URL=${collector.url} HH_API_KEY=${key}`);
  console.log(
    `  writes need that key; reads without it only from this machine's loopback; keeps up to ${maxMb} MB (--max-mb)`,
  );
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
