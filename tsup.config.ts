import { cp } from "node:fs/promises";
import { defineConfig } from "tsup";

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
]);
