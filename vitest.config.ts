import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/helpers/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Unhandled rejections / uncaught errors fail the run (vitest's default); keep it explicit.
    dangerouslyIgnoreUnhandledErrors: false,
    env: {
      HH_API_KEY: "",
      HONEYHIVE_API_KEY: "",
      HH_API_URL: "",
      LANGCHAIN_TRACING_V2: "false",
      LANGSMITH_TRACING: "false",
    },
  },
});
