/**
 * Handler options, from one source: the zod schema below. It derives the public option type
 * (`HoneyHiveHandlerOptions` = its input type), the resolved type (its output type) and the
 * defaults; `ENV_VARS` maps options to environment variables, whose values go through the same
 * field schema as the option they fill.
 *
 * Docs: each field's JSDoc comment sits on the schema's shape. TypeScript carries a property's
 * JSDoc through `z.input` / `z.output` (they are mapped types over the shape), so editors show it
 * on `new HoneyHiveHandler({ … })` and in the published `.d.ts`, with no second list to keep in
 * step. (`.describe()`/`.meta()` would only be visible at run time, not in an editor.)
 */
import { z } from "zod";
import { HoneyHiveConfigError, type HoneyHiveError } from "../errors.js";
import type { MediaUploadFunction } from "../media/uploads.js";
import type { MaskFunction } from "../privacy/privacy.js";
import { runtimeEnv } from "../runtime/env.js";
import { type Logger, stripUrlCredentials } from "../util/logger.js";
import { MAX_TIMER_MS } from "../util/timeout.js";

export { HoneyHiveConfigError };

export const DEFAULT_SERVER_URL = "https://api.dp1.us.honeyhive.ai";

const jsonRecord = z.record(z.string(), z.unknown());
const fn = <T>(name: string) =>
  z.custom<T>((v) => typeof v === "function", { message: `${name} must be a function` });

const loggerSchema = z.custom<Logger>(
  (v) =>
    typeof v === "object" &&
    v !== null &&
    ["debug", "info", "warn", "error"].every((m) => typeof (v as Record<string, unknown>)[m] === "function"),
  { message: "must have debug, info, warn and error methods" },
);

const positiveInt = z.number().int().positive();
/** Milliseconds that a Node timer can hold (see util/timeout.ts); larger values would fire at once. */
const timeoutMs = (min = 1) =>
  z
    .number()
    .int()
    .min(min)
    .max(MAX_TIMER_MS, { error: `must be at most ${MAX_TIMER_MS} ms (the longest a timer can wait)` });

const URL_EXPECTED = "must be an http:// or https:// URL, e.g. https://api.dp1.us.honeyhive.ai";
/**
 * A user name or password in the URL is refused: HoneyHive authenticates with the API key alone,
 * `fetch` refuses to build a request from such a URL (every request would fail, on Workers, Deno
 * and Bun), and the URL is printed at start and in warnings. The message never repeats them.
 */
const CREDENTIALS_IN_URL =
  "must not contain a user name or password (user:pass@host): remove them from the URL and pass the HoneyHive key as apiKey (or HH_API_KEY)";
const serverUrl = z
  .string({ error: URL_EXPECTED })
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: URL_EXPECTED }))
  .refine(
    (url) => {
      try {
        const parsed = new URL(url);
        return parsed.username === "" && parsed.password === "";
      } catch {
        // Runs after a failed URL check too (zod reports every issue): that one names the problem.
        return true;
      }
    },
    { error: CREDENTIALS_IN_URL, abort: true },
  )
  .transform((url) => url.replace(/\/+$/, ""));

/** Names for the invisible characters a key picks up when copied from a web page or a document. */
const CHARACTER_NAMES: Record<number, string> = {
  127: "DEL, a control character",
  173: "soft hyphen",
  8203: "zero-width space",
  8204: "zero-width non-joiner",
  8205: "zero-width joiner",
  8288: "word joiner",
};

/**
 * The first character of a key that an HTTP header cannot carry, described by position and code
 * point, never by the key's text: `character 12 of the API key is U+200B (zero-width space)`.
 * Undefined when every character is printable ASCII. Positions count characters (code points),
 * from 1, in the trimmed key.
 */
function badKeyCharacter(key: string): string | undefined {
  let position = 0;
  for (const char of key) {
    position++;
    const code = char.codePointAt(0) as number;
    if (code >= 0x20 && code < 0x7f) continue;
    const hex = code.toString(16).toUpperCase().padStart(4, "0");
    const name =
      CHARACTER_NAMES[code] ??
      (code < 0x20 || (code >= 0x80 && code < 0xa0) ? "a control character" : "not ASCII");
    return `character ${position} of the API key is U+${hex} (${name}); keys are printable ASCII (check how it was copied)`;
  }
  return undefined;
}

