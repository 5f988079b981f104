/**
 * `npm run example -- <name>`: runs examples/<name>.ts in its own Node process, as
 * `npx tsx examples/<name>.ts` would (the npm script builds dist/ first, which the examples import).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dirname, "..");
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();
const name = process.argv[2]?.replace(/^examples\//, "").replace(/\.ts$/, "");
if (!name || !names.includes(name)) {
  console.error(`usage: npm run example -- <name>\nexamples: ${names.join(", ")}`);
  process.exit(2);
}
const child = spawnSync(process.execPath, ["--import", "tsx", join(dir, `${name}.ts`)], { stdio: "inherit" });
process.exitCode = child.status ?? 1;
