/**
 * A HoneyHive-compatible collector: a real HTTP server implementing the Data Plane endpoints the
 * handler uses, validating bodies as strictly as the OpenAPI contract. Used by the demo, the
 * tests, and anyone who wants to see traces offline — in the terminal (the CLI prints each session)
 * or in the browser (the trace viewer at its root URL, reading `GET /v1/sessions[/{id}]`).
 *
 * Authentication: every write needs a Bearer token (any value, like HoneyHive's format check).
 * Reads need none when the collector listens on loopback and the request names a loopback host —
 * so the viewer page works without a key, while a web page elsewhere that points a DNS name at
 * 127.0.0.1 (DNS rebinding) still cannot read traces. Bound to any other interface, reads need the
 * token too.
 *
 * Fault injection (`faults`) lets tests make it misbehave the way real networks and servers do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { z } from "zod";
import {
  describeIssues,
  PostEventBatchRequest,
  PostEventRequest,
  StartSessionRequest,
  UpdateEventRequest,
} from "../wire/contract.js";
import { findDuplicateKey } from "./duplicate-keys.js";
import {
  CollectorStore,
  type SessionSummary,
  type SessionTree,
  type StoredEvent,
  type StoredSession,
} from "./store.js";
import { readViewerFile, VIEWER_HEADERS, viewerFileFor } from "./viewer-assets.js";

const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** How long a `?after=` read waits for a change before answering with the same data. */
const LONG_POLL_MS = 20_000;

export interface ReceivedRequest {
  method: string;
  path: string;
  status: number;
  bytes: number;
  /** When the request arrived (Unix ms). */
  at: number;
  /** The parsed body (undefined when it was not JSON). */
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
  /** Every session's aggregates (as `GET /v1/sessions` answers), newest first. */
  sessionSummaries(): SessionSummary[];
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
  const json = JSON.stringify(body);
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

/** The Host header names this machine's loopback (`localhost`, `127.x.x.x`, `[::1]`), any port. */
function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d*$/, "");
  const lower = name.toLowerCase();
  return lower === "localhost" || lower.endsWith(".localhost") || isLoopbackAddress(lower);
}

function validate<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new HttpError(400, describeIssues(parsed.error));
  return parsed.data;
}

export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  const store = new CollectorStore();
  const requests: ReceivedRequest[] = [];
  const attempts = new Map<string, number>();
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

  const route = (method: string, path: string, body: unknown): { status: number; body: unknown } => {
    if (method === "POST" && path === "/v1/events") {
      const event = store.receive(validate(PostEventRequest, body));
      touchSession(event.session_id);
      return { status: 200, body: { success: true, event_id: event.event_id } };
    }
    if (method === "POST" && path === "/v1/events/batch") {
      const batch = validate(PostEventBatchRequest, body);
      const stored = batch.events.map((e) => store.receive(e));
      for (const e of stored) touchSession(e.session_id);
      return { status: 200, body: { success: true, event_ids: stored.map((e) => e.event_id) } };
    }
    if (method === "POST" && path === "/v1/sessions") {
      const session = store.startSession(validate(StartSessionRequest, body));
      touchSession(session.session_id);
      const { updates: _updates, ...fields } = session;
      return { status: 200, body: { ...fields, event_id: session.session_id, event_type: "session" } };
    }
    const put = /^\/v1\/events\/([^/]+)$/.exec(path);
    if (method === "PUT" && put?.[1]) {
      const id = decodeSegment(put[1]);
      const update = validate(UpdateEventRequest, body);
      if (!store.update(id, update)) throw new HttpError(404, `event ${id} not found`);
      touchSession(store.sessions.has(id) ? id : store.events.get(id)?.session_id);
      return { status: 200, body: { success: true } };
    }
    if (method === "GET" && path === "/v1/sessions") {
      return { status: 200, body: { version: store.version, sessions: store.summaries() } };
    }
    const get = /^\/v1\/sessions\/([^/]+)$/.exec(path);
    if (method === "GET" && get?.[1]) {
      const id = decodeSegment(get[1]);
      const tree = store.tree(id);
      if (!tree.session && tree.events.length === 0) throw new HttpError(404, `session ${id} not found`);
      return { status: 200, body: { version: store.version, ...tree } };
    }
    throw new HttpError(404, `no route for ${method} ${path}`);
  };

  const server = createServer(async (req, res) => {
    const method = req.method ?? "GET";
    const [path = "/", query = ""] = (req.url ?? "/").split("?");
    let body: unknown;
    let bytes = 0;
    const at = Date.now();
    const record = (status: number): void => {
      requests.push({ method, path, status, bytes, at, body });
    };
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
        // that writes a key twice has a bug to see, not a body to accept.
        const duplicate = findDuplicateKey(text);
        if (duplicate) throw new HttpError(400, duplicate.message);
      }
      // What a retry of the same request repeats: its event or session id (a batch: its first item's).
      const b = body as
        | { event_id?: string; session_id?: string; events?: { event_id?: string }[] }
        | undefined;
      const key = `${method} ${path} ${b?.event_id ?? b?.session_id ?? b?.events?.[0]?.event_id ?? ""}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const fault = faults?.({ method, path, body, attempt });
      if (fault && "reset" in fault) {
        record(0);
        req.socket.destroy();
        return;
      }
      if (fault && "delayMs" in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault && "status" in fault) {
        if (fault.afterStore) route(method, path, body);
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
        // Static files hold no trace data: served to anyone who can reach the port.
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
      const keylessRead = method === "GET" && loopback && isLoopbackHost(req.headers.host);
      if (!keylessRead && !/^Bearer \S+/.test(req.headers.authorization ?? "")) {
        throw new HttpError(401, "missing or malformed Authorization: Bearer <api key>");
      }
      // `?after=<version>` on a read: answer once something changed since that version (or after a
      // while with the same data), so the viewer is live without polling every second.
      const after = method === "GET" ? /(?:^|&)after=(\d{1,15})(?:&|$)/.exec(query)?.[1] : undefined;
      if (after !== undefined && path.startsWith("/v1/sessions")) {
        await store.waitForChange(Number(after), LONG_POLL_MS);
        if (res.destroyed) return;
      }
      const result = route(method, path, body);
      record(result.status);
      if (!res.destroyed) send(res, result.status, result.body);
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
      attempts.clear();
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