/**
 * Trimmed, because keys pasted into secret files and `.env` files often carry a line break. Inner
 * whitespace, and any character that is not printable ASCII (a zero-width space copied from a web
 * page), would make every request fail with an invalid Authorization header: refused here instead.
 */
const apiKey = z
  .string()
  .trim()
  .min(1, { error: "must not be empty" })
  .refine((key) => !/\s/.test(key), {
    error: "must not contain whitespace (a line break or space inside the key: check how it was pasted)",
    abort: true,
  })
  .superRefine((key, ctx) => {
    const problem = badKeyCharacter(key);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/**
 * An id (session, user): a non-empty string. Database ids are often integers, and a JavaScript app
 * (or a loosely typed value) passes them as they are: an integer is taken as its decimal text, so
 * `12345` is the session of `"12345"` and of LangGraph's `thread_id: 12345`. The type stays
 * `string` (the typed API asks for text, and says so at compile time); this is the run-time rule.
 */
const id = z.preprocess(
  (v) => ((typeof v === "number" && Number.isSafeInteger(v)) || typeof v === "bigint" ? String(v) : v),
  z.string({ error: "must be a non-empty string (or an integer)" }).min(1),
) as unknown as z.ZodType<string, string>;

const RATE_EXPECTED = "must be a number from 0 to 1 (0.5 records half of the sessions)";

/** How long an event waits for a `media.upload` before it goes with the plain reference. */
export const DEFAULT_MEDIA_TIMEOUT_MS = 5_000;

/**
 * What happens to media bytes in messages (README "Media"). They are always recorded as references
 * (`{type, mime_type, bytes, sha256}`); `upload` adds the URL the app put the bytes at.
 */
const mediaSchema = z.strictObject({
  /**
   * Sends each distinct image, audio clip or file to the app's storage and answers its URL, which
   * is recorded in the reference (`url`). Called once per distinct bytes, off the callback path; a
   * rejection, a throw or no answer within `timeoutMs` leaves the plain reference.
   */
  upload: fn<MediaUploadFunction>("media.upload").optional(),
  /** How long an event waits for an upload before it goes with the plain reference. Default 5 000 ms. */
  timeoutMs: timeoutMs().default(DEFAULT_MEDIA_TIMEOUT_MS),
});

/** The `media` option (README "Media"). */
export type MediaOptions = z.input<typeof mediaSchema>;

/**
 * The options' shape, kept as its own declaration (and the schema's type spelled out below) so
 * that the published `.d.ts` keeps each field's JSDoc: declaration emit reprints an inferred
 * `z.strictObject({...})` type without comments, but keeps them on a declared object's members.
 */
const optionShape = {
  /** HoneyHive API key. Env: `HH_API_KEY`, then `HONEYHIVE_API_KEY`. Trimmed. Missing: the handler warns once and records nothing. */
  apiKey: apiKey.optional(),
  /** API base URL; a trailing `/` is ignored. Env: `HH_API_URL`. Default `https://api.dp1.us.honeyhive.ai`. */
  serverUrl: serverUrl.default(DEFAULT_SERVER_URL),
  /** The event `source` field. Env: `HH_SOURCE`. Default `"langchain"`. */
  source: z.string().min(1).default("langchain"),
  /**
   * Put every root run of this handler into this session (multi-turn chat). Non-UUIDs map to a
   * stable UUIDv5; an integer is taken as its decimal text.
   */
  sessionId: id.optional(),
  /** Session display name. Env: `HH_SESSION_NAME`. Default: the root run's name. */
  sessionName: z.string().min(1).optional(),
  /** The app's user for every session this handler starts (HoneyHive's `user_properties.user_id`); an integer is taken as its decimal text. */
  userId: id.optional(),
  /** Added to every session this handler starts. */
  userProperties: jsonRecord.optional(),
  /** Added to every session and every event. */
  metadata: jsonRecord.optional(),
  /** Added to every session and every event (as `metadata.tags`). */
  tags: z.array(z.string()).optional(),
  /**
   * `false` makes the handler a cheap no-op. Env: `HH_ENABLED` (`false`, `0`, `no`, `n`, `off`,
   * `disabled`, `none` turn it off; `true`, `1`, `yes`, `y`, `on`, `enabled` keep it on). Default true.
   */
  enabled: z.boolean().default(true),
  /** Attach root runs under this existing HoneyHive event (a trace the app started elsewhere). */
  parentEventId: z.string().min(1).optional(),
  /**
   * Whether this handler starts (`POST /v1/sessions`) and completes (`PUT`) its sessions. Default
   * true, except when `parentEventId` links into an existing trace: that session belongs to the app.
   */
  manageSession: z.boolean().optional(),
  /** Rewrites inputs, outputs and metadata before they leave the process (sync or async). Throws → field withheld. */
  mask: fn<MaskFunction>("mask").optional(),
  /**
   * Media in messages (images, audio, files) is recorded as references, never as cut base64; with
   * `upload`, the bytes go to the app's storage and the reference carries their URL. README "Media".
   */
  media: mediaSchema.optional(),
  /** Do not record inputs at all. Env: `HH_HIDE_INPUTS=true`. Default false. */
  hideInputs: z.boolean().default(false),
  /** Do not record outputs at all. Env: `HH_HIDE_OUTPUTS=true`. Default false. */
  hideOutputs: z.boolean().default(false),
  /** Share of sessions recorded, 0..1, decided per session (whole sessions or none). Env: `HH_SAMPLE_RATE`. Default 1. */
  sampleRate: z
    .number({ error: RATE_EXPECTED })
    .min(0, { error: RATE_EXPECTED })
    .max(1, { error: RATE_EXPECTED })
    .default(1),

  /** LangChain's standard handler input: record no LLM or chat model runs. Default false. */
  ignoreLLM: z.boolean().default(false),
  /** LangChain's standard handler input: record no chain, runnable or graph node runs. Default false. */
  ignoreChain: z.boolean().default(false),
  /** LangChain's standard handler input: record no agent actions and no tool runs. Default false. */
  ignoreAgent: z.boolean().default(false),
  /** LangChain's standard handler input: record no retriever runs. Default false. */
  ignoreRetriever: z.boolean().default(false),
  /** LangChain's standard handler input: record no `dispatchCustomEvent` data. Default false. */
  ignoreCustomEvent: z.boolean().default(false),

  /** Most events in one `POST /v1/events/batch` (a backlog is sent in batches; one event alone when idle). Default 100. */
  batchSize: positiveInt.max(1000).default(100),
  /** Requests in flight at once. Default 8. */
  concurrency: positiveInt.max(256).default(8),
  /** Per-request timeout (headers and body). Default 10 000 ms. */
  requestTimeoutMs: timeoutMs().default(10_000),
  /**
   * Accepted for compatibility; no longer ends retries. Delivery is bounded by time since the data
   * was recorded (`retryBudgetMs`), not by a count of attempts (SPEC §5), so a storm of 503s that
   * passes within the budget loses nothing.
   */
  maxRetries: z.number().int().min(0).max(100).default(6),
  /** How long data may wait to be delivered, from when it was recorded (retries and outages included). Default 60 000 ms. */
  retryBudgetMs: timeoutMs().default(60_000),
  /** How long `flush()` / `shutdown()` (and the drain at exit) wait by default before giving up. Default 10 000 ms. */
  flushTimeoutMs: timeoutMs().default(10_000),
  /**
   * Most serialized data (characters ≈ bytes) recorded and not yet delivered; past it whole new
   * sessions are dropped and counted (a started session is always kept whole). Default 64 MiB.
   */
  maxQueueBytes: positiveInt.default(64 * 1024 * 1024),
  /** Longest string kept in a field, in characters; longer ones are cut with a marker. Default 100 000. */
  maxFieldLength: positiveInt.min(64).default(100_000),
  /** Largest request body; bigger events are truncated further. Default 4 500 000 (HoneyHive's limit is 5 MB). */
  maxRequestBytes: positiveInt.min(10_000).max(5_000_000).default(4_500_000),
  /** Most runs tracked open at once; the oldest are sent as unfinished past it. Default 10 000. */
  maxOpenRuns: positiveInt.default(10_000),
  /** A `mask` that has not settled after this long withholds the field (fail closed). Default 5 000 ms. */
  maskTimeoutMs: timeoutMs().default(5_000),
  /** An open run older than this is sent as unfinished. Default 1 hour. */
  openRunTtlMs: timeoutMs().default(60 * 60 * 1000),
  /**
   * Allow plain `http://` to a host that is not loopback (the key would travel unencrypted).
   * Env: `HH_ALLOW_INSECURE_HTTP=true`. Default false.
   */
  allowInsecureHttp: z.boolean().default(false),

  /** Log the target at start and more detail while running. Env: `HH_VERBOSE=true`. Default false. */
  verbose: z.boolean().default(false),
  /** Where the handler's log lines go. Default: console. */
  logger: loggerSchema.optional(),
  /** Called with every delivery or handler error (never thrown into the app; a rejection is ignored). */
  onError: fn<(error: HoneyHiveError) => void>("onError").optional(),
};

export const optionsSchema: z.ZodObject<typeof optionShape, z.core.$strict> = z.strictObject(optionShape);

/** Options accepted by `new HoneyHiveHandler(options)`. Every one is optional. */
export type HoneyHiveHandlerOptions = z.input<typeof optionsSchema>;

export type OptionName = keyof HoneyHiveHandlerOptions;

/**
 * Environment variables, per option they fill; the first one set (non-blank) wins. An option given
 * in code always wins over its variable.
 */
export const ENV_VARS = {
  apiKey: ["HH_API_KEY", "HONEYHIVE_API_KEY"],
  serverUrl: ["HH_API_URL"],
  source: ["HH_SOURCE"],
  sessionName: ["HH_SESSION_NAME"],
  enabled: ["HH_ENABLED"],
  hideInputs: ["HH_HIDE_INPUTS"],
  hideOutputs: ["HH_HIDE_OUTPUTS"],
  sampleRate: ["HH_SAMPLE_RATE"],
  allowInsecureHttp: ["HH_ALLOW_INSECURE_HTTP"],
  verbose: ["HH_VERBOSE"],
} as const satisfies Partial<Record<OptionName, readonly string[]>>;

/** Words a boolean environment variable accepts (any case, surrounding space ignored). */
export const ENV_TRUE_WORDS = ["true", "1", "yes", "y", "on", "enabled"];
export const ENV_FALSE_WORDS = ["false", "0", "no", "n", "off", "disabled", "none"];

export interface ResolvedExtras {
  /** Where each option that is set came from: `"option"` or the environment variable's name. */
  sources: Partial<Record<OptionName, string>>;
  /**
   * Set when an environment variable is invalid: the one line to log. The handler then disables
   * itself (`enabled` is false) rather than crash the app at start-up.
   */
  envProblem: string | undefined;
}

/** What the pipeline reads: every option with its default applied, plus where it came from. */
export type ResolvedOptions = AllKeys<z.output<typeof optionsSchema>> & ResolvedExtras;

/** Every key present (an unset option reads as undefined), so the pipeline can pick fields without `?`. */
type AllKeys<T> = { [K in keyof Required<T>]: T[K] };

type FieldSchema = (typeof optionsSchema.shape)[OptionName];

/** The type an option's schema takes, under `.optional()` / `.default()` / pipes. */
function baseType(schema: z.ZodType): string {
  const def = schema.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
  if ((def.type === "optional" || def.type === "default") && def.innerType) return baseType(def.innerType);
  if (def.type === "pipe" && def.in) return baseType(def.in);
  return def.type;
}

const envBoolean = z
  .string()
  .trim()
  .pipe(
    z.stringbool({
      truthy: ENV_TRUE_WORDS,
      falsy: ENV_FALSE_WORDS,
      error: `must be one of ${ENV_TRUE_WORDS.join(", ")} (on) or ${ENV_FALSE_WORDS.join(", ")} (off)`,
    }),
  );
const envNumber = z
  .string()
  .trim()
  .regex(/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i, { error: "must be a plain number" })
  .transform(Number);

/** The schema an environment variable's text goes through: coerced to the option's type, then the option's own schema. */
function envSchema(field: FieldSchema): z.ZodType {
  const type = baseType(field);
  const target = field as z.ZodType;
  if (type === "boolean") return (envBoolean as z.ZodType).pipe(target);
  if (type === "number") return (envNumber as z.ZodType).pipe(target);
  return target;
}

const SECRET_OPTIONS = new Set<OptionName>(["apiKey"]);

function issueText(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return "is invalid";
  if (issue.code === "unrecognized_keys") return "is not a known option";
  return issue.message.startsWith("must") ? issue.message : `is invalid: ${issue.message}`;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

const SEE_TABLE = "See the README's options table for what each option takes.";

/**
 * Validates options and fills the rest from the environment, then from the defaults. An invalid
 * option throws `HoneyHiveConfigError` (a programming error); an invalid environment variable is
 * reported in `envProblem` and disables the handler (a deployment mistake must not crash the app).
 */
export function resolveOptions(
  options: HoneyHiveHandlerOptions = {},
  env: NodeJS.ProcessEnv = runtimeEnv(),
): ResolvedOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new HoneyHiveConfigError(`honeyhive-langchain: options must be an object. ${SEE_TABLE}`);
  }
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name =
      issue?.code === "unrecognized_keys" ? issue.keys.join(", ") : String(issue?.path[0] ?? "options");
    throw new HoneyHiveConfigError(
      `honeyhive-langchain: option \`${name}\` ${issueText(issue)}. ${SEE_TABLE}`,
      name,
    );
  }
  const unset = Object.fromEntries(Object.keys(optionsSchema.shape).map((k) => [k, undefined]));
  const resolved = { ...unset, ...parsed.data, sources: {}, envProblem: undefined } as ResolvedOptions;
  const given = new Set(
    (Object.keys(options) as OptionName[]).filter(
      (k) => (options as Record<string, unknown>)[k] !== undefined,
    ),
  );
  for (const name of given) resolved.sources[name] = "option";

  const problems: string[] = [];
  const writable = resolved as unknown as Record<string, unknown>;
  for (const [name, vars] of Object.entries(ENV_VARS) as [OptionName, readonly string[]][]) {
    if (given.has(name)) continue;
    const variable = vars.find((v) => (env[v] ?? "").trim() !== "");
    if (!variable) continue;
    const text = env[variable] as string;
    const result = envSchema(optionsSchema.shape[name]).safeParse(text);
    if (result.success) {
      writable[name] = result.data;
      resolved.sources[name] = variable;
    } else {
      // A URL's user name and password are never repeated (nor the key, nor anything past 80 characters).
      const safe = stripUrlCredentials(text);
      const shown = SECRET_OPTIONS.has(name) ? "" : `="${safe.length > 80 ? `${safe.slice(0, 80)}…` : safe}"`;
      problems.push(`${variable}${shown} ${issueText(result.error.issues[0])}`);
    }
  }

  const url = new URL(resolved.serverUrl);
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !resolved.allowInsecureHttp) {
    const fromEnv = resolved.sources.serverUrl !== undefined && resolved.sources.serverUrl !== "option";
    const why = `plain http:// to ${url.host}, which is not this machine: the API key would travel unencrypted`;
    if (!fromEnv) {
      throw new HoneyHiveConfigError(
        `honeyhive-langchain: option \`serverUrl\` is ${why}. Use https://, or pass \`allowInsecureHttp: true\` (or set HH_ALLOW_INSECURE_HTTP=true) if this network is trusted.`,
        "serverUrl",
      );
    }
    problems.push(
      `${resolved.sources.serverUrl}="${resolved.serverUrl}" is ${why}; use https://, or set HH_ALLOW_INSECURE_HTTP=true if this network is trusted`,
    );
  }

  if (resolved.userId !== undefined) {
    resolved.userProperties = { ...resolved.userProperties, user_id: resolved.userId };
  }
  // Switched off on purpose (HH_ENABLED=false): other settings do not matter, so nothing to say.
  if (problems.length > 0 && resolved.enabled) {
    resolved.enabled = false;
    resolved.envProblem = `invalid environment: ${problems.join("; ")}. The handler is disabled and records nothing; the app runs as usual.`;
  }
  return resolved;
}
