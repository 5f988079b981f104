import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Unhandled rejections / uncaught errors fail the run (vitest's default); keep it explicit.
    dangerouslyIgnoreUnhandledErrors: false,
    // `npm test` passes --coverage; a single file while iterating does not pay for it. What child
    // processes run (test/process, the CLI, test/runtimes) is not counted: v8 coverage sees this
    // process only. No thresholds: the report is for reading (dead code), not a gate.
    coverage: {
      provider: "v8",
      // TypeScript only: the viewer's HTML/CSS/JS run in the browser, where v8 coverage cannot see
      // them, and parsing index.html as a module printed a parse error into every CI log.
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "html", "json"],
      reportsDirectory: "coverage",
      // A red run still says what it covered.
      reportOnFailure: true,
    },
    env: {
      HH_API_KEY: "",
      HONEYHIVE_API_KEY: "",
      HH_API_URL: "",
      LANGCHAIN_TRACING_V2: "false",
      LANGSMITH_TRACING: "false",
    },
  },
});
