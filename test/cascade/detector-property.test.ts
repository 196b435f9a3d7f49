import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toUnits } from '../../src/aggregate/fixed-point.js';
import type { MinuteBucket } from '../../src/aggregate/minute-series.js';
import { CascadeDetector, type CascadeSignal } from '../../src/cascade/detector.js';

/**
 * The detector against days built here, not by the simulator: a noisy baseline at a random level, then
 * a cascade of a random shape, size and onset (or none), with the answer known by construction. The
 * detector runs with its documented defaults (docs/cascades.md): 8× the median of the last 60 quiet
 * minutes and at least $25M, 15 minutes of warm-up, an episode ends after 15 quiet minutes.
 */
const M = 60_000;
const T0 = Date.UTC(2025, 9, 10, 0, 0);
const FLOOR = 25e6;
const QUIET = 15;

interface Day {
  usd: number[];
  /** Expected episodes: the first minute of each cascade (lead-in included) and its worst minute. */
  episodes: { onset: number; peak: number }[];
}

function run(usd: number[]): CascadeSignal[] {
  const d = new CascadeDetector();
  const out: CascadeSignal[] = [];
  usd.forEach((x, i) => {
    const long = toUnits(x * 0.85);
    const short = toUnits(x) - long;
    const bucket: MinuteBucket = { minute: T0 + i * M, units: long + short, count: 1, byVenue: { 'bybit-linear': { long, short, count: 1 } } };
    out.push(...d.step(bucket, undefined));
  });
  out.push(...d.finish());
  return out;
}

const ends = (signals: CascadeSignal[]) => signals.filter((s) => s.phase === 'end');

/** Baseline minutes: level × (0.5 … 1.5). The median stays within that band, so 8× it and the floor bound the threshold. */
const baseline = (level: number, noise: number[]) => noise.map((u) => level * (0.5 + u));

/**
 * A bound every minute of a cascade stays clearly above: 1.5× the largest threshold the baseline can
 * give (8 × 1.5 × level, or the floor).
 */
const clear = (level: number) => 1.5 * Math.max(12 * level, FLOOR);

const level = fc.double({ min: 50_000, max: 6e6, noNaN: true });
const noise = (n: number) => fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n });

/** A cascade's minutes as multiples of `clear`, with its worst minute strictly the largest. */
const spike = fc
  .record({ rise: fc.integer({ min: 0, max: 3 }), height: fc.double({ min: 4, max: 2_000, noNaN: true }), tau: fc.double({ min: 0.5, max: 8, noNaN: true }) })
  .map(({ rise, height, tau }) => {
    const up = Array.from({ length: rise }, (_, i) => 1 + ((height - 1) * (i + 1)) / (rise + 2));
    const down: number[] = [];
    for (let j = 1; height * Math.exp(-j / tau) >= 1; j++) down.push(height * Math.exp(-j / tau));
    return { shape: [...up, height, ...down], peak: rise };
  });

/** Slow grind: a long plateau that creeps up (1 … 2.5× the bound), its worst minute somewhere inside. */
const grind = fc
  .record({ length: fc.integer({ min: 20, max: 150 }), at: fc.double({ min: 0, max: 1, noNaN: true }), wobble: noise(150) })
  .map(({ length, at, wobble }) => {
    const peak = Math.min(length - 1, Math.floor(at * length));
    const shape = Array.from({ length }, (_, i) => 1 + (1.4 * i) / length + 0.1 * wobble[i]!);
    shape[peak] = 3; // above every other minute (at most 2.5)
    return { shape, peak };
  });

/** A lead-in of 0–2 minutes somewhere between the baseline and the bound, before the cascade proper. */
const leadIn = fc.array(fc.double({ min: 0.3, max: 0.95, noNaN: true }), { maxLength: 2 });

function cascadeDay(lvl: number, pre: number[], lead: number[], cascade: { shape: number[]; peak: number }, post: number[]): Day {
  const bound = clear(lvl);
  const usd = [...baseline(lvl, pre), ...lead.map((x) => x * bound), ...cascade.shape.map((x) => x * bound), ...baseline(lvl, post)];
  return { usd, episodes: [{ onset: pre.length, peak: pre.length + lead.length + cascade.peak }] };
}

