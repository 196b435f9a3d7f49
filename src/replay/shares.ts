import { readFileSync } from 'node:fs';
import { Aggregator, type AggregatorReplayState } from '../aggregate/aggregator.js';
import type { LogFormat } from '../log.js';
import type { FileCounts } from './input-files.js';
import type { Metrics } from '../metrics/metrics.js';
import { registerAggregatorMetrics } from '../sinks/prometheus/aggregator-metrics.js';
import { NotableLiquidations, type NotableState } from '../report/notable.js';
import type { VenueId } from '../schema/events.js';
import type { InputFormat } from './formats.js';

/** One of `count` worker threads of a replay; `plan` names the owner of the venues sampled before the start. */
export interface Share {
  index: number;
  count: number;
  plan?: Record<VenueId, number>;
  /** Fed by a reader thread (feed.ts): every frame it reads is its own, and it reads no bad lines. */
  fed?: boolean;
}

export interface WorkerOptions {
  count: number;
  /** Workers build their own reader and parsers from it (functions do not cross threads). */
  format: InputFormat;
  logFormat?: LogFormat;
}

export interface WorkerTiming {
  elapsedMs: number;
  events: number;
  /** CPU time of the thread itself (Linux: /proc/thread-self/stat; undefined elsewhere), GC helper threads not included. */
  cpuMs?: number;
}

/** CPU time (user + system) of the calling thread so far, in ms; undefined where /proc/thread-self is not there. */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // After the command name (in parentheses, which may hold spaces): fields 3…; utime and stime are 14 and 15, in ticks of 10 ms.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

interface IngestStats {
  frames: number;
  badFrames: number;
  badEntries: number;
  events: number;
  duplicates: number;
}

/** What a report is built from: one replay's, or the sum of its workers'. */
export interface ReplayParts {
  aggregator: Aggregator;
  notable: NotableLiquidations;
  metrics: Metrics;
  stats: IngestStats;
  badLines: number;
  perFile: FileCounts[];
  firstEventTime: number | undefined;
}

/** ReplayParts as a worker posts them: plain data, a few hundred kB for a day, never the events. */
export interface ShareResult {
  aggregator: AggregatorReplayState;
  notable: NotableState;
  stats: IngestStats;
  badLines: number;
  perFile: FileCounts[];
  firstEventTime: number | undefined;
  timing: WorkerTiming;
  /** With Hyperliquid blocks split: idHash of each Hyperliquid liquidation applied (feed.ts, splitCollides). */
  splitIds?: Float64Array;
}

/**
 * Owners of the venues sampled at the start of the input, by their frames' bytes: the largest venue
 * goes to the least loaded share (a venue's frames cannot be split: its parser may keep state, and
 * copies of a liquidation must meet in one aggregator to be dropped).
 */
export function planShares(bytesByVenue: Record<VenueId, number>, count: number): Record<VenueId, number> {
  const load = new Array<number>(count).fill(0);
  const plan: Record<VenueId, number> = {};
  for (const [venue, bytes] of Object.entries(bytesByVenue).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))) {
    const owner = load.indexOf(Math.min(...load));
    plan[venue] = owner;
    load[owner]! += bytes;
  }
  return plan;
}

/**
 * Whether a share owns a venue: by the plan, else (a venue first seen after the sample) round-robin in
 * order of first frame. Every share reads the same lines in the same order, so all agree without talking.
 */
export function venueOwner(share: Share): (venue: VenueId) => boolean {
  if (share.fed) return () => true;
  const owner = new Map<VenueId, number>(Object.entries(share.plan ?? {}));
  let unplanned = 0;
  return (venue) => {
    let o = owner.get(venue);
    if (o === undefined) owner.set(venue, (o = unplanned++ % share.count));
    return o === share.index;
  };
}

export function shareResult(parts: ReplayParts, elapsedMs: number): ShareResult {
  const { aggregator, notable, stats, badLines, perFile, firstEventTime } = parts;
  return {
    aggregator: aggregator.replayState(),
    notable: notable.state(),
    stats: { frames: stats.frames, badFrames: stats.badFrames, badEntries: stats.badEntries, events: stats.events, duplicates: stats.duplicates },
    badLines,
    perFile,
    firstEventTime,
    timing: { elapsedMs, events: stats.events, cpuMs: threadCpuMs() },
  };
}

/** The workers' shares as one replay's parts: sums, the earliest first event, the largest of the largest. */
export function mergeShares(shares: ShareResult[], metrics: Metrics): ReplayParts {
  const aggregator = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
  registerAggregatorMetrics(metrics.registry, aggregator);
  const notable = new NotableLiquidations();
  const stats = { frames: 0, badFrames: 0, badEntries: 0, events: 0, duplicates: 0 };
  let firstEventTime: number | undefined;
  for (const s of shares) {
    aggregator.mergeReplayState(s.aggregator);
    notable.merge(s.notable);
    for (const k of Object.keys(stats) as (keyof IngestStats)[]) stats[k] += s.stats[k];
    if (s.firstEventTime !== undefined && (firstEventTime === undefined || s.firstEventTime < firstEventTime)) firstEventTime = s.firstEventTime;
  }
  return {
    aggregator,
    notable,
    metrics,
    stats,
    badLines: shares.reduce((n, s) => n + s.badLines, 0),
    perFile: (shares[0]?.perFile ?? []).map((_, i) => ({
      frames: shares.reduce((n, s) => n + s.perFile[i]!.frames, 0),
      bad: shares.reduce((n, s) => n + s.perFile[i]!.bad, 0),
      cut: shares.reduce((n, s) => n + s.perFile[i]!.cut, 0),
    })),
    firstEventTime,
  };
}
