/**
 * The package's entry for Workers, Edge routes, browsers, Deno and Bun (package.json `exports`
 * conditions): the same API as `src/index.ts` (which never loads the Node-only collector), built
 * with the fetch platform (`platform.web.ts`).
 */
export * from "../index.js";
