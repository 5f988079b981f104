/**
 * The part every provider fake shares: a node:http server on 127.0.0.1 that answers each request
 * with the next scripted reply and records what it received, so a test can assert what the real
 * provider package sent. The wire formats (JSON, SSE, NDJSON) are written by the per-provider
 * files beside this one.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";

export interface ReceivedProviderRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The JSON body as sent (undefined when there was none). */
  body: Record<string, unknown> | undefined;
}

/**
 * One answer: a status and headers, then the body as one string or as pieces written one after
 * another, each after a turn of the event loop (how a streamed answer reaches the client).
 */
export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  body: string | string[];
  /** A pause after the first piece: a provider's opening event arrives well before the first token. */
  pauseAfterFirstMs?: number;
}

/** A reply, or a function that writes one from what the package sent (e.g. `stream_options`). */
export type Scripted = FakeReply | ((request: ReceivedProviderRequest) => FakeReply);

export interface FakeProviderServer {
  readonly url: string;
  readonly requests: ReceivedProviderRequest[];
  /** Queue the replies of the next requests, in order. */
  reply(...replies: Scripted[]): void;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function startFakeProvider(): Promise<FakeProviderServer> {
  const requests: ReceivedProviderRequest[] = [];
  const queue: Scripted[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const received: ReceivedProviderRequest = {
      method: req.method ?? "",
      path: (req.url ?? "").split("?")[0] ?? "",
      headers: req.headers,
      body: await readJson(req),
    };
    requests.push(received);
    const next = queue.shift();
    if (!next) {
      // A request the test did not script: fail loudly in the package, not silently.
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no scripted reply for ${received.path}` } }));
      return;
    }
    const reply = typeof next === "function" ? next(received) : next;
    res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
    if (typeof reply.body === "string") {
      res.end(reply.body);
      return;
    }
    for (const [i, piece] of reply.body.entries()) {
      res.write(piece);
      await tick();
      if (i === 0 && reply.pauseAfterFirstMs)
        await new Promise((r) => setTimeout(r, reply.pauseAfterFirstMs));
    }
    res.end();
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

/** Server-sent events as OpenAI-style APIs write them: one `data:` line per JSON chunk, then `[DONE]`. */
export function sse(chunks: unknown[]): FakeReply {
  return {
    headers: { "content-type": "text/event-stream" },
    body: [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), "data: [DONE]\n\n"],
  };
}

export function json(body: unknown, status = 200): FakeReply {
  return { status, body: JSON.stringify(body) };
}
