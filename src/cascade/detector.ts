import { z } from 'zod';
import { toUsd } from '../aggregate/fixed-point.js';
import { addVenueMinute, type MinuteBucket, type VenueMinute } from '../aggregate/minute-series.js';
import { isLowerBound, VenueId } from '../schema/events.js';

export const CascadeParams = z.strictObject({
  /** Minutes of history behind the robust baseline (median of non-episode minutes). */
  baselineMinutes: z.number().int().min(5).default(60),
  /** A minute starts an episode when its USD exceeds this multiple of the baseline... */
  multiple: z.number().positive().default(8),
  /** ...and this absolute floor (all venues, USD per minute). */
  floorUsd: z.number().positive().default(25_000_000),
  /** No episode starts before this many minutes of baseline exist (a replay that begins mid-turmoil has no baseline yet). */
  warmupMinutes: z.number().int().min(0).default(15),
  /** The episode ends after this many consecutive minutes below the start threshold. */
  quietMinutes: z.number().int().min(1).default(15),
});
export type CascadeParams = z.infer<typeof CascadeParams>;

/** lowerBound: the venue's share includes liquidations of a fidelity other than complete. */
const VenueTotals = z.object({ longUsd: z.number(), shortUsd: z.number(), lowerBound: z.boolean() });

/** One published cascade record (`start`, `update` every minute while active, `end`). */
export const CascadeSignal = z.object({
  type: z.literal('cascade'),
  phase: z.enum(['start', 'update', 'end']),
  id: z.string(),
  /** Event time, ms: start of the first minute over the threshold. */
  start: z.number(),
  /** Start of the worst minute so far. */
  peakMinute: z.number(),
  peakMinuteUsd: z.number(),
  /** Event time, ms: end of the last minute over the threshold (null while active). */
  end: z.number().nullable(),
  totalUsd: z.number(),
  byVenue: z.record(VenueId, VenueTotals),
  /** True when any venue contributing to the episode is a lower bound: then totalUsd is one too (see byVenue for which). */
  lowerBound: z.boolean(),
  longShare: z.number(),
  oiDrawdownUsd: z.number().nullable(),
  oiDrawdownPct: z.number().nullable(),
  /** The venue with the most liquidated USD in the first minute of the episode. */
  ledBy: VenueId.nullable(),
  /** Baseline (USD per minute) when the episode started. */
  baselineUsd: z.number(),
});
export type CascadeSignal = z.infer<typeof CascadeSignal>;

interface Episode {
  start: number;
  peakMinute: number;
  peakUnits: number;
  lastHot: number;
  units: number;
  byVenue: Map<VenueId, VenueMinute>;
  oiBefore: number | undefined;
  oiMin: number | undefined;
  ledBy: VenueId | null;
  baselineUnits: number;
  quiet: number;
}

