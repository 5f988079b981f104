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
  return new Proxy(env, {
    get(target, key) {
      try {
        return Reflect.get(target, key);
      } catch {
        return undefined;
      }
    },
  });
}
