/**
 * Delivery throughput in a fresh process: the handler's transport (queue → prepare → exporter →
 * undici pool) against raw undici posting the same bodies with the same concurrency.
 */
import { Pool } from "undici";
import { createDelivery } from "../src/delivery/delivery.js";

const [mode, sinkUrl, countArg, concurrencyArg] = process.argv.slice(2);
const count = Number(countArg ?? 20_000);
const concurrency = Number(concurrencyArg ?? 8);
const sessionId = "5f0c2a9e-1b7d-4c3e-8a6f-9d2e1c0b7a65";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A realistic model event (~1.2 KB of JSON). */
function eventBody(i: number): Record<string, unknown> {
  return {
    event_id: `0193${String(i).padStart(4, "0")}-0000-7000-8000-000000000000`,
    session_id: sessionId,
    parent_id: sessionId,
    event_type: "model",
    event_name: "ChatOpenAI",
    source: "langchain",
    children_ids: [],
    start_time: 1_764_000_000_000 + i,
    end_time: 1_764_000_000_250 + i,
    duration: 250,
    inputs: {
      chat_history: [
        { role: "system", content: "You are a helpful assistant that answers briefly." },
        {
          role: "user",
          content: `Question number ${i}: what is the capital of France, and why is it famous?`,
        },
      ],
    },
    outputs: {
      role: "assistant",
      content: "Paris. It is known for art, fashion, food and the Eiffel Tower.",
    },
    config: { model: "gpt-4o-mini", provider: "openai", temperature: 0.2, max_tokens: 256 },
    error: null,
    metadata: {
      prompt_tokens: 42,
      completion_tokens: 18,
      total_tokens: 60,
      finish_reason: "stop",
      ls_provider: "openai",
    },
  };
}

const bodies = Array.from({ length: count }, (_, i) => eventBody(i));

async function measure(bodies: Record<string, unknown>[]): Promise<{ ms: number; sent: number }> {
  const t0 = performance.now();
  if (mode === "transport") return { ...(await viaTransport(bodies)), ms: performance.now() - t0 };
  return { ...(await viaRawUndici(bodies)), ms: performance.now() - t0 };
}

async function viaTransport(bodies: Record<string, unknown>[]): Promise<{ sent: number }> {
  const delivery = createDelivery({
    serverUrl: sinkUrl as string,
    apiKey: "bench",
    concurrency,
    requestTimeoutMs: 30_000,
    maxRetries: 3,
    retryBudgetMs: 30_000,
    flushTimeoutMs: 120_000,
    batchSize: 100,
    maxRequestBytes: 4_500_000,
    maxQueueBytes: 1024 * 1024 * 1024,
    verbose: false,
    logger: quiet,
    onError: () => {},
    redact: (t) => t,
  });
  const { pipeline } = delivery;
  // The session belongs to the app (as with parentEventId): only events go out, as on the raw side.
  const root = pipeline.beginRoot(
    {
      sessionId,
      shared: true,
      managed: false,
      session: { sessionId, sessionName: "", source: '""', startTime: 0, inputs: "{}", metadata: "{}" },
    },
    0,
  );
  if (!root) throw new Error("root refused");
  for (const [i, body] of bodies.entries()) {
    const json = JSON.stringify(body);
    pipeline.event(root, String(i), json, json.length);
  }
  const result = await delivery.shutdown(120_000);
  return { sent: result.sent };
}

async function viaRawUndici(bodies: Record<string, unknown>[]): Promise<{ sent: number }> {
  const url = new URL(sinkUrl as string);
  const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
  const payloads = bodies.map((b) => JSON.stringify(b));
  let next = 0;
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (next < payloads.length) {
      const body = payloads[next++];
      const res = await pool.request({
        method: "POST",
        path: "/v1/events",
        headers: { authorization: "Bearer bench", "content-type": "application/json" },
        body,
      });
      await res.body.text();
      if (res.statusCode === 200) sent++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
  return { sent };
}

// A warm-up pass first, so both sides are measured with their code optimized by the JIT.
await measure(bodies.slice(0, Math.min(2000, count)));
const { ms, sent } = await measure(bodies);
process.stdout.write(`${JSON.stringify({ mode, count, ms, eventsPerSec: (sent / ms) * 1000, sent })}\n`);
process.exit(0);
