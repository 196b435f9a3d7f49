import type { NormalizedEvent, VenueId } from '../schema/events.js';
import { CONNECTED_MARK, type SnapshotRule } from '../venues/venue.js';

/**
 * How far before its connection's start a liquidation sent on subscribe still counts: 10 minutes. Newer ones
 * may fill part of an outage; older ones are history, not live liquidations. Well inside the aggregator's 26 h
 * duplicate horizon (SeenIds), so an entry re-sent by a later connection that was counted before is always
 * still known there and dropped, however long the first connection ran and however many events came between.
 */
export const SUBSCRIBE_HISTORY_HORIZON_MS = 10 * 60_000;

export const isConnectedFrame = (frame: string): boolean => frame.startsWith(CONNECTED_MARK);

interface VenueConnection {
  /** Receive time of the venue's newest connection mark; undefined before the first (a recording without marks). */
  start: number | undefined;
  rule: SnapshotRule;
}

/**
 * One policy for every venue that sends history on subscribe: in a frame its module's rule calls a snapshot,
 * a liquidation whose event time is before the connection's start less the horizon is dropped as history
 * (counted, not dead-lettered: the frame is good). The start is the newest connection mark of the venue
 * (src/venues/venue.ts), which the recording keeps, so a replay drops exactly what the live run dropped.
 * Without a mark the snapshot's own receive time stands for it (it arrives right after subscribing).
 * With several sockets the newest mark may belong to another one: that is later than the snapshot's own
 * connection, so the rule can only drop more history, never count it.
 */
export class SubscribeHistory {
  /** Only venues with a rule: ids of others (any text a recording holds) are never kept. */
  private readonly venues = new Map<VenueId, VenueConnection>();

  constructor(
    private readonly rulesFor: (venue: VenueId) => (() => SnapshotRule) | undefined,
    private readonly horizonMs = SUBSCRIBE_HISTORY_HORIZON_MS,
  ) {}

  private connection(venue: VenueId): VenueConnection | undefined {
    let c = this.venues.get(venue);
    if (c === undefined) {
      const make = this.rulesFor(venue);
      if (make) this.venues.set(venue, (c = { start: undefined, rule: make() }));
    }
    return c;
  }

  /** A connection mark: a new connection of the venue started at `recv`. */
  connected(venue: VenueId, recv: number): void {
    const make = this.rulesFor(venue);
    if (make) this.venues.set(venue, { start: recv, rule: make() });
  }

  /** The events of a parsed frame less the history in it; `history` counts what was dropped. */
  filter(venue: VenueId, frame: string, recv: number, events: NormalizedEvent[]): { events: NormalizedEvent[]; history: number } {
    // Only frames with liquidations are shown to the rule, so a reply or a poll answer is never a channel's first push.
    if (!events.some((e) => e.type === 'liquidation')) return { events, history: 0 };
    const c = this.connection(venue);
    if (c === undefined || !safeRule(c.rule, frame)) return { events, history: 0 };
    const oldest = Math.min(c.start ?? recv, recv) - this.horizonMs;
    const kept = events.filter((e) => e.type !== 'liquidation' || e.eventTime >= oldest);
    return { events: kept.length === events.length ? events : kept, history: events.length - kept.length };
  }
}

/** A rule that throws (it must not) calls nothing a snapshot: the frame counts as it always did. */
function safeRule(rule: SnapshotRule, frame: string): boolean {
  try {
    return rule(frame);
  } catch {
    return false;
  }
}
