/**
 * A HoneyHive-compatible collector: a real HTTP server implementing the Data Plane endpoints the
 * handler uses, validating bodies as strictly as the OpenAPI contract. Used by the demo, the
 * tests, and anyone who wants to see traces offline — in the terminal (the CLI prints each session)
 * or in the browser (the trace viewer at its root URL, reading `GET /v1/sessions[/{id}]`).
 *
 * Authentication. Reads (GET: the viewer's page and API) need no key when the collector listens on
 * loopback and the request's Host header is a loopback literal (`127.x.y.z`, `[::1]`) or
 * `localhost`, with an optional port — so the viewer works without a key, while a web page whose
 * DNS name was pointed at 127.0.0.1 (DNS rebinding: same-origin for the browser, so it can send any
 * header) names its own host and is refused. Everything else needs the collector's key as
 * `Authorization: Bearer <key>`: `key` (the CLI makes one up and prints it, or takes `--key`).
 * Embedded without a `key` (tests, the examples) any Bearer token is accepted, but only with a
 * loopback Host. A refused request is answered 401 before its body is read.
 *
 * Memory: request bodies are bounded (5 MB each), and the store and the request log keep at most
 * `maxBytes` of them (oldest sessions evicted first); nesting is bounded at ingest (512 levels) and
 * every walk over a session's tree is iterative, so a deep `parent_id` chain cannot overflow the stack.
 *
 * Fault injection (`faults`) lets tests make it misbehave the way real networks and servers do.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, isIPv4, isIPv6 } from "node:net";
import type { z } from "zod";
import {
  describeIssues,
  PostEventBatchRequest,
  PostEventRequest,
  StartSessionRequest,
  UpdateEventRequest,
} from "../wire/contract.js";
import { scanJson } from "./duplicate-keys.js";
import {
  CollectorStore,
  type SessionSummary,
  type SessionTree,
  type StoredEvent,
  type StoredSession,
  type TreeNode,
} from "./store.js";
import { readViewerFile, VIEWER_HEADERS, viewerFileFor } from "./viewer-assets.js";

const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Deepest nesting accepted in a body (HoneyHive's handler sends at most 24 levels of values). */
export const MAX_NESTING = 512;
/** `GET /v1/sessions` page size: the default and the most one request may ask for. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
/** Counted per request in the request log besides its body (method, path, status…). */
const LOG_ENTRY_OVERHEAD = 200;
/** Retry keys remembered per generation (see `attemptOf`). */
const ATTEMPT_KEYS = 10_000;
/** How long a `?after=` read waits for a change before answering with the same data. */
const LONG_POLL_MS = 20_000;

export interface ReceivedRequest {
  method: string;
  path: string;
  status: number;
  bytes: number;
  /** When the request arrived (Unix ms). */
  at: number;
  /**
   * The parsed body (undefined when it was not JSON, or not read: a refused request's never is).
   * The same objects the store keeps, not a copy.
   */
  body: unknown;
}

/**
 * What a fault plan tells the collector to do with one request instead of handling it. With
 * `afterStore`, the request is handled (stored) first and then answered with the fault status — a
 * server that did the work but failed to say so (HoneyHive documents this for batch 500s).
 */
export type FaultAction =
  | {
      status: number;
      body?: unknown;
      headers?: Record<string, string>;
      afterStore?: boolean;
      delayMs?: number;
    }
  | { reset: true }
  | { delayMs: number };

export type FaultPlan = (request: {
  method: string;
  path: string;
  body: unknown;
  attempt: number;
}) => FaultAction | undefined;

export interface CollectorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Called with a session's id a little after its last request (so the CLI can print it whole). */
  onSessionSettled?: (sessionId: string) => void;
  /** Quiet period before `onSessionSettled`, ms. Default 250. */
  settleMs?: number;
  /**
   * The key writes (and reads not from a loopback Host) must send as `Authorization: Bearer <key>`.
   * Without one, any Bearer token is accepted, but only from a loopback Host (tests, examples).
   */
  key?: string;
  /**
   * Bytes of request bodies kept (store and request log each), default 256 MB: past it the oldest
   * sessions are forgotten.
   */
  maxBytes?: number;
}

export interface Collector {
  /** Base URL to pass as `serverUrl`, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  readonly port: number;
  /** Every event stored (one per event_id). */
  readonly events: StoredEvent[];
  readonly sessions: StoredSession[];
  /** Every request received, in order, with the status it was answered with. */
  readonly requests: ReceivedRequest[];
  /** Event ids received more than once, with the number of repeats. */
  readonly duplicates: Map<string, number>;
  sessionTree(sessionId: string): SessionTree;
  /** Every session's aggregates (as `GET /v1/sessions` pages them), newest first. */
  sessionSummaries(): SessionSummary[];
  /** Sessions forgotten to stay under `maxBytes`. */
  readonly evicted: number;
  /** Whether reads (the viewer's API) work without a key: true when listening on loopback. */
  readonly keylessReads: boolean;
  /** The trace viewer's address (the root URL); deep link a session with `viewerUrl(id)`. */
  viewerUrl(sessionId?: string, eventId?: string): string;
  /** Replaces the fault plan (undefined: behave). */
  setFaults(plan: FaultPlan | undefined): void;
  /** Forgets everything received. */
  reset(): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, JSON.stringify(body), headers);
}

