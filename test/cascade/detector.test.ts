import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MinuteBucket } from '../../src/aggregate/minute-series.js';
import { CascadeDetector, type CascadeSignal } from '../../src/cascade/detector.js';

const M = 60_000;
const U = 10_000; // units per USD

function bucket(minute: number, longUsd: number, shortUsd = 0, venue: 'hyperliquid' | 'bybit-linear' = 'hyperliquid'): MinuteBucket {
  const long = Math.round(longUsd * U);
  const short = Math.round(shortUsd * U);
  return { minute, units: long + short, count: 1, byVenue: { [venue]: { long, short, count: 1 } } };
}

function run(usdPerMinute: number[], t0: number, oi?: (i: number) => number): CascadeSignal[] {
  const d = new CascadeDetector({ baselineMinutes: 30, multiple: 8, floorUsd: 10_000_000, quietMinutes: 5 });
  const out: CascadeSignal[] = [];
  usdPerMinute.forEach((usd, i) => out.push(...d.step(bucket(t0 + i * M, usd * 0.8, usd * 0.2), oi?.(i))));
  out.push(...d.finish());
  return out;
}

describe('CascadeDetector', () => {
  const t0 = Date.UTC(2025, 9, 10, 20, 0);
  // 40 quiet minutes at $1M, a ramp from minute 40, peak at 45, then decay to quiet.
  const day = [...Array(40).fill(1e6), 30e6, 60e6, 120e6, 400e6, 900e6, 3_000e6, 700e6, 200e6, 50e6, 20e6, ...Array(20).fill(1e6)];

  it('finds start, peak minute, end and totals of an episode', () => {
    const signals = run(day, t0, (i) => (i < 43 ? 200e9 : 150e9));
    expect(signals.map((s) => s.phase)).toEqual(['start', ...Array(13).fill('update'), 'end']);
    const end = signals.at(-1)!;
    expect(end).toMatchObject({
      id: 'cascade-2025-10-10T20:40:00.000Z',
      start: t0 + 40 * M,
      peakMinute: t0 + 45 * M,
      peakMinuteUsd: 3_000e6,
      end: t0 + 50 * M, // last minute above the $10M floor was 49 (20e6)
      longShare: 0.8,
      ledBy: 'hyperliquid',
      baselineUsd: 1e6,
      oiDrawdownUsd: 50e9,
      oiDrawdownPct: 25,
    });
    const hot = day.slice(40, 55).reduce((a, b) => a + b, 0);
    expect(end.totalUsd).toBe(hot);
    expect(end.byVenue.hyperliquid).toEqual({ longUsd: hot * 0.8, shortUsd: hot * 0.2, lowerBound: false });
    expect(end.lowerBound).toBe(false);
  });

  it('an episode is a lower bound from the first minute a sampled venue contributes to it, and says which venue', () => {
    const d = new CascadeDetector({ baselineMinutes: 30, multiple: 8, floorUsd: 10_000_000, quietMinutes: 5, warmupMinutes: 0 });
    const complete = (minute: number, usd: number): MinuteBucket => ({
      minute,
      units: usd * U,
      count: 1,
      byVenue: { 'bybit-linear': { long: usd * U, short: 0, count: 1, fidelity: 'complete' } },
    });
    const [start] = d.step(complete(t0, 50e6), undefined);
    expect(start).toMatchObject({ phase: 'start', lowerBound: false, byVenue: { 'bybit-linear': { lowerBound: false } } });
    const mixed = complete(t0 + M, 50e6);
    mixed.byVenue['binance-usdm'] = { long: 1e6 * U, short: 0, count: 1, fidelity: 'sampled' };
    mixed.units += 1e6 * U;
    const [update] = d.step(mixed, undefined);
    expect(update).toMatchObject({ phase: 'update', lowerBound: true, byVenue: { 'bybit-linear': { lowerBound: false }, 'binance-usdm': { longUsd: 1e6, lowerBound: true } } });
    // Once in, the episode stays a lower bound even when the sampled venue goes quiet.
    expect(d.step(complete(t0 + 2 * M, 50e6), undefined)[0]!.lowerBound).toBe(true);
    expect(d.finish()[0]).toMatchObject({ phase: 'end', lowerBound: true, totalUsd: 151e6 });
  });

  it('property: the same day at any clock gives the same episode, shifted', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 1440 }), (shiftMinutes) => {
        const base = run(day, t0).at(-1)!;
        const shifted = run(day, t0 + shiftMinutes * M).at(-1)!;
        expect(shifted.start - base.start).toBe(shiftMinutes * M);
        expect(shifted.peakMinute - base.peakMinute).toBe(shiftMinutes * M);
        expect(shifted.totalUsd).toBe(base.totalUsd);
      }),
      { numRuns: 25 },
    );
  });

  it('property: stays silent on quiet days (every minute below the floor), whatever their shape', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9_999_999 }), { minLength: 1, maxLength: 600 }), (usd) => {
        expect(run(usd, t0)).toEqual([]);
      }),
    );
  });

  it('a single busy minute that is not a multiple of the baseline is no cascade', () => {
    const busy = Array(60).fill(20e6) as number[];
    busy[50] = 100e6; // 5x the baseline, above the floor, below 8x
    expect(run(busy, t0)).toEqual([]);
  });

  it('a cascade still active when the input ends is closed by finish()', () => {
    const s = run([...Array(30).fill(0), 50e6, 80e6], t0);
    expect(s.map((x) => x.phase)).toEqual(['start', 'update', 'end']);
    expect(s.at(-1)!.end).toBe(t0 + 32 * M);
  });
});
