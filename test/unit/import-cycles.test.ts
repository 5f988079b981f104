/**
 * No import cycles in src/: the layers import one way (handler → recorder → mapping → wire → util).
 * A cycle makes module load order decide what is initialised (a `const` read before its module ran
 * is a TDZ error in one entry point and fine in another) and ties modules that should be separate.
 *
 * A small regex-based reader of `import … from`, `export … from`, side-effect `import "…"` and
 * `import("…")` specifiers; type-only imports count too (they are design dependencies even though
 * they are erased at run time). Only relative specifiers are followed.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(?:ts|mts|cts)$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Comments out, so a commented-out import is not read as one (strings are left: specifiers are strings). */
function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

const SPECIFIER = [
  // import x from "…", import { a } from "…", import type { T } from "…", export { a } from "…", export * from "…"
  /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*["']([^"']+)["']/g,
  // import "…" (side effects only)
  /\bimport\s*["']([^"']+)["']/g,
  // import("…")
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** The file a relative specifier names (`./x.js` is `./x.ts` in the sources), or undefined. */
function resolveSpecifier(from: string, specifier: string, files: Set<string>): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base,
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.mjs$/, ".mts"),
    base.replace(/\.cjs$/, ".cts"),
    `${base}.ts`,
    join(base, "index.ts"),
  ];
  return candidates.find((c) => files.has(c));
}

function importGraph(root: string): Map<string, string[]> {
  const files = sourceFiles(root);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const code = withoutComments(readFileSync(file, "utf8"));
    const targets = new Set<string>();
    for (const pattern of SPECIFIER) {
      for (const match of code.matchAll(pattern)) {
        const target = resolveSpecifier(file, match[1] as string, known);
        if (target) targets.add(target);
      }
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** Every cycle's path (one per strongly connected set of files, found by depth-first search). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const s = state.get(next);
      if (s === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

describe("import graph of src/", () => {
  const graph = importGraph(SRC);
  const name = (file: string): string => relative(SRC, file);

  it("reads the imports it should (a sanity check of the parser)", () => {
    expect(graph.size).toBeGreaterThan(20);
    const recorder = (graph.get(join(SRC, "recorder.ts")) ?? []).map(name);
    expect(recorder).toContain("wire/bodies.ts");
    expect(recorder).toContain("mapping/values.ts");
    // Type-only imports are edges too.
    expect(recorder).toContain("delivery/pipeline.ts");
  });

  it("finds a cycle when there is one (the checker itself works)", () => {
    const fake = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(findCycles(fake)).toEqual([["a", "b", "c", "a"]]);
    expect(
      findCycles(
        new Map([
          ["a", ["b"]],
          ["b", []],
        ]),
      ),
    ).toEqual([]);
  });

  it("has no cycles", () => {
    const cycles = findCycles(graph).map((cycle) => cycle.map(name).join(" → "));
    expect(cycles).toEqual([]);
  });

  it("wire/ (the serializer and the contract) imports nothing from mapping/", () => {
    const offending = [...graph]
      .filter(([file]) => name(file).startsWith("wire/"))
      .flatMap(([file, targets]) =>
        targets.filter((t) => name(t).startsWith("mapping/")).map((t) => `${name(file)} → ${name(t)}`),
      );
    expect(offending).toEqual([]);
  });
});
