/** The model events the collector received, in the order the runs started. */
import type { StoredEvent } from "../../../src/collector/index.js";
import type { CollectorFixture } from "../setup.js";

export function modelEvents(hh: CollectorFixture): StoredEvent[] {
  return hh.collector.events
    .filter((e) => e.event_type === "model")
    .sort((a, b) => (a.start_time as number) - (b.start_time as number));
}
