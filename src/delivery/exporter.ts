/**
 * The HoneyHive exporter: sends one prepared request and retries it until it is delivered, finally
 * rejected, or out of budget. It owns HoneyHive's endpoints (delivery says what a request is for,
 * `route` says where it goes) and what each status means; it knows nothing about LangChain or
 * about queueing.
 */
import { HoneyHiveDeliveryError } from "../errors.js";
import { allowManyAbortListeners } from "../runtime/platform.js";
import { unrefTimer } from "../runtime/timers.js";
import { LogThrottle } from "../util/log-throttle.js";
import { type Logger, scrubThenCut } from "../util/logger.js";
import {
  type BackoffOptions,
  backoffDelay,
  DEFAULT_BACKOFF,
  isRetryableStatus,
  parseRetryAfter,
} from "./retry-policy.js";
import type { Transport } from "./transport.js";

/** What a request is for; the exporter turns it into HoneyHive's method and path. */
export type Endpoint =
  | { kind: "event" }
  | { kind: "batch" }
  | { kind: "session" }
  | { kind: "update"; id: string };

export interface ExportRequest {
  endpoint: Endpoint;
  json: string;
  /** For log lines: what this request carries, e.g. `event 0192…` or `3 events`. */
  describe: string;
  /**
   * The caller can split this request (a batch of several items): a refusal of its content (400,
   * 413, 422) is returned as `refused`, unreported, instead of being reported as final.
   */
  splittable?: boolean;
  /** When the oldest data in it was recorded (`performance.now()`): the retry budget counts from there. */
  recordedAt?: number;
}

/**
 * How a request ended. `refused`: only for a `splittable` request, which the server rejected for
 * its content (400, 413, 422) — unreported, so the caller can split it and find what was refused;
 * `index`: the item the server named, if it named one.
 */
export type ExportResult =
  | { outcome: "sent" }
  | { outcome: "failed"; status?: number; message?: string }
  | { outcome: "aborted" }
  | { outcome: "refused"; status: number; message: string; index: number | undefined };

export type ExportOutcome = ExportResult["outcome"];

const SENT: ExportResult = { outcome: "sent" };
const FAILED: ExportResult = { outcome: "failed" };
const ABORTED: ExportResult = { outcome: "aborted" };

/**
 * What a server's `Retry-After` can ask for: it knows its own state better than a backoff guess,
 * so it is followed — but no sooner than 100 ms (one probe at a time, never a hammer) and no later
 * than a minute before it is asked again.
 */
const MIN_RETRY_AFTER_MS = 100;
const MAX_RETRY_AFTER_MS = 60_000;

/** `{"success": false}` in a 2xx body (checked as text first: most bodies are tiny and say true). */
function saysItFailed(body: string): boolean {
  if (!body.includes("false")) return false;
  try {
    const parsed = JSON.parse(body) as { success?: unknown };
    return parsed !== null && typeof parsed === "object" && parsed.success === false;
  } catch {
    return false;
  }
}

/** The batch item a refusal names, e.g. `events[3]` or `events.3.metadata: …`. */
export function refusedIndex(message: string): number | undefined {
  const match = /\bevents(?:\[(\d+)\]|\.(\d+))/.exec(message);
  if (!match) return undefined;
  return Number(match[1] ?? match[2]);
}

