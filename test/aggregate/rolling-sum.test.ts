import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RollingSum } from '../../src/aggregate/rolling-sum.js';
import { WindowSet } from '../../src/aggregate/windows.js';

/** The obvious definition: sum of events whose bucket lies in the last n buckets before `now`. */
function naive(events: { t: number; u: number }[], res: number, slots: number, windowMs: number, now: number) {
  const last = Math.floor(now / res);
  const n = Math.min(slots, Math.ceil(windowMs / res));
  let newest = -Infinity;
  const kept: { t: number; u: number }[] = [];
  for (const e of events) {
    const abs = Math.floor(e.t / res);
    if (abs <= newest - slots) continue; // too late when it arrived
    newest = Math.max(newest, abs);
    kept.push(e);
  }
  const inWin = kept.filter((e) => {
    const abs = Math.floor(e.t / res);
    return abs > last - n && abs <= last;
  });
  return { units: inWin.reduce((s, e) => s + e.u, 0), count: inWin.length };
}

describe('RollingSum', () => {
  it('sums by event time at bucket resolution', () => {
    const r = new RollingSum(1000, 60);
    r.add(0, 5);
    r.add(999, 7);
    r.add(59_000, 11);
    expect(r.sum(60_000, 59_999)).toEqual({ units: 23, count: 3 });
    expect(r.sum(60_000, 60_000)).toEqual({ units: 11, count: 1 }); // bucket 0 left the window
    expect(r.sum(1000, 59_000)).toEqual({ units: 11, count: 1 });
  });

  it('rejects events older than its span and keeps state bounded', () => {
    const r = new RollingSum(1000, 10);
    r.add(100_000, 1);
    expect(r.add(90_000, 1)).toBe(false);
    expect(r.add(90_999 + 1, 1)).toBe(true);
    expect(r.sum(10_000, 100_000)).toEqual({ units: 2, count: 2 });
  });

  // Queries are made at the watermark (the newest event time) or later, as the aggregator does.
  it('property: equals the naive definition for any event order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ t: fc.integer({ min: 0, max: 200_000 }), u: fc.integer({ min: 1, max: 1_000_000 }) }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (events, windowMs, ahead) => {
          const now = Math.max(0, ...events.map((e) => e.t)) + ahead;
          const r = new RollingSum(1000, 60);
          for (const e of events) r.add(e.t, e.u);
          // A window longer than the 60 s kept is refused, never answered with the 60 s sum.
          if (windowMs > 60_000) expect(() => r.sum(windowMs, now)).toThrow(RangeError);
          else expect(r.sum(windowMs, now)).toEqual(naive(events, 1000, 60, windowMs, now));
        },
      ),
    );
  });

  it('property: in-order events give exact window totals in WindowSet', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3_600_000 }), { maxLength: 300 }), (times) => {
        const sorted = [...times].sort((a, b) => a - b);
        const w = new WindowSet();
        sorted.forEach((t) => w.add(t, 1));
        const now = sorted.at(-1) ?? 0;
        const inLast = (ms: number, res: number) => sorted.filter((t) => Math.floor(t / res) > Math.floor(now / res) - ms / res).length;
        expect(w.sum('1m', now).count).toBe(inLast(60_000, 1000));
        expect(w.sum('5m', now).count).toBe(inLast(300_000, 1000));
        expect(w.sum('1h', now).count).toBe(inLast(3_600_000, 60_000));
        expect(w.sum('24h', now).count).toBe(sorted.length);
      }),
    );
  });
});