function sendJson(
  res: ServerResponse,
  status: number,
  json: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(json);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** A path segment, decoded; malformed percent-encoding is the client's mistake (400), not ours. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `malformed percent-encoding in path segment "${segment.slice(0, 100)}"`);
  }
}

function isLoopbackAddress(address: string): boolean {
  return /^127\./.test(address) || address === "::1" || /^::ffff:127\./i.test(address);
}

/**
 * Whether a Host header names this machine's loopback: exactly `localhost`, a dotted-quad
 * `127.x.y.z` or `[::1]` (any spelling of it), each with an optional decimal port. Parsed whole:
 * `127.0.0.1.evil.example` and `localhost.evil.example` are DNS names anyone can point anywhere.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  let name: string;
  let port: string;
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close < 0) return false;
    name = host.slice(1, close);
    port = host.slice(close + 1);
    if (!isIPv6(name)) return false;
  } else {
    const colon = host.indexOf(":");
    name = colon < 0 ? host : host.slice(0, colon);
    port = colon < 0 ? "" : host.slice(colon);
  }
  if (port !== "" && !/^:\d{1,5}$/.test(port)) return false;
  if (name.toLowerCase() === "localhost") return true;
  if (isIPv4(name)) return name.startsWith("127.");
  if (!isIPv6(name)) return false;
  // `[::1]` however written (`[0:0:0:0:0:0:0:1]`), and IPv4-mapped loopback (`[::ffff:127.0.0.1]`).
  const canonical = new URL(`http://[${name}]/`).hostname;
  return canonical === "[::1]" || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

function validate<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new HttpError(400, describeIssues(parsed.error));
  return parsed.data;
}

/**
 * The tree endpoint's JSON, written without recursion: a `parent_id` chain thousands deep nests
 * `roots` as deep, past what `JSON.stringify` can walk. Each event is stringified on its own (ingest
 * bounds its nesting); `JSON.parse` on the other side is iterative.
 */
