import { cp } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Plugin } from "esbuild";
import { defineConfig } from "tsup";

/** Matched by its end: a build from a copy whose src/ is a symlink sees the real path. */
const nodePlatform = join("src", "runtime", "platform.js");

/**
 * The build for runtimes without Node's sockets (see src/runtime/platform.ts for why conditions and
 * not feature detection): every import of the platform seam gets `platform.web.ts`, and anything
 * that would pull Node in is a build error rather than a Worker that fails at deploy time.
 */
const webPlatform: Plugin = {
  name: "honeyhive-web-platform",
  setup(build) {
    build.onResolve({ filter: /platform\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path).endsWith(nodePlatform)
        ? { path: resolve("src/runtime/platform.web.ts") }
        : undefined,
    );
    build.onResolve({ filter: /^(node:|undici$|undici\/)/ }, (args) => ({
      errors: [{ text: `the web build must not import ${args.path} (imported by ${args.importer})` }],
    }));
  },
};

export default defineConfig([
  {
    // The collector is its own entry (`honeyhive-langchain/collector`) so the handler entry never
    // loads it; code both use is split into a shared chunk in `dist/`.
    entry: { index: "src/index.ts", collector: "src/collector/index.ts" },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    external: ["@langchain/core"],
    // The collector finds the viewer's files with `import.meta.url`; the CJS build needs the shim.
    shims: true,
    // The trace viewer is static HTML/CSS/JS, shipped as written (no bundling): copied beside the
    // entries, where `src/collector/viewer-assets.ts` looks for it (`dist/viewer/`).
    onSuccess: async () => {
      await cp("src/collector/viewer", "dist/viewer", { recursive: true });
    },
  },
  {
    entry: { cli: "src/cli.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    external: ["@langchain/core"],
  },
  {
    // Workers (workerd), Vercel Edge (edge-light), browsers, Deno, Bun: see package.json `exports`.
    entry: { web: "src/runtime/web-entry.ts" },
    format: ["esm"],
    dts: true,
    sourcemap: true,
    platform: "neutral",
    target: "es2022",
    external: ["@langchain/core", "zod"],
    // So that the guard in webPlatform sees these instead of tsup marking them external.
    noExternal: [/^undici/],
    removeNodeProtocol: false,
    esbuildPlugins: [webPlatform],
  },
]);