const single = fc
  .record({ lvl: level, preLength: fc.integer({ min: 16, max: 300 }), lead: leadIn, cascade: fc.oneof(spike, grind), post: noise(QUIET + 5) })
  .chain(({ preLength, ...rest }) => noise(preLength).map((pre) => cascadeDay(rest.lvl, pre, rest.lead, rest.cascade, rest.post)));

describe('CascadeDetector on generated days (documented defaults)', () => {
  it('one cascade (spike or slow grind) at a random time and size: exactly one episode, onset within 2 minutes, exact peak minute', () => {
    fc.assert(
      fc.property(single, (day) => {
        const eps = ends(run(day.usd));
        expect(eps).toHaveLength(1);
        const [e] = eps;
        const want = day.episodes[0]!;
        expect(e!.start).toBeGreaterThanOrEqual(T0 + want.onset * M);
        expect(e!.start).toBeLessThanOrEqual(T0 + (want.onset + 2) * M);
        expect(e!.peakMinute).toBe(T0 + want.peak * M);
        expect(e!.peakMinuteUsd).toBeCloseTo(day.usd[want.peak]!, 2);
      }),
      { numRuns: 300 },
    );
  });

  it('double peak: one episode when the quiet gap between them is shorter than quietMinutes (15), two when it is at least that long', () => {
    const double = fc
      .record({ lvl: level, pre: noise(40), a: spike, b: spike, gap: fc.integer({ min: 1, max: 40 }), gapNoise: noise(40), post: noise(QUIET + 5) })
      .map(({ lvl, pre, a, b, gap, gapNoise, post }) => {
        const bound = clear(lvl);
        const first = [...a.shape.map((x) => x * bound)];
        const second = [...b.shape.map((x) => x * bound)];
        const usd = [...baseline(lvl, pre), ...first, ...baseline(lvl, gapNoise.slice(0, gap)), ...second, ...baseline(lvl, post)];
        const peakA = pre.length + a.peak;
        const peakB = pre.length + first.length + gap + b.peak;
        return { usd, gap, peakA, peakB, onsetA: pre.length, onsetB: pre.length + first.length + gap };
      });
    fc.assert(
      fc.property(double, (d) => {
        const eps = ends(run(d.usd));
        if (d.gap < QUIET) {
          // The gap never reaches 15 quiet minutes: the second peak belongs to the first episode; its worst minute is the larger peak.
          expect(eps).toHaveLength(1);
          expect(eps[0]!.start).toBe(T0 + d.onsetA * M);
          // Compared as the detector sums them (fixed-point units); on a tie the earlier minute stays the worst.
          const worst = toUnits(d.usd[d.peakB]!) > toUnits(d.usd[d.peakA]!) ? d.peakB : d.peakA;
          expect(eps[0]!.peakMinute).toBe(T0 + worst * M);
        } else {
          expect(eps).toHaveLength(2);
          expect(eps.map((e) => e.start)).toEqual([T0 + d.onsetA * M, T0 + d.onsetB * M]);
          expect(eps.map((e) => e.peakMinute)).toEqual([T0 + d.peakA * M, T0 + d.peakB * M]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('quiet days (noise around any level, bumps up to 6× it, all below the floor): no episode', () => {
    const quiet = fc
      .record({ lvl: fc.double({ min: 0, max: 3e6, noNaN: true }), n: fc.integer({ min: 1, max: 1_440 }), bumps: fc.array(fc.nat(), { maxLength: 20 }) })
      .chain(({ lvl, n, bumps }) =>
        noise(n).map((u) => {
          const usd = baseline(lvl, u);
          for (const b of bumps) usd[b % n] = Math.min(6 * lvl, 0.99 * FLOOR);
          return usd;
        }),
      );
    fc.assert(
      fc.property(quiet, (usd) => {
        expect(run(usd)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
