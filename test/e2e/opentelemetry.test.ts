/**
 * The OpenTelemetry bridge (SPEC §8), with the real `@opentelemetry/api` and its AsyncLocalStorage
 * context manager: first with no API registered (as when the package is absent), then with a span
 * active around a root run, a traced call, `propagationHeaders` and a continued trace.
 */

import { RunnableLambda } from "@langchain/core/runnables";
import { context, type Span, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { describe, expect, it } from "vitest";
import { propagationHeaders } from "../../src/index.js";
import { byName, useCollector } from "../helpers/setup.js";

const hh = useCollector();
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

function withSpan<R>(fn: () => R): R {
  const span: Span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
  return context.with(trace.setSpan(context.active(), span), fn);
}

const chain = () => RunnableLambda.from((x: number) => x + 1).withConfig({ runName: "root-chain" });

describe("OpenTelemetry", () => {
  it("not registered (the package absent or unused): nothing recorded, nothing fails", async () => {
    const handler = hh.handler();
    await withSpan(() => chain().invoke(1, { callbacks: [handler] }));
    await handler.flush();
    expect(byName(hh.collector.events, "root-chain").metadata?.otel_trace_id).toBeUndefined();
  });

  it("a span active when a root run or traced call starts: its ids are in the event's metadata", async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const handler = hh.handler();
      let headers: Record<string, string> = {};
      const traced = handler.trace(
        async (x: number) => {
          headers = propagationHeaders();
          return x;
        },
        { name: "traced" },
      );
      await withSpan(async () => {
        await chain().invoke(1, { callbacks: [handler] });
        await traced(2);
      });
      // No span active: nothing recorded.
      await chain()
        .withConfig({ runName: "no-span" })
        .invoke(1, { callbacks: [handler] });
      await handler.flush();
      const { events } = hh.collector;
      for (const name of ["root-chain", "traced"]) {
        expect(byName(events, name).metadata).toMatchObject({
          otel_trace_id: TRACE_ID,
          otel_span_id: SPAN_ID,
        });
      }
      expect(byName(events, "no-span").metadata?.otel_trace_id).toBeUndefined();
      // The APM trace continues in the called service: the span's trace and span ids.
      expect(headers.traceparent).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
      expect(headers.baggage).toContain(`parent_id=${byName(events, "traced").event_id}`);
    } finally {
      context.disable();
    }
  });

  it("continueTrace keeps the incoming W3C trace id: recorded, and passed on", async () => {
    const b = hh.handler({ source: "service-b" });
    const sessionId = "0b7c7a52-4a47-4c5e-9a57-3f0f7d7b8e01";
    let onward: Record<string, string> = {};
    const step = b.trace(
      () => {
        onward = propagationHeaders();
        return "done";
      },
      { name: "step" },
    );
    await b.continueTrace(
      { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, baggage: `session_id=${sessionId}` },
      async () => {
        step();
        await chain().invoke(1, { callbacks: [b] });
      },
    );
    // Only a traceparent: the run is a root of its own session, joined to the APM trace by its id.
    await b.continueTrace({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }, () =>
      chain()
        .withConfig({ runName: "own-session" })
        .invoke(1, { callbacks: [b] }),
    );
    await b.flush();
    const { events } = hh.collector;
    expect(byName(events, "step").metadata?.otel_trace_id).toBe(TRACE_ID);
    expect(byName(events, "root-chain").metadata?.otel_trace_id).toBe(TRACE_ID);
    expect(onward.traceparent?.slice(0, 36)).toBe(`00-${TRACE_ID}-`);
    expect(onward.baggage).toBe(`session_id=${sessionId},parent_id=${byName(events, "step").event_id}`);
    const own = byName(events, "own-session");
    expect(own.metadata?.otel_trace_id).toBe(TRACE_ID);
    expect(own.parent_id).toBe(own.session_id);
    expect(own.session_id).not.toBe(sessionId);
  });
});
