import type { BusMessage } from '../bus/bus.js';
import type { VenueId } from '../schema/events.js';

/** Per venue, the receive-time interval [from, to) that a set of lost messages covered. */
export type LossCoverage = Map<VenueId, { from: number; to: number }>;

/**
 * What lost messages covered, per venue, in receive time: a raw frame or dead letter its `recv`, an
 * event its `receiveTime`, a gap event its own [from, to) (a lost gap must be recorded again). The
 * messages are the ingestor's own (raw, dead-letter, event messages), so their values have these fields;
 * anything else is skipped.
 */
export function lossCoverage(messages: readonly BusMessage[]): LossCoverage {
  const out: LossCoverage = new Map();
  for (const m of messages) {
    const v = m.value as { venue?: unknown; recv?: unknown; receiveTime?: unknown; type?: unknown; from?: unknown; to?: unknown } | null;
    if (typeof v !== 'object' || v === null || typeof v.venue !== 'string') continue;
    let from: number;
    let to: number;
    if (v.type === 'gap' && typeof v.from === 'number' && typeof v.to === 'number') [from, to] = [v.from, v.to];
    else if (typeof v.recv === 'number') [from, to] = [v.recv, v.recv + 1];
    else if (typeof v.receiveTime === 'number') [from, to] = [v.receiveTime, v.receiveTime + 1];
    else continue;
    const seen = out.get(v.venue);
    if (!seen) out.set(v.venue, { from, to });
    else {
      seen.from = Math.min(seen.from, from);
      seen.to = Math.max(seen.to, to);
    }
  }
  return out;
}
