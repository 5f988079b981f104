/**
 * The handler's own log output. Everything it says goes through here so that one place decides the
 * prefix, the verbosity, that the API key never appears in a line, and that a broken logger (or
 * `onError`) cannot break the handler or the app.
 */

/** Receives the handler's log lines. Methods may be async; a rejection is ignored. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const PREFIX = "[honeyhive-langchain]";
const REDACTED = "[REDACTED]";

const consoleLoggers = new Map<boolean, Logger>();

/**
 * The default logger: console, with debug lines only when verbose. One instance per verbosity, so
 * "say this once per logger" (see `logOnce`) means once per process for apps that do not pass one.
 */
export function consoleLogger(verbose: boolean): Logger {
  let logger = consoleLoggers.get(verbose);
  if (!logger) {
    logger = {
      debug: (m) => {
        if (verbose) console.debug(`${PREFIX} ${m}`);
      },
      info: (m) => console.info(`${PREFIX} ${m}`),
      warn: (m) => console.warn(`${PREFIX} ${m}`),
      error: (m) => console.error(`${PREFIX} ${m}`),
    };
    consoleLoggers.set(verbose, logger);
  }
  return logger;
}

/**
 * `scheme://user:password@` in a URL: the userinfo part runs from `//` to an `@` with no `/`, `?`,
 * `#` or whitespace between (an `@` in a path or query is not userinfo).
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/**
 * Replaces the user name and password of every URL in `text` with `***` (so a reader still sees
 * that the URL had some). The options refuse a server URL that
 * carries them, so this is defense in depth: no line the handler prints can spell out a URL's
 * credentials, whatever produced it.
 */
export function stripUrlCredentials(text: string): string {
  return text.includes("@") ? text.replace(URL_USERINFO, "$1***@") : text;
}

/**
 * Replaces every occurrence of `secret` in `text`. Values under 8 characters are not real keys (the
 * collector's `local`, a test's `x`), and scrubbing them would garble ordinary words: `localhost`.
 */
export function scrub(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 8 || !text.includes(secret)) return text;
  return text.split(secret).join(REDACTED);
}

/**
 * Text from outside (a server's error body, a proxy's HTML page, a network error message) made safe
 * for a log line or an error message: the secret is scrubbed first, then the text is cut to `max`
 * characters. The order matters: a cut inside the secret would leave a prefix of it that no longer
 * matches, and the scrub would let it through.
 */
export function scrubThenCut(text: string, secret: string | undefined, max: number): string {
  const clean = scrub(text, secret);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Returns a function that replaces every occurrence of `secret` in a text, and strips URLs' credentials. */
export function redactor(secret: string | undefined): (text: string) => string {
  return (text) => stripUrlCredentials(scrub(text, secret));
}

/**
 * Calls an app-supplied callback (a logger method, `onError`) so that nothing it does reaches the
 * handler or the app: a throw is caught, and a returned promise that rejects is handled (an
 * unhandled rejection would exit the app under Node's default `--unhandled-rejections=throw`).
 */
export function callContained<A extends unknown[]>(
  fn: ((...args: A) => unknown) | undefined,
  ...args: A
): void {
  if (!fn) return;
  try {
    const result = fn(...args);
    if (
      typeof result === "object" &&
      result !== null &&
      typeof (result as PromiseLike<unknown>).then === "function"
    ) {
      Promise.resolve(result).catch(() => {});
    }
  } catch {
    // Nothing sensible to do with an error from the app's logger or error handler.
  }
}

/**
 * Wraps a logger so that no line can carry the secret (nor a URL's user name and password), whatever produced the text (a server echoing
 * the Authorization header, an error message from a proxy, a user's mistake), and so that a
 * throwing or rejecting user logger cannot break the handler.
 */
export function redactingLogger(inner: Logger, secret: string | undefined, verbose: boolean): Logger {
  const safe =
    (method: keyof Logger) =>
    (m: string): void =>
      callContained((line: string) => inner[method](line), stripUrlCredentials(scrub(m, secret)));
  return {
    debug: verbose ? safe("debug") : () => {},
    info: safe("info"),
    warn: safe("warn"),
    error: safe("error"),
  };
}

const said = new WeakMap<object, Set<string>>();

/**
 * Runs `log` the first time `key` is seen for `target` (the app's logger, or the default console
 * logger). A handler created per request then warns once per logger, not once per request; and a
 * test that passes its own logger sees the warning whatever other tests did before it.
 */
export function logOnce(target: object, key: string, log: () => void): void {
  let keys = said.get(target);
  if (!keys) {
    keys = new Set();
    said.set(target, keys);
  }
  if (keys.has(key)) return;
  keys.add(key);
  log();
}
