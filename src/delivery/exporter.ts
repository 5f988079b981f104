/**
 * The HoneyHive exporter: sends one prepared request and retries it until it is delivered, finally
 * rejected, or out of budget. It knows HoneyHive's endpoints and what each status means; it knows
 * nothing about LangChain or about queueing.
 */
import type { Logger } from "../util/logger.js";
import type { HttpClient } from "./http-client.js";
import { backoffDelay, isRetryableStatus, parseRetryAfter } from "./retry-policy.js";

export interface ExportRequest {
  method: "POST" | "PUT";
  path: string;
  json: string;
  /** For log lines: what this request carries, e.g. `event 0192…` or `3 events`. */
  describe: string;
}

export type ExportOutcome = "sent" | "failed" | "aborted";

export interface ExporterOptions {
  maxRetries: number;
  retryBudgetMs: number;
  logger: Logger;
  onError: (error: Error) => void;
  onRetry: () => void;
  /** Scrubs secrets from text that came from outside (server messages, network errors). */
  redact: (text: string) => string;
}

/** Raised to `onError` when HoneyHive refuses a request or cannot be reached. */
export class HoneyHiveDeliveryError extends Error {
  override name = "HoneyHiveDeliveryError";
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
    const m = parsed.message ?? parsed.error;
    if (typeof m === "string") return m;
  } catch {
    // Not JSON: use the text itself.
  }
  return body.slice(0, 300) || "(empty response)";
}

export class Exporter {
  readonly #client: HttpClient;
  readonly #options: ExporterOptions;
  readonly #abort = new AbortController();
  #authReported = false;

  constructor(client: HttpClient, options: ExporterOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** Stops retry waits at once; requests still waiting resolve as `aborted`. */
  abort(): void {
    this.#abort.abort();
  }

  async export(request: ExportRequest): Promise<ExportOutcome> {
    const { maxRetries, retryBudgetMs, logger } = this.#options;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (this.#abort.signal.aborted || this.#client.closed) return "aborted";
      const result = await this.#client.send(request.method, request.path, request.json);
      let wait: number | undefined;
      let why: string;
      if (result.kind === "response") {
        const { status } = result;
        if (status >= 200 && status < 300) return "sent";
        // Servers and proxies may echo the Authorization header; scrub before anything sees it.
        const message = this.#options.redact(serverMessage(result.body));
        if (!isRetryableStatus(status)) {
          this.#reportFinal(request, status, message);
          return "failed";
        }
        why = `${status} ${message}`;
        wait = parseRetryAfter(result.retryAfter);
      } else {
        why = this.#options.redact(`${result.error.name}: ${result.error.message}`);
      }
      const elapsed = Date.now() - started;
      const delay = Math.max(wait ?? 0, backoffDelay(attempt));
      if (attempt > maxRetries || elapsed + delay > retryBudgetMs) {
        const error = new HoneyHiveDeliveryError(
          `giving up on ${request.describe} (${request.method} ${request.path}) after ${attempt} attempt(s) in ${elapsed} ms: ${why}`,
          result.kind === "response" ? result.status : undefined,
        );
        logger.warn(error.message);
        this.#options.onError(error);
        return "failed";
      }
      logger.debug(
        `retrying ${request.describe} in ${Math.round(delay)} ms (attempt ${attempt} failed: ${why})`,
      );
      this.#options.onRetry();
      if (!(await this.#sleep(delay))) return "aborted";
    }
  }

  #reportFinal(request: ExportRequest, status: number, message: string): void {
    let error: HoneyHiveDeliveryError;
    if (status === 401 || status === 403) {
      error = new HoneyHiveDeliveryError(
        `HoneyHive answered ${status} (${message}): the API key is missing, wrong, or not valid for this server. ` +
          "Check HH_API_KEY and HH_API_URL (or the apiKey / serverUrl options).",
        status,
      );
      // Every request fails the same way with a bad key: say it once, not once per event.
      if (!this.#authReported) this.#options.logger.error(error.message);
      this.#authReported = true;
    } else {
      error = new HoneyHiveDeliveryError(
        `HoneyHive rejected ${request.describe} (${request.method} ${request.path}) with ${status}: ${message}`,
        status,
      );
      this.#options.logger.error(error.message);
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
      timer.unref();
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}
