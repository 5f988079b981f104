/**
 * Servers that misbehave in ways the collector's fault plans cannot: sending headers and then
 * dripping the body, accepting connections and never answering, and TLS with a certificate
 * nobody trusts. Loopback only.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Listening {
  url: string;
  close(): Promise<void>;
}

function listen(server: Server | NetServer, scheme: string, sockets: Set<Socket>): Promise<Listening> {
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `${scheme}://127.0.0.1:${port}`,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

/**
 * The first `dripping` requests get a 200 header and then one byte every 200 ms, forever; the
 * rest are answered at once. Every body it answered is kept (parsed).
 */
export async function drippingServer(
  dripping: number,
): Promise<Listening & { bodies: unknown[]; dripped: number }> {
  const bodies: unknown[] = [];
  const state = { dripped: 0 };
  const timers = new Set<ReturnType<typeof setInterval>>();
  const server = createHttpServer(async (req, res) => {
    const body = await readBody(req);
    if (state.dripped < dripping) {
      state.dripped++;
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000000" });
      res.write("{");
      const t = setInterval(() => res.write(" "), 200);
      timers.add(t);
      res.on("close", () => clearInterval(t));
      return;
    }
    bodies.push(JSON.parse(body));
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"success":true}');
  });
  const l = await listen(server, "http", new Set());
  return {
    ...l,
    bodies,
    get dripped() {
      return state.dripped;
    },
    close: async () => {
      for (const t of timers) clearInterval(t);
      await l.close();
    },
  };
}

/** Accepts TCP connections and never says anything. */
export function hangingServer(): Promise<Listening> {
  return listen(createNetServer(), "http", new Set());
}

/** HTTPS with a fresh self-signed certificate; counts the TCP connections it was offered. */
export async function selfSignedServer(): Promise<Listening & { connections: () => number }> {
  const dir = mkdtempSync(join(tmpdir(), "hh-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  let connections = 0;
  const server = createHttpsServer(
    { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
    (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"success":true}');
    },
  );
  server.on("connection", () => {
    connections++;
  });
  const l = await listen(server, "https", new Set());
  return { ...l, connections: () => connections };
}

/**
 * Answers the first `failing` requests with a 500 whose body is 50 MB (written as fast as the client
 * reads), the rest with 200; records how many bytes of each big body the client took.
 */
export async function hugeErrorServer(failing: number): Promise<Listening & { taken: number[]; ok: number }> {
  const state = { taken: [] as number[], ok: 0, failed: 0 };
  const chunk = Buffer.alloc(64 * 1024, "x");
  const server = createHttpServer(async (req, res) => {
    await readBody(req);
    if (state.failed >= failing) {
      state.ok++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"success":true}');
      return;
    }
    state.failed++;
    const index = state.taken.push(0) - 1;
    res.writeHead(500, { "content-type": "text/plain", "content-length": String(50 * 1024 * 1024) });
    let written = 0;
    const pump = (): void => {
      while (written < 50 * 1024 * 1024) {
        written += chunk.length;
        state.taken[index] = written;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.on("close", () => {
      state.taken[index] = Math.min(written, state.taken[index] ?? written);
    });
    pump();
  });
  const l = await listen(server, "http", new Set());
  return {
    ...l,
    get taken() {
      return state.taken;
    },
    get ok() {
      return state.ok;
    },
  };
}
