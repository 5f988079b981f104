/**
 * The HoneyHive exporter: sends one prepared request and retries it until it is delivered, finally
 * rejected, or out of budget. The pipeline chooses the endpoint and builds the body; this knows
 * what each status HoneyHive answers means (and reads a path only to group repeated problems in the
 * log). It knows nothing about LangChain or about queueing.
 */
import { HoneyHiveDeliveryError } from "../errors.js";
import { allowManyAbortListeners } from "../runtime/platform.js";
import { unrefTimer } from "../runtime/timers.js";
import { LogThrottle } from "../util/log-throttle.js";
import { type Logger, scrubThenCut } from "../util/logger.js";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "./retry-policy.js";
import type { Transport } from "./transport.js";

export interface ExportRequest {
  method: "POST" | "PUT";
  path: string;
  json: string;
  /** For log lines: what this request carries, e.g. `event 0192…` or `3 events`. */
  describe: string;
  /**
   * The caller can send this content another way: a refusal of the content (400, 413, 422) is
   * returned as `refused`, unreported, instead of being reported as final.
   */
  hasFallback?: boolean;
}

/** `refused`: only for a request with `hasFallback`, which the server rejected for its content. */
export type ExportOutcome = "sent" | "failed" | "aborted" | "refused";

export interface ExporterOptions {
  maxRetries: number;
  retryBudgetMs: number;
  logger: Logger;
  onError: (error: Error) => void;
  onRetry: () => void;
  /** Scrubs secrets from text that came from outside (server messages, network errors). */
  redact: (text: string) => string;
  /** The key to scrub from server text before it is cut (see scrubThenCut). */
  apiKey?: string;
}

export { HoneyHiveDeliveryError };

/** The server's own words, scrubbed of the key BEFORE being cut (a cut inside the key would defeat the scrub). */
function serverMessage(body: string, apiKey: string | undefined): string {
  let text = body;
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
    const m = parsed.message ?? parsed.error;
    if (typeof m === "string") text = m;
  } catch {
    // Not JSON: use the text itself.
  }
  return scrubThenCut(text, apiKey, 300) || "(empty response)";
}

/** `PUT /v1/events/:id`: what counts as "the same endpoint" when deciding a problem is repeated. */
function endpointOf(request: ExportRequest): string {
  return `${request.method} ${request.path.replace(/^\/v1\/events\/(?!batch$)[^/]+$/, "/v1/events/:id")}`;
}

export class Exporter {
  readonly #client: Transport;
  /** Final problems by kind (status + endpoint, auth, network): each logged once, then once a minute. */
  readonly #finalLines = new LogThrottle({ maxKeys: 100 });
  /** Items given up after retries, all one problem: one warning a minute. */
  readonly #giveUpLines = new LogThrottle({ maxKeys: 1 });
  readonly #options: ExporterOptions;
  readonly #abort = new AbortController();
  /** Until when the server is considered unavailable; 0 while it answers. */
  #outageUntil = 0;
  /** The one request probing an unavailable server; the others wait for its answer. */
  #probe: Promise<void> | undefined;

  constructor(client: Transport, options: ExporterOptions) {
    this.#client = client;
    this.#options = options;
    // Every request waiting out a retry listens for abort; with high concurrency that is more than
    // EventTarget's default of 10, which would print a leak warning into the app's console.
    allowManyAbortListeners(this.#abort.signal);
  }

  /** Stops retry waits at once; requests still waiting resolve as `aborted`. */
  abort(): void {
    this.#abort.abort();
  }

  async export(request: ExportRequest): Promise<ExportOutcome> {
    const { maxRetries, retryBudgetMs, logger } = this.#options;
    const started = Date.now();
    const deadline = started + retryBudgetMs;
    for (let attempt = 1; ; attempt++) {
      if (this.#abort.signal.aborted) return "aborted";
      // Fast path: no outage, nothing to wait for (this runs once per request).
      const gate = this.#probe || Date.now() < this.#outageUntil ? await this.#awaitServer(deadline) : "go";
      if (gate === "aborted") return "aborted";
      if (gate === "timeout") {
        this.#giveUp(request, attempt - 1, started, "the server stayed unavailable", undefined);
        return "failed";
      }
      // While the server is known to be unavailable, exactly one request at a time probes it.
      let releaseProbe: (() => void) | undefined;
      if (this.#outageUntil !== 0) {
        this.#probe = new Promise<void>((resolve) => {
          releaseProbe = resolve;
        });
      }
      const result = await this.#client.send(request.method, request.path, request.json);
      let wait: number | undefined;
      let why: string | undefined;
      let outcome: ExportOutcome | undefined;
      if (result.kind === "response") {
        const { status } = result;
        if (status >= 200 && status < 300) outcome = "sent";
        else {
          // Servers and proxies may echo the Authorization header; scrub before anything sees it.
          const message = this.#options.redact(serverMessage(result.body, this.#options.apiKey));
          if (!isRetryableStatus(status)) {
            if (request.hasFallback && (status === 400 || status === 413 || status === 422)) {
              outcome = "refused";
            } else {
              this.#reportFinal(request, status, message);
              outcome = "failed";
            }
          } else {
            why = `${status} ${message}`;
            wait = parseRetryAfter(result.retryAfter);
          }
        }
      } else {
        why = this.#options.redact(describeNetworkError(result.error));
        if (!result.retryable) {
          this.#reportFinal(request, undefined, why);
          outcome = "failed";
        }
      }
      const delay = Math.max(wait ?? 0, backoffDelay(attempt));
      // Any answer that is not "unavailable" means the server is there; otherwise hold everyone off.
      if (outcome) this.#outageUntil = 0;
      else this.#outageUntil = Math.max(this.#outageUntil, Date.now() + delay);
      if (releaseProbe) {
        this.#probe = undefined;
        releaseProbe();
      }
      if (outcome) return outcome;

      if (this.#abort.signal.aborted) return "aborted";
      const elapsed = Date.now() - started;
      if (attempt > maxRetries || elapsed + delay > retryBudgetMs) {
        this.#giveUp(
          request,
          attempt,
          started,
          why ?? "",
          result.kind === "response" ? result.status : undefined,
        );
        return "failed";
      }
      logger.debug(
        `retrying ${request.describe} in ${Math.round(delay)} ms (attempt ${attempt} failed: ${why})`,
      );
      this.#options.onRetry();
    }
  }

