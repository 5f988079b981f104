/**
 * The part every provider fake shares: a node:http server on 127.0.0.1 (port 0) that records each
 * request (body parsed as JSON) and answers it with the next scripted reply, and the writers of the
 * body formats providers share (JSON, server-sent events, NDJSON). The `<provider>-wire.ts` files
 * beside this one write their provider's answers with these.
 *
 * A streamed reply is a list of pieces, each written on its own after a turn of the event loop (or
 * `gapMs`), and the time each was written is recorded on the request (`sent`), so a test can place
 * time to first token against the fake's clock. A request nothing was scripted for gets a 500 that
 * names it: the package under test fails loudly, never silently.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, beforeEach } from "vitest";

export interface ReceivedRequest {
  method: string;
  /** The path, without the query string. */
  path: string;
  /** The query string (Gemini streams with `alt=sse`). */
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  /** The body parsed as JSON; undefined when there was none or it was not JSON (then see `text`). */
  body: Record<string, unknown> | undefined;
  text: string;
  /** Streamed replies: when (Unix ms) each piece (by its label) was written. */
  sent: { at: number; event: string }[];
}

/** One piece of a streamed body: its bytes, and the label its write time is recorded under. */
export interface Piece {
  data: string | Uint8Array;
  label: string;
}

/** One answer: a status and headers, then the body whole or as pieces written one after another. */
export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  body: string | Piece[];
  /** A pause between any two pieces. */
  gapMs?: number;
  /** A pause after the first piece only: a provider's opening event arrives well before the first token. */
  pauseAfterFirstMs?: number;
}

/** A reply, or a function that writes one from what the package sent (e.g. `stream_options`). */
export type Scripted = FakeReply | ((request: ReceivedRequest) => FakeReply);

export interface FakeServer {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Queues the replies of the next requests, answered in order; a request with none left gets a 500. */
  reply(...replies: Scripted[]): void;
  /** Closes the server and destroys its open sockets (keep-alive ones included). */
  close(): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function receive(req: IncomingMessage): Promise<ReceivedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  let body: Record<string, unknown> | undefined;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    // Not JSON: the test reads `text`.
  }
  const url = new URL(req.url ?? "/", "http://fake");
  return {
    method: req.method ?? "",
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body,
    text,
    sent: [],
  };
}

export async function startFake(): Promise<FakeServer> {
  const requests: ReceivedRequest[] = [];
  const queue: Scripted[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    try {
      const received = await receive(req);
      requests.push(received);
      const next = queue.shift();
      if (!next) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            error: { message: `fake: no reply scripted for ${received.method} ${received.path}` },
          }),
        );
        return;
      }
      const reply = typeof next === "function" ? next(received) : next;
      res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
      if (typeof reply.body === "string") {
        res.end(reply.body);
        return;
      }
      for (const [i, piece] of reply.body.entries()) {
        received.sent.push({ at: Date.now(), event: piece.label });
        res.write(piece.data);
        if (reply.gapMs) await sleep(reply.gapMs);
        else await tick();
        if (i === 0 && reply.pauseAfterFirstMs) await sleep(reply.pauseAfterFirstMs);
      }
      res.end();
    } catch (e) {
      res.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (...replies) => {
      queue.push(...replies);
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The fake of a test file (or `describe`): started before its tests, its recorded requests cleared
 * before each test, closed after them. Usable as a `FakeServer` from inside the tests.
 */
export function useFake(): FakeServer {
  let server: FakeServer | undefined;
  const started = () => {
    if (!server) throw new Error("the fake provider is not started: use it inside a test");
    return server;
  };
  beforeAll(async () => {
    server = await startFake();
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    if (server) server.requests.length = 0;
  });
  return {
    get url() {
      return started().url;
    },
    get requests() {
      return started().requests;
    },
    reply: (...replies) => started().reply(...replies),
    close: () => started().close(),
  };
}

/** A JSON body (also an API error: `json({ error }, 429)`). */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): FakeReply {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/** A streamed event: its data (JSON unless a string), SSE `event:` name, and the label of its write time. */
export interface StreamEvent {
  data: unknown;
  event?: string;
  /** Defaults to the `event:` name, else the first 40 characters of the data. */
  label?: string;
}

const dataText = (data: unknown) => (typeof data === "string" ? data : JSON.stringify(data));
const labelOf = (e: StreamEvent) => e.label ?? e.event ?? dataText(e.data).slice(0, 40);

/**
 * Server-sent events, one write per event. `done` ends the stream with OpenAI's `data: [DONE]`
 * (OpenAI-style APIs); `gapMs` / `pauseAfterFirstMs` as in `FakeReply`.
 */
export function sse(
  events: StreamEvent[],
  options: { done?: boolean; gapMs?: number; pauseAfterFirstMs?: number } = {},
): FakeReply {
  const { done, ...timing } = options;
  const pieces = events.map((e) => ({
    label: labelOf(e),
    data: `${e.event ? `event: ${e.event}\n` : ""}data: ${dataText(e.data)}\n\n`,
  }));
  if (done) pieces.push({ label: "[DONE]", data: "data: [DONE]\n\n" });
  return {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    body: pieces,
    ...timing,
  };
}

/** Newline-delimited JSON (Ollama), one write per line. */
export function ndjson(
  lines: StreamEvent[],
  options: { gapMs?: number; pauseAfterFirstMs?: number } = {},
): FakeReply {
  return {
    headers: { "content-type": "application/x-ndjson" },
    body: lines.map((l) => ({ label: labelOf(l), data: `${dataText(l.data)}\n` })),
    ...options,
  };
}