export interface ExporterOptions {
  retryBudgetMs: number;
  logger: Logger;
  onError: (error: Error) => void;
  /** Counts retries (delivery's one counters object). */
  counters: { retried: number };
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

/** HoneyHive's Data Plane endpoints (OpenAPI v1). */
function route(endpoint: Endpoint): { method: "POST" | "PUT"; path: string } {
  switch (endpoint.kind) {
    case "event":
      return { method: "POST", path: "/v1/events" };
    case "batch":
      return { method: "POST", path: "/v1/events/batch" };
    case "session":
      return { method: "POST", path: "/v1/sessions" };
    case "update":
      return { method: "PUT", path: `/v1/events/${encodeURIComponent(endpoint.id)}` };
  }
}

function describeRoute(endpoint: Endpoint): string {
  const { method, path } = route(endpoint);
  return `${method} ${path}`;
}

/** What counts as "the same endpoint" when deciding a problem is repeated (every PUT is one). */
function endpointOf(request: ExportRequest): string {
  const { method, path } = route(request.endpoint);
  return request.endpoint.kind === "update" ? `${method} /v1/events/:id` : `${method} ${path}`;
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
  readonly #warned = new Set<string>();
  /** Backoff capped so that several probes fit in the retry budget (a twelfth of it, 10 s at most). */
  readonly #backoff: BackoffOptions;

  constructor(client: Transport, options: ExporterOptions) {
    this.#client = client;
    this.#options = options;
    this.#backoff = {
      baseMs: DEFAULT_BACKOFF.baseMs,
      capMs: Math.max(DEFAULT_BACKOFF.baseMs, Math.min(DEFAULT_BACKOFF.capMs, options.retryBudgetMs / 12)),
    };
    // Every request waiting out a retry listens for abort; with high concurrency that is more than
    // EventTarget's default of 10, which would print a leak warning into the app's console.
    allowManyAbortListeners(this.#abort.signal);
  }

  /** Stops retry waits at once; requests still waiting resolve as `aborted`. */
  abort(): void {
    this.#abort.abort();
  }

  /**
   * Sends the request until it is delivered, refused, or out of budget: `retryBudgetMs` after the
   * oldest data in it was recorded (not a count of attempts). While the server is unavailable the
   * request waits behind the one probe, so a storm costs one request per backoff, not one per item.
   */
  async export(request: ExportRequest): Promise<ExportResult> {
    const { retryBudgetMs, logger } = this.#options;
    const started = performance.now();
    const deadline = Math.min(request.recordedAt ?? started, started) + retryBudgetMs;
    for (let attempt = 1; ; attempt++) {
      if (this.#abort.signal.aborted) return ABORTED;
      // Fast path: no outage, nothing to wait for (this runs once per request).
      const gate =
        this.#probe || performance.now() < this.#outageUntil ? await this.#awaitServer(deadline) : "go";
      if (gate === "aborted") return ABORTED;
      if (gate === "timeout") {
        this.#giveUp(request, attempt - 1, started, "the server stayed unavailable", undefined);
        return FAILED;
      }
      // While the server is known to be unavailable, exactly one request at a time probes it.
      let releaseProbe: (() => void) | undefined;
      if (this.#outageUntil !== 0) {
        this.#probe = new Promise<void>((resolve) => {
          releaseProbe = resolve;
        });
      }
      const { method, path } = route(request.endpoint);
      const result = await this.#client.send(method, path, request.json);
      let wait: number | undefined;
      let why: string | undefined;
      let final: ExportResult | undefined;
      if (result.kind === "response") {
        const { status } = result;
        if (status >= 200 && status < 300) {
          // A proxy or misbehaving server may say 200 and mean failure: that is not a delivery.
          if (saysItFailed(result.body)) {
            why = `${status} with a body that says it failed: ${this.#message(result.body)}`;
            this.#warnOnce(
              "success-false",
              `the server answered ${status} to ${describeRoute(request.endpoint)} with {"success": false}; treating it as a failure and retrying (said once)`,
            );
          } else final = SENT;
        } else {
          // Servers and proxies may echo the Authorization header; scrub before anything sees it.
          const message = this.#message(result.body);
          if (!isRetryableStatus(status)) {
            if (request.splittable && (status === 400 || status === 413 || status === 422)) {
              final = { outcome: "refused", status, message, index: refusedIndex(message) };
            } else {
              this.#reportFinal(request, status, message);
              final = { outcome: "failed", status, message };
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
          final = FAILED;
        }
      }
      // A server may ask for a long pause (or send a date from a clock that runs ahead): it is heard,
      // up to a minute and never past the budget, and then asked again.
      const now = performance.now();
      const asked =
        wait === undefined ? undefined : Math.min(Math.max(wait, MIN_RETRY_AFTER_MS), MAX_RETRY_AFTER_MS);
      const delay = Math.min(asked ?? backoffDelay(attempt, this.#backoff), Math.max(0, deadline - now));
      // Any answer that is not "unavailable" means the server is there; otherwise hold everyone off.
      if (final) this.#outageUntil = 0;
      else this.#outageUntil = Math.max(this.#outageUntil, now + delay);
      if (releaseProbe) {
        this.#probe = undefined;
        releaseProbe();
      }
      if (final) return final;

      if (this.#abort.signal.aborted) return ABORTED;
      if (now >= deadline) {
        this.#giveUp(
          request,
          attempt,
          started,
          why ?? "",
          result.kind === "response" ? result.status : undefined,
        );
        return FAILED;
      }
      logger.debug(
        `retrying ${request.describe} in ${Math.round(delay)} ms (attempt ${attempt} failed: ${why})`,
      );
      this.#options.counters.retried++;
    }
  }

  /** Reports a refusal the caller isolated (a `splittable` request it could split no further). */
  reportRefused(request: ExportRequest, status: number, message: string): void {
    this.#reportFinal(request, status, message);
  }

  #message(body: string): string {
    return this.#options.redact(serverMessage(body, this.#options.apiKey));
  }

  /** A problem that is the same every time it happens: logged once per exporter. */
  #warnOnce(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#options.logger.warn(message);
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
      const now = performance.now();
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
      `giving up on ${request.describe} (${describeRoute(request.endpoint)}) after ${attempts} attempt(s) in ${Math.round(performance.now() - started)} ms: ${why}`,
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
        `cannot deliver ${request.describe} (${describeRoute(request.endpoint)}), and retrying will not help: ${message}`,
        undefined,
      );
    } else if (status < 400) {
      // A redirect is not followed (the key must not go where it points): the URL is wrong.
      error = new HoneyHiveDeliveryError(
        `cannot reach HoneyHive's API at this URL: it answered ${request.describe} (${describeRoute(request.endpoint)}) with ${status}, a redirect, and requests are not redirected. Set HH_API_URL / serverUrl to the API's base URL.`,
        status,
      );
    } else {
      const hint =
        status === 404 || status === 405
          ? " Is HH_API_URL / serverUrl the API's base URL (without /v1)?"
          : "";
      error = new HoneyHiveDeliveryError(
        `HoneyHive rejected ${request.describe} (${describeRoute(request.endpoint)}) with ${status}: ${message}.${hint}`,
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
