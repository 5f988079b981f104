/**
 * The README's options table is what users read (and what every config error points to): it must
 * list every option of the schema, each with exactly its environment variables, and no others.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ENV_FALSE_WORDS, ENV_TRUE_WORDS, ENV_VARS, optionsSchema } from "../../src/config/options.js";

const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");

function optionsTable(): Map<string, { env: string[]; defaults: string }> {
  const section = readme.slice(readme.indexOf("\n## Options"));
  const rows = section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => l.split("|").map((c) => c.trim()));
  const table = new Map<string, { env: string[]; defaults: string }>();
  for (const [, option = "", env = "", defaults = ""] of rows) {
    const names = [...option.matchAll(/`(\w+)`/g)].map((m) => m[1] as string);
    for (const name of names) {
      expect(table.has(name), `${name} is listed twice`).toBe(false);
      table.set(name, { env: [...env.matchAll(/`(\w+)`/g)].map((m) => m[1] as string), defaults });
    }
  }
  return table;
}

describe("the README's options table", () => {
  const table = optionsTable();

  it("lists every option of the schema, and nothing else", () => {
    expect([...table.keys()].sort()).toEqual(Object.keys(optionsSchema.shape).sort());
  });

  it("gives each option exactly its environment variables, in order", () => {
    for (const [name, row] of table) {
      expect(row.env, `env column of ${name}`).toEqual([
        ...((ENV_VARS as Record<string, readonly string[]>)[name] ?? []),
      ]);
    }
  });

  it("shows the schema's default where it is a plain boolean or number", () => {
    const defaults = optionsSchema.parse({}) as Record<string, unknown>;
    for (const [name, row] of table) {
      const value = defaults[name];
      if (typeof value !== "boolean" && typeof value !== "number") continue;
      // Large values are written for people (64 MiB, 1 hour); the others must match exactly.
      if (row.defaults.startsWith("`")) expect(row.defaults, `default of ${name}`).toBe(`\`${value}\``);
    }
  });

  it("documents the words the boolean variables accept", () => {
    for (const word of [...ENV_TRUE_WORDS, ...ENV_FALSE_WORDS]) expect(readme).toContain(`\`${word}\``);
  });
});
