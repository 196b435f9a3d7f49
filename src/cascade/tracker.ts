import { Gauge } from 'prom-client';
import { toUsd } from '../aggregate/fixed-point.js';
import type { MinuteBucket } from '../aggregate/minute-series.js';
import type { BusMessage } from '../bus/bus.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { messageHeaders } from '../pipeline/messages.js';
import { isLowerBound } from '../schema/events.js';
import { CascadeDetector, type CascadeParams, type CascadeSignal } from './detector.js';

/**
 * A minute as programs read it (aggregates topic, /api/minutes): USD by venue, and `lowerBound` (per
 * venue and on the minute) when the sum includes liquidations of a fidelity other than complete.
 */
export function minuteView(bucket: MinuteBucket) {
  const byVenue: Record<string, { longUsd: number; shortUsd: number; count: number; lowerBound: boolean }> = {};
  for (const [venue, v] of Object.entries(bucket.byVenue))
    byVenue[venue] = { longUsd: toUsd(v.long), shortUsd: toUsd(v.short), count: v.count, lowerBound: isLowerBound(v.fidelity) };
  const lowerBound = Object.values(byVenue).some((v) => v.lowerBound);
  return { minute: bucket.minute, usd: toUsd(bucket.units), count: bucket.count, lowerBound, byVenue };
}

/** One closed minute on the aggregates topic. */
export function minuteAggregateMessage(bucket: MinuteBucket, oiUsd: number | undefined): BusMessage {
  const value = { type: 'minute', ...minuteView(bucket), openInterestUsd: oiUsd ?? null };
  return { key: 'all', value, headers: messageHeaders('minute') };
}

/**
 * Live side of cascade detection: steps the detector at every closed minute, keeps the cascade
 * gauges current, and queues minute aggregates and cascade records for publishing.
 */
export class CascadeTracker {
  private detector: CascadeDetector;
  private pendingAggregates: BusMessage[] = [];
  private pendingCascades: BusMessage[] = [];
  readonly signals: CascadeSignal[] = [];
  /**
   * Minutes up to this one (start, ms) only step the detector: an earlier process already published
   * them and their signals, and this one is rebuilding its history from a re-read (see aggregation.ts).
   */
  publishedThrough = -Infinity;

  constructor(
    metrics: Metrics,
    private readonly log: Logger,
    private readonly params: Partial<CascadeParams> = {},
  ) {
    this.detector = new CascadeDetector(params);
    const registers = [metrics.registry];
    const self = this;
    new Gauge({
      name: 'liqstream_cascade_active',
      help: '1 while a liquidation cascade episode is in progress (event time)',
      registers,
      collect() {
        this.set(self.detector.active ? 1 : 0);
      },
    });
    new Gauge({
      name: 'liqstream_cascade_usd',
      help: 'Liquidated USD in the current cascade episode',
      labelNames: ['venue', 'side'],
      registers,
      collect() {
        this.reset();
        const current = self.detector.current();
        for (const [venue, t] of Object.entries(current?.byVenue ?? {})) {
          this.set({ venue, side: 'long' }, t.longUsd);
          this.set({ venue, side: 'short' }, t.shortUsd);
        }
      },
    });
    new Gauge({
      name: 'liqstream_cascade_lower_bound',
      help: '1 while the current cascade episode includes a venue whose liquidations are not complete (its USD is a lower bound)',
      registers,
      collect() {
        this.set(self.detector.current()?.lowerBound ? 1 : 0);
      },
    });
  }

  onMinuteClosed = (bucket: MinuteBucket, oiUsd: number | undefined): void => {
    const signals = this.detector.step(bucket, oiUsd);
    if (bucket.minute <= this.publishedThrough) return;
    this.pendingAggregates.push(minuteAggregateMessage(bucket, oiUsd));
    for (const signal of signals) {
      this.signals.push(signal);
      if (signal.phase !== 'update') this.log.warn({ cascade: signal }, `cascade ${signal.phase}`);
      this.pendingCascades.push({ key: signal.id, value: signal, headers: messageHeaders(`cascade-${signal.phase}`) });
    }
  };

  /**
   * Forgets everything (a new assignment: the history is rebuilt from the partials re-read, and a
   * member that lost the detector's partition must not keep showing a cascade).
   */
  reset(): void {
    this.detector = new CascadeDetector(this.params);
    this.pendingAggregates = [];
    this.pendingCascades = [];
    this.publishedThrough = -Infinity;
  }

  /** Takes what is waiting to be published: [aggregates, cascades]. */
  drain(): [BusMessage[], BusMessage[]] {
    const out: [BusMessage[], BusMessage[]] = [this.pendingAggregates, this.pendingCascades];
    this.pendingAggregates = [];
    this.pendingCascades = [];
    return out;
  }
}
