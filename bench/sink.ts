/**
 * The benchmark's loopback sink, run in its own process: accepts every HoneyHive request, counts
 * requests, bytes and events, answers 200 at once. Deliberately minimal (no validation) so the
 * figures measure the client, not the server. `GET /stats` returns the counters; `POST /reset`
 * zeroes them.
 */
import { createServer } from "node:http";

const stats = { requests: 0, bytes: 0, events: 0, sessions: 0, updates: 0 };

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
    return;
  }
  if (req.method === "POST" && req.url === "/reset") {
    Object.assign(stats, { requests: 0, bytes: 0, events: 0, sessions: 0, updates: 0 });
    res.writeHead(200).end("{}");
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    stats.requests++;
    stats.bytes += body.length;
    if (req.url === "/v1/events") stats.events++;
    else if (req.url === "/v1/events/batch") {
      // Count events without parsing the whole body: each event object carries one event_type.
      stats.events += body.toString("latin1").split('"event_type"').length - 1;
    } else if (req.url === "/v1/sessions") stats.sessions++;
    else if (req.method === "PUT") stats.updates++;
    res.writeHead(200, { "content-type": "application/json" }).end('{"success":true,"event_id":"x"}');
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
