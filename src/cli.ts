#!/usr/bin/env node
/**
 * `npx honeyhive-langchain collector [--port N] [--host H]`: runs the local collector and prints
 * each session as an indented tree once it has settled.
 */
import { parseArgs } from "node:util";
import { formatSessionTree } from "./collector/format.js";
import { startCollector } from "./collector/server.js";

const USAGE = `usage: honeyhive-langchain collector [--port 8787] [--host 127.0.0.1]

Runs a local HoneyHive-compatible collector and prints every session it receives.
Point a handler at it with HH_API_URL=http://127.0.0.1:8787 HH_API_KEY=local.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string", short: "p", default: "8787" },
      host: { type: "string", default: "127.0.0.1" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals[0] !== "collector") {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number (0-65535), got "${values.port}"`);
    return 2;
  }
  const collector = await startCollector({
    port,
    host: values.host,
    onSessionSettled: (id) => console.log(`\n${formatSessionTree(collector.sessionTree(id))}`),
  });
  console.log(`HoneyHive collector listening on ${collector.url}`);
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
