import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { niceStep, timeTicks } from '../../src/report/charts.js';

describe('chart axes', () => {
  it('niceStep: a 1-2-5 step that cuts the span into at most the parts asked for', () => {
    expect(niceStep(14_780_000_000, 4)).toBe(5e9);
    expect(niceStep(100, 4)).toBe(50);
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e12, noNaN: true }), fc.integer({ min: 1, max: 10 }), (span, max) => {
        const step = niceStep(span, max);
        const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
        expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
        expect(span / step).toBeLessThanOrEqual(max + 1e-9);
      }),
    );
  });

  it('timeTicks: whole UTC steps, at most 8, inside the range', () => {
    const t0 = Date.UTC(2025, 9, 10, 20, 7);
    expect(timeTicks(t0, t0 + 53 * 60_000).map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(['20:10', '20:20', '20:30', '20:40', '20:50', '21:00']);
    const day = Date.UTC(2025, 9, 10);
    expect(timeTicks(day, day + 86_400_000).map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(['00:00', '06:00', '12:00', '18:00', '00:00']);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2e12 }), fc.integer({ min: 60_000, max: 30 * 86_400_000 }), (from, span) => {
        const ticks = timeTicks(from, from + span);
        expect(ticks.length).toBeLessThanOrEqual(8);
        for (const t of ticks) {
          expect(t % 60_000).toBe(0);
          expect(t).toBeGreaterThanOrEqual(from);
          expect(t).toBeLessThanOrEqual(from + span);
        }
      }),
    );
  });
});
