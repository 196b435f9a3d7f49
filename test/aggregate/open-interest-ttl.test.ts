import { describe, expect, it } from 'vitest';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import type { MinuteBucket } from '../../src/aggregate/minute-series.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { liquidation, openInterest } from '../support/events.js';

const MIN = 60_000;
const t0 = 100 * MIN;

const oi = openInterest;

// OLDUSDT answers once and is then delisted; BTCUSDT's unchanged value is re-sent every 5 minutes.
const events: NormalizedEvent[] = [
  liquidation('l', t0 + 1_000, 1),
  oi('OLDUSDT', t0, 1_000),
  ...[0, 5, 10, 15, 20].map((m) => oi('BTCUSDT', t0 + m * MIN, 5_000)),
];

function aggregator(wall: { now: number }, closed: (number | undefined)[] = []) {
  const metrics = createMetrics();
  const a = new Aggregator({ clock: () => wall.now, oiTtlMs: 15 * MIN, onMinuteClosed: (_b, oiUsd) => closed.push(oiUsd) });
  registerAggregatorMetrics(metrics.registry, a);
  const gauge = async (name: string) => (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)!.values;
  return { a, gauge };
}

describe('open interest expires after aggregator.oiTtlMs without an answer', () => {
  it('leaves the venue total and the gauges once its last answer is older than the TTL, live and per minute', async () => {
    const wall = { now: t0 + 15 * MIN };
    const closed: (number | undefined)[] = [];
    const { a, gauge } = aggregator(wall, closed);
    for (const e of events) a.apply(e);
    expect(a.openInterestByVenue().get('bybit-linear')?.usd).toBe(6_000); // exactly 15 min old: still in
    wall.now += 1;
    expect(a.openInterestByVenue().get('bybit-linear')).toEqual({ usd: 5_000, oldestReceiveTime: t0 + 20 * MIN }); // BTCUSDT's last answer
    expect((await gauge('liqstream_open_interest_usd')).map((v) => v.value)).toEqual([5_000]);
    expect((await gauge('liqstream_symbol_open_interest_usd')).map((v) => v.labels.symbol)).toEqual(['BTCUSDT']);
    // Closed minutes (partials, detector) and the report's per-minute series drop it by event time.
    a.closeThrough(t0 + 26 * MIN);
    const expected = [...Array(15).fill(6_000), ...Array(10).fill(5_000)];
    expect(closed).toEqual(expected);
    const buckets: MinuteBucket[] = expected.map((_, i) => ({ minute: t0 + i * MIN, units: 0, count: 0, byVenue: {} }));
    expect(a.openInterestAt(buckets)).toEqual(expected);
  });

  it('after a restart the open interest rebuilt from the re-read events is the same', () => {
    const wall = { now: t0 + 17 * MIN };
    const before = aggregator(wall).a;
    for (const e of events) before.apply(e);
    const restarted = aggregator(wall).a;
    for (const e of events) restarted.apply(e, true);
    expect(restarted.openInterestByVenue()).toEqual(before.openInterestByVenue());
    expect(restarted.openInterestByVenue().get('bybit-linear')?.usd).toBe(5_000);
    const buckets: MinuteBucket[] = Array.from({ length: 25 }, (_, i) => ({ minute: t0 + i * MIN, units: 0, count: 0, byVenue: {} }));
    expect(restarted.openInterestAt(buckets)).toEqual(before.openInterestAt(buckets));
  });
});
