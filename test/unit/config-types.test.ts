/**
 * Compiles small app files against the public API with the TypeScript compiler and checks which
 * lines fail and why: a misspelled option or per-call key must be a compile error that names it;
 * and that the emitted declarations keep the options' doc comments.
 * (test/types/api.test-d.ts holds the type assertions; tsc checks it as part of `npm test`.)
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const dir = join(root, ".tmp", `types-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Declaration files the last compile emitted, by path. */
const emitted = new Map<string, string>();

function compile(source: string): Map<number, string[]> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "app.ts");
  writeFileSync(file, source);
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([file], {
    ...options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    outDir: join(dir, "out"),
  });
  const byLine = new Map<number, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file || d.start === undefined)
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(d.file.fileName).toBe(file);
    const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
    byLine.set(line, [...(byLine.get(line) ?? []), ts.flattenDiagnosticMessageText(d.messageText, " ")]);
  }
  program.emit(undefined, (name, text) => emitted.set(name, text));
  return byLine;
}

describe("the public types", () => {
  it("reject misspelled options and per-call keys, naming them, and accept the right ones", {
    timeout: 120_000,
  }, () => {
    const lines = [
      `import { HoneyHiveHandler, honeyhive } from "../../src/index.js";`,
      `new HoneyHiveHandler({ apiKey: "k", sessionId: "s", ignoreChain: true });`,
      `honeyhive({ sessionId: "s", userId: "u", sessionName: "n", parentEventId: "p" });`,
      `new HoneyHiveHandler({ sesionId: "s" });`,
      `honeyhive({ sesionId: "s" });`,
      `honeyhive({ userId: "u", userProperites: {} });`,
      `const fromVariable = { sessionId: "s", usrId: "u" };`,
      `honeyhive(fromVariable);`,
    ];
    const errors = compile(lines.join("\n"));
    expect([...errors.keys()].sort()).toEqual([4, 5, 6, 8]);
    expect(errors.get(4)?.join()).toMatch(/'sesionId' does not exist in type/);
    expect(errors.get(5)?.join()).toMatch(/sesionId/);
    expect(errors.get(6)?.join()).toMatch(/userProperites/);
    expect(errors.get(8)?.join()).toMatch(/usrId/);

    // The published types keep each option's doc comment (what an editor shows on hover).
    const options = [...emitted].find(([name]) => name.endsWith("config/options.d.ts"))?.[1] ?? "";
    expect(options).toContain("optionsSchema: z.ZodObject<typeof optionShape");
    expect(options).toMatch(/\/\*\* Share of sessions recorded[^*]*\*\/\s*sampleRate: z\.ZodDefault/);
  });
});
