/**
 * One build, one `npm pack` and one app install shared by the runtime tests: the package is built
 * into a temporary directory (never the worktree's dist/, which test/package.test.ts rebuilds at the
 * same time), packed from there, and installed with @langchain/core and zod into an app holding the
 * fixtures in ./fixtures.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
export const root = join(import.meta.dirname, "..", "..");

export interface PackedApp {
  /** The app: node_modules with the packed package, and the fixtures next to package.json. */
  dir: string;
  /** Where the installed package lives inside the app. */
  packageDir: string;
  cleanup(): void;
}

/** Runs a command without blocking the event loop (the collector runs in this process). */
export async function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      encoding: "utf8",
      timeout: options.timeoutMs ?? 240_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

function version(pkg: string): string {
  return (
    JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as { version: string }
  ).version;
}

/**
 * A runtime's binary from this project's devDependencies. Missing means `npm ci` did not install it:
 * say so rather than skip, so a CI run without it is red.
 */
export function runtimeBinary(name: "bun" | "deno"): string {
  const bin = join(root, "node_modules", ".bin", name);
  if (!existsSync(bin)) {
    throw new Error(
      `the ${name} runtime is not installed (expected ${bin}): it is a devDependency, run \`npm ci\` ` +
        "(with its install script allowed: package.json allowScripts)",
    );
  }
  return bin;
}

/** Imports a devDependency, failing with a message that says how to get it. */
export async function importRuntime<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new Error(
      `the ${name} package is not installed (${error}): it is a devDependency, run \`npm ci\` first`,
    );
  }
}

export async function preparePackedApp(): Promise<PackedApp> {
  const work = mkdtempSync(join(tmpdir(), "hh-runtimes-"));
  const pkg = join(work, "pkg");
  mkdirSync(pkg);
  await run("npx", ["--no-install", "tsup", "--out-dir", join(pkg, "dist")], { cwd: root });
  for (const f of ["package.json", "README.md", "LICENSE"]) cpSync(join(root, f), join(pkg, f));
  const packed = JSON.parse(
    await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: pkg }),
  ) as { filename: string }[];
  const tarball = join(work, packed[0]?.filename ?? "");

  const dir = join(work, "app");
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  await run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      tarball,
      `@langchain/core@${version("@langchain/core")}`,
      `zod@${version("zod")}`,
    ],
    { cwd: dir },
  );
  cpSync(join(import.meta.dirname, "fixtures"), dir, { recursive: true, filter: (f) => !f.endsWith(".pem") });
  return {
    dir,
    packageDir: join(dir, "node_modules", "honeyhive-langchain"),
    cleanup: () => rmSync(work, { recursive: true, force: true }),
  };
}