  /**
   * Waits while the server is known to be unavailable: until the outage's retry time, or for the
   * answer of the request probing it. Without this, every queued item would hammer a dead server
   * on its own schedule, costing the app CPU for nothing.
   */
  async #awaitServer(deadline: number): Promise<"go" | "timeout" | "aborted"> {
    for (;;) {
      if (this.#abort.signal.aborted) return "aborted";
      if (this.#probe) {
        await this.#probe;
        continue;
      }
      const now = Date.now();
      if (now >= this.#outageUntil) return "go";
      if (now >= deadline) return "timeout";
      if (!(await this.#sleep(Math.min(this.#outageUntil, deadline) - now))) return "aborted";
    }
  }

  /**
   * Reports an item given up after retries. Every one goes to onError, but while the server stays
   * down every queued item would say the same thing, so the log gets one warning a minute (with a
   * count of the ones in between) and the rest at debug level.
   */
  #giveUp(
    request: ExportRequest,
    attempts: number,
    started: number,
    why: string,
    status: number | undefined,
  ): void {
    const error = new HoneyHiveDeliveryError(
      `giving up on ${request.describe} (${request.method} ${request.path}) after ${attempts} attempt(s) in ${Date.now() - started} ms: ${why}`,
      status,
    );
    const quiet = this.#giveUpLines.admit("give up");
    if (quiet === undefined) this.#options.logger.debug(error.message);
    else {
      const more = quiet
        ? ` (and ${quiet} more item(s) since the last such warning; stats().failed counts them all)`
        : "";
      this.#options.logger.warn(`${error.message}${more}`);
    }
    this.#options.onError(error);
  }

  /**
   * A request HoneyHive refused (or that can never succeed). Every one goes to onError; the log says
   * a repeated problem (same status, same endpoint) once, then at most once a minute with a count.
   */
  #reportFinal(request: ExportRequest, status: number | undefined, message: string): void {
    let error: HoneyHiveDeliveryError;
    if (status === 401 || status === 403) {
      error = new HoneyHiveDeliveryError(
        `HoneyHive answered ${status} (${message}): the API key is missing, wrong, or not valid for this server. ` +
          "Check HH_API_KEY and HH_API_URL (or the apiKey / serverUrl options).",
        status,
      );
    } else if (status === undefined) {
      error = new HoneyHiveDeliveryError(
        `cannot deliver ${request.describe} (${request.method} ${request.path}), and retrying will not help: ${message}`,
        undefined,
      );
    } else {
      const hint =
        status === 404 || status === 405
          ? " Is HH_API_URL / serverUrl the API's base URL (without /v1)?"
          : "";
      error = new HoneyHiveDeliveryError(
        `HoneyHive rejected ${request.describe} (${request.method} ${request.path}) with ${status}: ${message}.${hint}`,
        status,
      );
    }
    // The same problem is what the user must fix once: a bad key, a certificate, a status on an endpoint.
    const key =
      status === 401 || status === 403
        ? "auth"
        : status === undefined
          ? `network ${message.split(":")[0]}`
          : `${status} ${endpointOf(request)}`;
    const quiet = this.#finalLines.admit(key);
    if (quiet !== undefined) {
      const more = quiet ? ` (${quiet} more like this since the last such line)` : "";
      this.#options.logger.error(`${error.message}${more}`);
    }
    this.#options.onError(error);
  }

  /** Resolves true after `ms`, or false at once if aborted. The timer never holds the process open. */
  #sleep(ms: number): Promise<boolean> {
    const signal = this.#abort.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      unrefTimer(timer);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

function describeNetworkError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { message?: unknown; code?: unknown } }).cause;
  const inner = cause && typeof cause.message === "string" ? ` (${cause.code ?? ""} ${cause.message})` : "";
  return `${error.name}${typeof code === "string" ? ` ${code}` : ""}: ${error.message}${inner}`;
}
