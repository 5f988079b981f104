/**
 * The environment variables the handler reads its defaults from. Node, Bun and Deno have
 * `process.env`; a Worker or an Edge route has no `process` at all (a Worker gets its vars as the
 * `env` argument of `fetch`, so it passes them as options). Deno without `--allow-env` throws on
 * each read: a variable that cannot be read counts as unset rather than crashing the constructor.
 */
export type Env = Record<string, string | undefined>;

export function runtimeEnv(): Env {
  const env = (globalThis as { process?: { env?: Env } }).process?.env;
  if (!env) return {};
  // Only Deno's can throw; elsewhere the object itself, at no extra cost per read.
  if (!("Deno" in globalThis)) return env;
  // An empty target: a proxy over process.env itself would have its invariant checks read the
  // real object, and throw, after the trap returned.
  return new Proxy({} as Env, {
    get(_target, key) {
      try {
        return typeof key === "string" ? env[key] : undefined;
      } catch {
        return undefined;
      }
    },
  });
}
