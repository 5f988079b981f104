/** What the provider tests read from the collector, and the time-to-first-token check. */
import { expect } from "vitest";
import type { StoredEvent } from "../../../src/collector/index.js";
import type { CollectorFixture } from "../setup.js";
import type { ReceivedRequest } from "./fake-server.js";

/** The model events the collector received, in the order the runs started. */
export function modelEvents(hh: CollectorFixture): StoredEvent[] {
  return hh.collector.events
    .filter((e) => e.event_type === "model")
    .sort((a, b) => (a.start_time as number) - (b.start_time as number));
}

/**
 * Time to first token placed by the fake's clock: the first token is stamped no earlier than the
 * piece labelled `firstContent` was written (not at the provider's empty opening event, written a
 * pause earlier), and before the run ended. An order, not a duration: 3 ms of slack for the wall
 * clock's rounding against the handler's monotonic one.
 */
export function expectTtftAtFirstContent(
  event: { start_time?: number; end_time?: number; metrics?: Record<string, unknown> | null } | undefined,
  request: ReceivedRequest | undefined,
  firstContent: string,
): void {
  if (!event) throw new Error("no model event to place time to first token in");
  if (!request) throw new Error("the fake received no request");
  const ttft = event.metrics?.ttft_ms;
  expect(typeof ttft, "ttft_ms recorded").toBe("number");
  const written = request.sent.find((s) => s.event === firstContent);
  if (!written)
    throw new Error(`the fake never wrote ${firstContent}: ${request.sent.map((s) => s.event).join(", ")}`);
  const stamped = (event.start_time as number) + (ttft as number);
  expect(stamped).toBeGreaterThanOrEqual(written.at - 3);
  expect(stamped).toBeLessThanOrEqual((event.end_time as number) + 3);
}
