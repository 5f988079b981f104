/** Delivery's counters, in one object that every part of delivery counts into. */

export interface DeliveryStats {
  /** Items recorded and not yet handed to the network. */
  queued: number;
  /** Items being sent or waiting between retries. */
  inFlight: number;
  /** Items (events, sessions, updates) the server accepted. */
  sent: number;
  retried: number;
  failed: number;
  /** Events not recorded because their root was refused (over `maxQueueBytes`). */
  dropped: number;
  /** Roots (whole sessions or turns) refused because `maxQueueBytes` was reached. */
  droppedSessions: number;
}

export interface FlushResult extends DeliveryStats {
  /** True when the deadline passed before everything recorded so far was settled. */
  timedOut: boolean;
}

export class DeliveryCounters {
  /** Recorded and not yet handed to the network (a subset of the outstanding items). */
  queued = 0;
  sent = 0;
  retried = 0;
  failed = 0;
  dropped = 0;
  droppedSessions = 0;

  /** `outstanding`: items recorded and not yet settled. */
  stats(outstanding: number): DeliveryStats {
    return {
      queued: this.queued,
      inFlight: outstanding - this.queued,
      sent: this.sent,
      retried: this.retried,
      failed: this.failed,
      dropped: this.dropped,
      droppedSessions: this.droppedSessions,
    };
  }
}

export const EMPTY_STATS: DeliveryStats = Object.freeze(new DeliveryCounters().stats(0));
