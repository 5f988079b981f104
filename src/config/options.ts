/**
 * Handler options: the public type, the zod schema that validates them at construction, and the
 * environment variables that fill in what the caller left out.
 */
import { z } from "zod";
import type { MaskFunction } from "../privacy/privacy.js";
import { runtimeEnv } from "../runtime/env.js";
import type { Logger } from "../util/logger.js";

export const DEFAULT_SERVER_URL = "https://api.dp1.us.honeyhive.ai";

const jsonRecord = z.record(z.string(), z.unknown());
const fn = <T>(name: string) =>
  z.custom<T>((v) => typeof v === "function", { message: `${name} must be a function` });

const loggerSchema = z.custom<Logger>(
  (v) =>
    typeof v === "object" &&
    v !== null &&
    ["debug", "info", "warn", "error"].every((m) => typeof (v as Record<string, unknown>)[m] === "function"),
  { message: "logger must have debug, info, warn and error methods" },
);

const positiveInt = z.number().int().positive();

export const optionsSchema = z.strictObject({
  apiKey: z.string().min(1).optional(),
  serverUrl: z.url({ protocol: /^https?$/, message: "serverUrl must be an http(s) URL" }).optional(),
  source: z.string().min(1).optional(),
  sessionId: z.string().min(1).optional(),
  sessionName: z.string().min(1).optional(),
  userProperties: jsonRecord.optional(),
  metadata: jsonRecord.optional(),
  tags: z.array(z.string()).optional(),
  enabled: z.boolean().optional(),
  parentEventId: z.string().min(1).optional(),
  manageSession: z.boolean().optional(),
  mask: fn<MaskFunction>("mask").optional(),
  hideInputs: z.boolean().optional(),
  hideOutputs: z.boolean().optional(),
  sampleRate: z.number().min(0).max(1).optional(),

  batch: z.boolean().optional(),
  batchSize: positiveInt.max(1000).optional(),
  concurrency: positiveInt.max(256).optional(),
  requestTimeoutMs: positiveInt.optional(),
  maxRetries: z.number().int().min(0).max(100).optional(),
  retryBudgetMs: positiveInt.optional(),
  flushTimeoutMs: positiveInt.optional(),
  maxQueueSize: positiveInt.optional(),
  maxQueueBytes: positiveInt.optional(),
  maxFieldLength: positiveInt.min(64).optional(),
  maxRequestBytes: positiveInt.min(10_000).max(5_000_000).optional(),
  maxOpenRuns: positiveInt.optional(),
  openRunTtlMs: positiveInt.optional(),
  allowInsecureHttp: z.boolean().optional(),

  verbose: z.boolean().optional(),
  logger: loggerSchema.optional(),
  onError: fn<(error: Error) => void>("onError").optional(),
});

/** Options accepted by `new HoneyHiveHandler(options)`. Every one is optional. */
export interface HoneyHiveHandlerOptions {
  /** HoneyHive API key. Env: `HH_API_KEY`, then `HONEYHIVE_API_KEY`. Missing: the handler warns once and records nothing. */
  apiKey?: string;
  /** API base URL. Env: `HH_API_URL`. Default `https://api.dp1.us.honeyhive.ai`. */
  serverUrl?: string;
  /** The event `source` field. Env: `HH_SOURCE`. Default `"langchain"`. */
  source?: string;
  /** Put every root run of this handler into this session (multi-turn chat). Non-UUIDs map to a stable UUIDv5. */
  sessionId?: string;
  /** Session display name. Env: `HH_SESSION_NAME`. Default: the root run's name. */
  sessionName?: string;
  /** Added to every session this handler starts. */
  userProperties?: Record<string, unknown>;
  /** Added to every session and every event. */
  metadata?: Record<string, unknown>;
  /** Added to every session and every event (as `metadata.tags`). */
  tags?: string[];
  /** `false` makes the handler a cheap no-op. Env: `HH_ENABLED=false`. */
  enabled?: boolean;
  /** Attach root runs under this existing HoneyHive event (a trace the app started elsewhere). */
  parentEventId?: string;
  /**
   * Whether this handler starts (`POST /v1/sessions`) and completes (`PUT`) its sessions. Default
   * true, except when `parentEventId` links into an existing trace: that session belongs to the app.
   */
  manageSession?: boolean;
  /** Rewrites inputs, outputs and metadata before they leave the process (sync or async). Throws → field withheld. */
  mask?: MaskFunction;
  /** Do not record inputs at all. Env: `HH_HIDE_INPUTS=true`. */
  hideInputs?: boolean;
  /** Do not record outputs at all. Env: `HH_HIDE_OUTPUTS=true`. */
  hideOutputs?: boolean;
  /** Share of sessions recorded, 0..1, decided per session (whole sessions or none). Env: `HH_SAMPLE_RATE`. Default 1. */
  sampleRate?: number;

  /** Send events in batches with `POST /v1/events/batch` instead of one `POST /v1/events` each. Default false. */
  batch?: boolean;
  /** Events per batch request in batch mode. Default 100. */
  batchSize?: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** Per-request timeout (headers and body). Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Retries after the first attempt for network errors, 408, 429 and 5xx. Default 6. */
  maxRetries?: number;
  /** Longest time one item may spend being retried. Default 60 000 ms. */
  retryBudgetMs?: number;
  /** How long `flush()` waits by default before giving up. Default 10 000 ms. */
  flushTimeoutMs?: number;
  /** Most items waiting to be sent; past it new items are dropped and counted. Default 10 000. */
  maxQueueSize?: number;
  /** Most bytes waiting to be sent; past it new items are dropped and counted. Default 64 MiB. */
  maxQueueBytes?: number;
  /** Longest string kept in a field, in characters; longer ones are cut with a marker. Default 100 000. */
  maxFieldLength?: number;
  /** Largest request body; bigger events are truncated further. Default 4 500 000 (HoneyHive's limit is 5 MB). */
  maxRequestBytes?: number;
  /** Most runs tracked open at once; the oldest are sent as unfinished past it. Default 10 000. */
  maxOpenRuns?: number;
  /** An open run older than this is sent as unfinished. Default 1 hour. */
  openRunTtlMs?: number;
  /** Allow plain `http://` to a host that is not loopback (the key would travel unencrypted). Default false. */
  allowInsecureHttp?: boolean;

