import { z } from 'zod';
import { STANDARD_WINDOWS, WindowSpec, windowMs } from './windows.js';

/**
 * The aggregator's settings: the one schema for `aggregator` in config (which adds the Kafka group)
 * and for the defaults of the Aggregator and the aggregation/detection stages.
 */
export const AggregatorSettings = z.strictObject({
  /** Per-symbol windows are kept for at most this many venue:symbol keys (least recently updated evicted). */
  maxSymbols: z.number().int().min(1).default(500),
  /** Per-symbol window gauges are exposed for the N largest symbols by 24 h USD. */
  symbolsTopN: z.number().int().min(0).default(20),
  /** Per-symbol open interest gauges: these symbols always, plus the N largest by USD. */
  oiSymbols: z.array(z.string()).default(['BTCUSDT', 'ETHUSDT', 'BTC', 'ETH']),
  oiTopN: z.number().int().min(0).default(20),
  /** Per-coin windows and totals (issue 21) for at most this many coins; further ones are counted under `other`. */
  maxBases: z.number().int().min(1).default(1_000),
  /** Per-coin gauges (liqstream_base_*) for the N coins with the most liquidated USD in 24 h, plus `other`. */
  basesTopN: z.number().int().min(0).default(20),
  /** Windows beside the standard 1m, 5m, 1h and 24h (metrics, API), e.g. [15m, 4h]; at most 24 h each. */
  windows: z
    .array(WindowSpec)
    .max(16)
    .default([])
    // Two names for one duration (60s beside 1m, 1d beside 24h) would be two labels of one series in every gauge.
    .superRefine((windows, ctx) => {
      const byMs = new Map<number, string>(STANDARD_WINDOWS.map((w) => [windowMs(w), w]));
      windows.forEach((w, i) => {
        const same = byMs.get(windowMs(w));
        if (same !== undefined && same !== w) ctx.addIssue({ code: 'custom', path: [i], message: `${w} is the same window as ${same}` });
        else byMs.set(windowMs(w), w);
      });
    }),
  /** A minute closes once every partition's event time is this far past its end (docs/reliability.md). */
  latenessMs: z.number().int().min(0).default(5_000),
  /** A partition that delivered nothing for this long (wall time) stops holding the watermark back. */
  idleMs: z.number().int().min(1).default(10_000),
  /**
   * The detector merges a minute without a partition that has not reported for this long (wall time).
   * Longer than a crashed member's session timeout plus its successor's rebuild, so a failover does not
   * publish minutes without the failed member's share.
   */
  mergeIdleMs: z.number().int().min(1).default(60_000),
  /** A symbol's open interest leaves the venue totals once its last value is this old (delisted symbols). */
  oiTtlMs: z.number().int().min(1_000).default(900_000),
  /** On assignment, re-read this much of each partition (by record time) to rebuild windows and the detector; 0 = off. */
  rebuildMs: z.number().int().min(0).default(93_600_000),
  /** Kafka group session: a crashed member's partitions move after this long. */
  sessionTimeoutMs: z.number().int().min(1_000).default(10_000),
  heartbeatIntervalMs: z.number().int().min(100).default(3_000),
});
export type AggregatorSettings = z.output<typeof AggregatorSettings>;

export const AGGREGATOR_DEFAULTS: AggregatorSettings = AggregatorSettings.parse({});