const median = (xs: number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * Event-time cascade detector. Feed it every minute in order (empty minutes included) with the
 * all-venue open interest at the end of that minute; it returns the signals that minute produced.
 * Pure state machine: no clock, so live, replay and any replay speed agree.
 */
export class CascadeDetector {
  private readonly params: CascadeParams;
  private readonly history: number[] = [];
  private episode: Episode | undefined;
  private lastOi: number | undefined;

  constructor(params: Partial<CascadeParams> = {}) {
    this.params = CascadeParams.parse(params);
  }

  get active(): boolean {
    return this.episode !== undefined;
  }

  /** The episode in progress, as an `update` record. */
  current(): CascadeSignal | undefined {
    return this.episode && this.signal('update', this.episode, null);
  }

  step(bucket: MinuteBucket, oiUsd: number | undefined): CascadeSignal[] {
    const p = this.params;
    const baseline = median(this.history);
    const threshold = Math.max(baseline * p.multiple, p.floorUsd * 10_000);
    const hot = bucket.units > threshold && (this.episode !== undefined || this.history.length >= p.warmupMinutes);
    const out: CascadeSignal[] = [];
    let ep = this.episode;
    if (!ep && hot) {
      let ledBy: VenueId | null = null;
      let best = -1;
      for (const [venue, v] of Object.entries(bucket.byVenue) as [VenueId, { long: number; short: number }][])
        if (v.long + v.short > best) {
          best = v.long + v.short;
          ledBy = venue;
        }
      ep = this.episode = {
        start: bucket.minute,
        peakMinute: bucket.minute,
        peakUnits: 0,
        lastHot: bucket.minute,
        units: 0,
        byVenue: new Map(),
        oiBefore: this.lastOi,
        oiMin: undefined,
        ledBy,
        baselineUnits: baseline,
        quiet: 0,
      };
    }
    if (ep) {
      ep.units += bucket.units;
      for (const [venue, v] of Object.entries(bucket.byVenue) as [VenueId, VenueMinute][]) {
        const t = ep.byVenue.get(venue) ?? { long: 0, short: 0, count: 0 };
        addVenueMinute(t, v);
        ep.byVenue.set(venue, t);
      }
      if (bucket.units > ep.peakUnits) {
        ep.peakUnits = bucket.units;
        ep.peakMinute = bucket.minute;
      }
      if (oiUsd !== undefined) ep.oiMin = ep.oiMin === undefined ? oiUsd : Math.min(ep.oiMin, oiUsd);
      if (hot) {
        ep.lastHot = bucket.minute;
        ep.quiet = 0;
      } else ep.quiet += 1;
      if (ep.start === bucket.minute) out.push(this.signal('start', ep, null));
      else if (ep.quiet >= p.quietMinutes) {
        out.push(this.signal('end', ep, ep.lastHot + 60_000));
        this.episode = undefined;
      } else out.push(this.signal('update', ep, null));
    } else {
      // Only minutes outside episodes feed the baseline, so a long cascade does not raise its own bar.
      this.history.push(bucket.units);
      if (this.history.length > p.baselineMinutes) this.history.shift();
    }
    if (oiUsd !== undefined) this.lastOi = oiUsd;
    return out;
  }

  /** Closes an episode still open when the input ends (a replay's last minute). */
  finish(): CascadeSignal[] {
    const ep = this.episode;
    if (!ep) return [];
    this.episode = undefined;
    return [this.signal('end', ep, ep.lastHot + 60_000)];
  }

  private signal(phase: CascadeSignal['phase'], ep: Episode, end: number | null): CascadeSignal {
    const byVenue: CascadeSignal['byVenue'] = {};
    let long = 0;
    let lowerBound = false;
    for (const venue of [...ep.byVenue.keys()].sort()) {
      const t = ep.byVenue.get(venue)!;
      byVenue[venue] = { longUsd: toUsd(t.long), shortUsd: toUsd(t.short), lowerBound: isLowerBound(t.fidelity) };
      lowerBound ||= isLowerBound(t.fidelity);
      long += t.long;
    }
    const drawdown = ep.oiBefore !== undefined && ep.oiMin !== undefined ? Math.round(Math.max(0, ep.oiBefore - ep.oiMin) * 100) / 100 : null;
    return {
      type: 'cascade',
      phase,
      id: `cascade-${new Date(ep.start).toISOString()}`,
      start: ep.start,
      peakMinute: ep.peakMinute,
      peakMinuteUsd: toUsd(ep.peakUnits),
      end,
      totalUsd: toUsd(ep.units),
      byVenue,
      lowerBound,
      longShare: ep.units > 0 ? Math.round((long / ep.units) * 1e6) / 1e6 : 0,
      oiDrawdownUsd: drawdown,
      oiDrawdownPct: drawdown !== null && ep.oiBefore ? Math.round((drawdown / ep.oiBefore) * 1e6) / 1e4 : null,
      ledBy: ep.ledBy,
      baselineUsd: toUsd(ep.baselineUnits),
    };
  }
}
