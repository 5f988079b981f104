/**
 * The handler's own log output. Everything it says goes through here so that one place decides the
 * prefix, the verbosity, and that the API key never appears in a line.
 */

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const PREFIX = "[honeyhive-langchain]";

/** The default logger: console, with debug lines only when verbose. */
export function consoleLogger(verbose: boolean): Logger {
  return {
    debug: (m) => {
      if (verbose) console.debug(`${PREFIX} ${m}`);
    },
    info: (m) => console.info(`${PREFIX} ${m}`),
    warn: (m) => console.warn(`${PREFIX} ${m}`),
    error: (m) => console.error(`${PREFIX} ${m}`),
  };
}

/** Returns a function that replaces every occurrence of `secret` in a text. */
export function redactor(secret: string | undefined): (text: string) => string {
  if (!secret || secret.length < 4) return (text) => text;
  return (text) => (text.includes(secret) ? text.split(secret).join("[REDACTED]") : text);
}

/**
 * Wraps a logger so that no line can carry the secret, whatever produced the text (a server echoing
 * the Authorization header, an error message from a proxy, a user's mistake), and so that a
 * throwing user logger cannot break the handler.
 */
export function redactingLogger(inner: Logger, secret: string | undefined, verbose: boolean): Logger {
  const scrub = (m: string): string =>
    secret && secret.length >= 4 ? m.split(secret).join("[REDACTED]") : m;
  const safe =
    (fn: (m: string) => void) =>
    (m: string): void => {
      try {
        fn(scrub(m));
      } catch {
        // A logger that throws must not take the handler (or the app) down with it.
      }
    };
  return {
    debug: verbose ? safe((m) => inner.debug(m)) : () => {},
    info: safe((m) => inner.info(m)),
    warn: safe((m) => inner.warn(m)),
    error: safe((m) => inner.error(m)),
  };
}
