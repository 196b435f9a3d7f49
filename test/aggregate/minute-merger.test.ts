import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinuteMerger, type MinutePartial } from '../../src/aggregate/minute-partials.js';

const MIN = 60_000;
const partial = (topic: string, partition: number, minute: number, units: number, partitions = 2, oiUnits: number | null = null): MinutePartial => ({
  type: 'minute-partial',
  minute: minute * MIN,
  topic,
  partition,
  partitions,
  units,
  count: units ? 1 : 0,
  byVenue: units ? { 'bybit-linear': { long: units, short: 0, count: 1 } } : {},
  oiUnits,
});
const merged = (m: MinuteMerger, now = 0) => m.ready(now).map(({ bucket, oiUnits }) => [bucket.minute / MIN, bucket.units, bucket.count, oiUnits]);

describe('MinuteMerger', () => {
  it('merges a minute once every partition of every topic has reported it, in minute order, first report winning', () => {
    const m = new MinuteMerger(10_000);
    m.add(partial('liq', 0, 0, 5), 0);
    m.add(partial('oi', 0, 0, 0, 1, 700), 0);
    m.add(partial('liq', 0, 1, 6), 0);
    expect(merged(m)).toEqual([]);
    m.add(partial('liq', 1, 0, 7), 0);
    m.add(partial('liq', 1, 0, 1_000), 0); // a new owner's re-report: ignored
    expect(merged(m)).toEqual([[0, 12, 2, 700]]);
    m.add(partial('liq', 1, 1, 0), 0);
    m.add(partial('oi', 0, 1, 0, 1, 650), 0);
    expect(merged(m)).toEqual([[1, 6, 1, 650]]);
    m.add(partial('liq', 0, 0, 99), 0); // already merged: late, ignored
    expect(merged(m)).toEqual([]);
  });

  it('does not wait for a partition that has reported a later minute, nor for one silent for idleMs', () => {
    const m = new MinuteMerger(10_000);
    m.add(partial('liq', 0, 5, 1), 0);
    m.add(partial('liq', 1, 6, 2), 0); // partition 1 started later: it had nothing in minute 5
    expect(merged(m)).toEqual([[5, 1, 1, undefined]]);
    m.add(partial('liq', 0, 6, 3), 0);
    m.add(partial('liq', 0, 7, 4), 1_000);
    expect(merged(m, 1_000)).toEqual([[6, 5, 2, undefined]]);
    expect(merged(m, 9_999)).toEqual([]);
    expect(merged(m, 10_000)).toEqual([[7, 4, 1, undefined]]); // partition 1 silent since 0
  });

  it('property: any interleaving of the partitions (each in minute order, as its owner publishes) gives the same merged minutes', () => {
    const perPartition = [0, 1, 2].map((p) => [0, 1, 2, 3, 4, 5].map((minute) => partial('liq', p, minute, minute * 10 + p, 3)));
    fc.assert(
      fc.property(fc.array(fc.nat(2), { minLength: 18, maxLength: 18 }), (picks) => {
        const queues = perPartition.map((q) => [...q]);
        const m = new MinuteMerger(Infinity);
        const out: unknown[] = [];
        for (const pick of picks) {
          const q = queues.find((_, i) => i >= pick && queues[i]!.length) ?? queues.find((x) => x.length)!;
          m.add(q.shift()!, 0);
          out.push(...merged(m));
        }
        expect(out).toEqual([0, 1, 2, 3, 4, 5].map((minute) => [minute, minute * 30 + 3, minute === 0 ? 2 : 3, undefined])); // minute 0 of partition 0 is empty
      }),
    );
  });

  it('a merged venue minute has the least complete fidelity of its partials (one without fidelity, published before it existed, adds none)', () => {
    const m = new MinuteMerger(10_000);
    const withFidelity = (partition: number, fidelity?: 'complete' | 'sampled'): MinutePartial => ({
      ...partial('liq', partition, 0, 5, 3),
      byVenue: { 'binance-usdm': { long: 5, short: 0, count: 1, ...(fidelity ? { fidelity } : {}) } },
    });
    m.add(withFidelity(0, 'complete'), 0);
    m.add(withFidelity(1), 0);
    m.add(withFidelity(2, 'sampled'), 0);
    expect(m.ready(0).map(({ bucket }) => bucket.byVenue)).toEqual([{ 'binance-usdm': { long: 15, short: 0, count: 3, fidelity: 'sampled' } }]);
  });
});