function treeJson(body: Record<string, unknown> & { roots: TreeNode[] }): string {
  const { roots, ...rest } = body;
  const head = JSON.stringify(rest);
  const parts: string[] = [head.slice(0, -1), head.length > 2 ? ',"roots":[' : '"roots":['];
  // Each frame: the siblings being written and the next one's index.
  const stack: { nodes: TreeNode[]; next: number }[] = [{ nodes: roots, next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as { nodes: TreeNode[]; next: number };
    if (frame.next >= frame.nodes.length) {
      stack.pop();
      parts.push(stack.length > 0 ? "]}" : "]");
      continue;
    }
    const node = frame.nodes[frame.next] as TreeNode;
    parts.push(`${frame.next > 0 ? "," : ""}{"event":${JSON.stringify(node.event)},"children":[`);
    frame.next++;
    stack.push({ nodes: node.children, next: 0 });
  }
  parts.push("}");
  return parts.join("");
}

export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  const store = new CollectorStore({ maxBytes: options.maxBytes });
  const maxLogBytes = store.maxBytes;
  const requests: ReceivedRequest[] = [];
  let logBytes = 0;
  // Only a retry soon after its first attempt needs its count, so old keys are forgotten: two
  // generations of at most ATTEMPT_KEYS each (not util/generational-map, which would make tsup
  // split a chunk shared with the handler's entry).
  let attempts = new Map<string, number>();
  let olderAttempts = new Map<string, number>();
  const attemptOf = (key: string): number => {
    const attempt = (attempts.get(key) ?? olderAttempts.get(key) ?? 0) + 1;
    if (attempts.size >= ATTEMPT_KEYS) {
      olderAttempts = attempts;
      attempts = new Map();
    }
    attempts.set(key, attempt);
    return attempt;
  };
  const keyDigest = options.key === undefined ? undefined : digest(options.key);
  const settleTimers = new Map<string, NodeJS.Timeout>();
  let faults: FaultPlan | undefined;
  /** Set once listening: whether the bound address is loopback (keyless reads allowed). */
  let loopback = false;

  const touchSession = (sessionId: string | undefined): void => {
    if (!sessionId || !options.onSessionSettled) return;
    clearTimeout(settleTimers.get(sessionId));
    const timer = setTimeout(() => {
      settleTimers.delete(sessionId);
      options.onSessionSettled?.(sessionId);
    }, options.settleMs ?? 250);
    timer.unref();
    settleTimers.set(sessionId, timer);
  };

  /** Counts a stored body against its sessions (a batch's bytes shared by its items) and evicts. */
  const account = (sessionIds: (string | undefined)[], bytes: number): void => {
    const known = sessionIds.filter((id): id is string => id !== undefined);
    for (const id of known) store.account(id, bytes / known.length);
    store.evictOverBound(new Set(known));
  };

  const route = (
    method: string,
    path: string,
    query: string,
    body: unknown,
    bytes: number,
  ): { status: number; body: unknown; json?: string } => {
    if (method === "POST" && path === "/v1/events") {
      const event = store.receive(validate(PostEventRequest, body));
      touchSession(event.session_id);
      account([event.session_id], bytes);
      return { status: 200, body: { success: true, event_id: event.event_id } };
    }
    if (method === "POST" && path === "/v1/events/batch") {
      const batch = validate(PostEventBatchRequest, body);
      const stored = batch.events.map((e) => store.receive(e));
      for (const e of stored) touchSession(e.session_id);
      account(
        stored.map((e) => e.session_id),
        bytes,
      );
      return { status: 200, body: { success: true, event_ids: stored.map((e) => e.event_id) } };
    }
    if (method === "POST" && path === "/v1/sessions") {
      const session = store.startSession(validate(StartSessionRequest, body));
      touchSession(session.session_id);
      account([session.session_id], bytes);
      const { updates: _updates, ...fields } = session;
      return { status: 200, body: { ...fields, event_id: session.session_id, event_type: "session" } };
    }
    const put = /^\/v1\/events\/([^/]+)$/.exec(path);
    if (method === "PUT" && put?.[1]) {
      const id = decodeSegment(put[1]);
      const update = validate(UpdateEventRequest, body);
      if (!store.update(id, update)) throw new HttpError(404, `event ${id} not found`);
      const sessionId = store.sessions.has(id) ? id : store.events.get(id)?.session_id;
      touchSession(sessionId);
      account([sessionId], bytes);
      return { status: 200, body: { success: true } };
    }
    if (method === "GET" && path === "/v1/sessions") {
      const params = new URLSearchParams(query);
      const limitText = params.get("limit");
      const limit = limitText === null ? DEFAULT_PAGE : /^\d{1,4}$/.test(limitText) ? Number(limitText) : 0;
      if (limit < 1 || limit > MAX_PAGE) {
        throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_PAGE}, got ${limitText}`);
      }
      let page: ReturnType<CollectorStore["page"]>;
      try {
        page = store.page(limit, params.get("cursor") ?? undefined);
      } catch (error) {
        if (error instanceof RangeError) throw new HttpError(400, error.message);
        throw error;
      }
      return {
        status: 200,
        body: {
          version: store.version,
          sessions: page.sessions,
          next_cursor: page.next_cursor ?? null,
          total: page.total,
          evicted: store.evicted,
          max_bytes: store.maxBytes,
        },
      };
    }
    const get = /^\/v1\/sessions\/([^/]+)$/.exec(path);
    if (method === "GET" && get?.[1]) {
      const id = decodeSegment(get[1]);
      const tree = store.tree(id);
      if (!tree.session && tree.events.length === 0) throw new HttpError(404, `session ${id} not found`);
      const body = { version: store.version, ...tree };
      return { status: 200, body, json: treeJson(body) };
    }
    throw new HttpError(404, `no route for ${method} ${path}`);
  };

  /**
   * Whether a request may be handled: a keyless read from a loopback Host (on a loopback-bound
   * collector), or the collector's key — or, embedded without a key, any Bearer token from a
   * loopback Host. A key that is sent must be right: a wrong one is refused, not ignored.
   */
  const authorized = (req: IncomingMessage, method: string): boolean => {
    const loopbackHost = isLoopbackHost(req.headers.host);
    const authorization = req.headers.authorization;
    if (authorization === undefined) return method === "GET" && loopback && loopbackHost;
    const token = /^Bearer (\S+)$/.exec(authorization)?.[1];
    if (token === undefined) return false;
    if (keyDigest === undefined) return loopbackHost;
    return timingSafeEqual(digest(token), keyDigest);
  };

  const log = (entry: ReceivedRequest): void => {
    requests.push(entry);
    logBytes += entry.bytes + LOG_ENTRY_OVERHEAD;
    if (logBytes <= maxLogBytes) return;
    // Drop the oldest entries down to 90% of the bound: one splice per tenth of it.
    let drop = 0;
    while (drop < requests.length - 1 && logBytes > maxLogBytes * 0.9) {
      logBytes -= (requests[drop] as ReceivedRequest).bytes + LOG_ENTRY_OVERHEAD;
      drop++;
    }
    requests.splice(0, drop);
  };

  const server = createServer(async (req, res) => {
    const method = req.method ?? "GET";
    const [path = "/", query = ""] = (req.url ?? "/").split("?");
    let body: unknown;
    let bytes = 0;
    const at = Date.now();
    const record = (status: number): void => {
      log({ method, path, status, bytes, at, body });
    };
    if (!authorized(req, method)) {
      // Answered before the body is read: a refused request costs no memory, whatever it sends.
      record(401);
      send(
        res,
        401,
        { success: false, message: "missing or wrong Authorization: Bearer <the collector's key>" },
        { connection: "close" },
      );
      // Let the rest of the body go by unread (discarded as it arrives); past the size bound, hang up.
      let drained = 0;
      req.on("data", (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > MAX_BODY_BYTES) req.socket.destroy();
      });
      return;
    }
    try {
      const raw = await readBody(req);
      bytes = raw.length;
      if (raw.length) {
        const text = raw.toString("utf8");
        try {
          body = JSON.parse(text);
        } catch {
          throw new HttpError(400, "body is not valid JSON");
        }
        // JSON.parse keeps the last of two equal keys; HoneyHive's parser need not, so a client
        // that writes a key twice has a bug to see, not a body to accept. The same pass measures
        // the nesting: deeper than any trace needs is refused, so nothing later walks it.
        const scan = scanJson(text);
        if (scan.duplicate) throw new HttpError(400, scan.duplicate.message);
        if (scan.maxDepth > MAX_NESTING) {
          throw new HttpError(
            400,
            `body nests ${scan.maxDepth} levels deep; the collector accepts at most ${MAX_NESTING}`,
          );
        }
      }
      // What a retry of the same request repeats: its event or session id (a batch: its first item's).
      const b = body as
        | { event_id?: string; session_id?: string; events?: { event_id?: string }[] }
        | undefined;
      const key = `${method} ${path} ${b?.event_id ?? b?.session_id ?? b?.events?.[0]?.event_id ?? ""}`;
      const attempt = attemptOf(key);
      const fault = faults?.({ method, path, body, attempt });
      if (fault && "reset" in fault) {
        record(0);
        req.socket.destroy();
        return;
      }
      if (fault && "delayMs" in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault && "status" in fault) {
        if (fault.afterStore) route(method, path, query, body, bytes);
        record(fault.status);
        send(
          res,
          fault.status,
          fault.body ?? { success: false, message: `injected ${fault.status}` },
          fault.headers,
        );
        return;
      }
      const page = method === "GET" ? viewerFileFor(path) : undefined;
      if (page) {
        const session = /^\/sessions\/([^/]+)$/.exec(path)?.[1];
        if (session) decodeSegment(session);
        const content = await readViewerFile(page.file);
        record(200);
        res.writeHead(200, {
          "content-type": page.type,
          "content-length": content.length,
          ...VIEWER_HEADERS,
        });
        res.end(content);
        return;
      }
      // `?after=<version>` on a read: answer once something changed since that version (or after a
      // while with the same data), so the viewer is live without polling every second.
      const after = method === "GET" ? /(?:^|&)after=(\d{1,15})(?:&|$)/.exec(query)?.[1] : undefined;
      if (after !== undefined && path.startsWith("/v1/sessions")) {
        await store.waitForChange(Number(after), LONG_POLL_MS);
        if (res.destroyed) return;
      }
      const result = route(method, path, query, body, bytes);
      record(result.status);
      if (!res.destroyed) sendJson(res, result.status, result.json ?? JSON.stringify(result.body));
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      record(status);
      if (!res.headersSent && !res.destroyed) send(res, status, { success: false, message });
    }
  });
  // Keep-alive like a real API server, so the client's connection reuse is exercised.
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  loopback = isLoopbackAddress(address.address);
  const url = `http://${host}:${address.port}`;

  return {
    url,
    port: address.port,
    keylessReads: loopback,
    get events() {
      return [...store.events.values()];
    },
    get sessions() {
      return [...store.sessions.values()];
    },
    requests,
    get evicted() {
      return store.evicted;
    },
    duplicates: store.duplicates,
    sessionTree: (id) => store.tree(id),
    sessionSummaries: () => store.summaries(),
    viewerUrl: (sessionId, eventId) =>
      sessionId === undefined
        ? `${url}/`
        : `${url}/sessions/${encodeURIComponent(sessionId)}${eventId ? `#event=${encodeURIComponent(eventId)}` : ""}`,
    setFaults: (plan) => {
      faults = plan;
    },
    reset: () => {
      store.clear();
      requests.length = 0;
      logBytes = 0;
      attempts = new Map();
      olderAttempts = new Map();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of settleTimers.values()) clearTimeout(t);
        store.wakeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
