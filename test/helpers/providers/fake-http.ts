/**
 * The common part of the provider fakes: a node:http server on 127.0.0.1 (port 0) that records
 * every request and answers each with the next scripted reply. The wire modules beside this one
 * (anthropic.ts, gemini.ts, bedrock.ts) write the replies in their provider's format.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The body parsed as JSON, else the raw text. */
  body: unknown;
  /** Streamed replies: when (Unix ms) each event (by its label) was written, to place time to first token. */
  sent: { at: number; event: string }[];
}

/** One scripted answer: writes the whole response (status, headers, body or stream). */
export type Reply = (res: ServerResponse, req: ReceivedRequest) => void | Promise<void>;

export interface FakeServer {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Queues replies, answered in order; a request with none left gets a 500. */
  reply(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startFake(): Promise<FakeServer> {
  const requests: ReceivedRequest[] = [];
  const queue: Reply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: kept as text.
      }
      const received: ReceivedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
        sent: [],
      };
      requests.push(received);
      const next = queue.shift();
      if (!next) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `fake: no reply scripted for ${received.method} ${received.path}` }));
        return;
      }
      Promise.resolve(next(res, received)).catch((e: unknown) => {
        res.destroy(e instanceof Error ? e : new Error(String(e)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply: (...replies) => queue.push(...replies),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Server-sent events, one write per event with `gapMs` between them, so a test can tell the
 * first event from the first content (time to first token).
 */
export function sse(events: { event?: string; label?: string; data: unknown }[], gapMs = 0): Reply {
  return async (res, req) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    for (const e of events) {
      const data = typeof e.data === "string" ? e.data : JSON.stringify(e.data);
      req.sent.push({ at: Date.now(), event: e.label ?? e.event ?? data.slice(0, 40) });
      res.write(`${e.event ? `event: ${e.event}\n` : ""}data: ${data}\n\n`);
      if (gapMs) await sleep(gapMs);
    }
    res.end();
  };
}