  /** Debug logging. Env: `HH_VERBOSE=true`. */
  verbose?: boolean;
  /** Where the handler's log lines go. Default: console. */
  logger?: Logger;
  /** Called with every delivery or handler error (never thrown into the app). */
  onError?: (error: Error) => void;
}

/** Thrown by the constructor when an option is invalid: a programming error, reported at once. */
export class HoneyHiveConfigError extends Error {
  override name = "HoneyHiveConfigError";
}

export interface ResolvedOptions {
  apiKey: string | undefined;
  serverUrl: string;
  source: string;
  sessionId: string | undefined;
  sessionName: string | undefined;
  userProperties: Record<string, unknown> | undefined;
  metadata: Record<string, unknown> | undefined;
  tags: string[] | undefined;
  enabled: boolean;
  parentEventId: string | undefined;
  manageSession: boolean | undefined;
  mask: MaskFunction | undefined;
  hideInputs: boolean;
  hideOutputs: boolean;
  sampleRate: number;
  batch: boolean;
  batchSize: number;
  concurrency: number;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBudgetMs: number;
  flushTimeoutMs: number;
  maxQueueSize: number;
  maxQueueBytes: number;
  maxFieldLength: number;
  maxRequestBytes: number;
  maxOpenRuns: number;
  openRunTtlMs: number;
  allowInsecureHttp: boolean;
  verbose: boolean;
  logger: Logger | undefined;
  onError: ((error: Error) => void) | undefined;
}

function envFlag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  return !["0", "false", "no", "off"].includes(value.trim().toLowerCase());
}

function envRate(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 1;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new HoneyHiveConfigError(
      `honeyhive-langchain: HH_SAMPLE_RATE must be a number from 0 to 1, got "${value}".`,
    );
  }
  return n;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Validates options and fills defaults from the environment. Throws `HoneyHiveConfigError`. */
export function resolveOptions(
  options: HoneyHiveHandlerOptions = {},
  env: NodeJS.ProcessEnv = runtimeEnv(),
): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.code === "unrecognized_keys" ? issue.keys.join(", ") : (issue?.path.join(".") ?? "?");
    const what = issue?.code === "unrecognized_keys" ? "is not a known option" : issue?.message;
    throw new HoneyHiveConfigError(
      `honeyhive-langchain: option \`${name}\` ${what}. See the README's options table for what each option takes.`,
    );
  }
  const o = parsed.data;
  const serverUrl = (o.serverUrl ?? (env.HH_API_URL || undefined) ?? DEFAULT_SERVER_URL).replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new HoneyHiveConfigError(
      `honeyhive-langchain: serverUrl (or HH_API_URL) "${serverUrl}" is not a URL.`,
    );
  }
  const allowInsecureHttp = o.allowInsecureHttp ?? false;
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !allowInsecureHttp) {
    throw new HoneyHiveConfigError(
      `honeyhive-langchain: refusing plain http:// to ${url.host}: the API key would travel unencrypted. ` +
        "Use https://, or pass `allowInsecureHttp: true` if this network is trusted.",
    );
  }
  return {
    apiKey: o.apiKey ?? (env.HH_API_KEY || undefined) ?? (env.HONEYHIVE_API_KEY || undefined),
    serverUrl,
    source: o.source ?? (env.HH_SOURCE || "langchain"),
    sessionId: o.sessionId,
    sessionName: o.sessionName ?? (env.HH_SESSION_NAME || undefined),
    userProperties: o.userProperties,
    metadata: o.metadata,
    tags: o.tags,
    enabled: o.enabled ?? envFlag(env.HH_ENABLED) ?? true,
    parentEventId: o.parentEventId,
    manageSession: o.manageSession,
    mask: o.mask,
    hideInputs: o.hideInputs ?? envFlag(env.HH_HIDE_INPUTS) ?? false,
    hideOutputs: o.hideOutputs ?? envFlag(env.HH_HIDE_OUTPUTS) ?? false,
    sampleRate: o.sampleRate ?? envRate(env.HH_SAMPLE_RATE),
    batch: o.batch ?? false,
    batchSize: o.batchSize ?? 100,
    concurrency: o.concurrency ?? 8,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    maxRetries: o.maxRetries ?? 6,
    retryBudgetMs: o.retryBudgetMs ?? 60_000,
    flushTimeoutMs: o.flushTimeoutMs ?? 10_000,
    maxQueueSize: o.maxQueueSize ?? 10_000,
    maxQueueBytes: o.maxQueueBytes ?? 64 * 1024 * 1024,
    maxFieldLength: o.maxFieldLength ?? 100_000,
    maxRequestBytes: o.maxRequestBytes ?? 4_500_000,
    maxOpenRuns: o.maxOpenRuns ?? 10_000,
    openRunTtlMs: o.openRunTtlMs ?? 60 * 60 * 1000,
    allowInsecureHttp,
    verbose: o.verbose ?? envFlag(env.HH_VERBOSE) ?? false,
    logger: o.logger,
    onError: o.onError,
  };
}
