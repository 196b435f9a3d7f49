import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EarlyWarning, EarlyWarningParams, feedInOrder, warningParts, type WarningChange } from '../../src/cascade/early-warning.js';
import { runDay, scoreEarlyWarning } from '../../src/cascade/early-warning-score.js';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { plantedDay } from '../../src/simulate/planted-cascades.js';

const M = 60_000;
const T0 = Date.UTC(2025, 9, 10);
const common = { venue: 'bybit-linear', symbol: 'ETHUSDT', base: 'ETH', source: 'test' };
const liq = (minute: number, usd: number, at = 30_000): NormalizedEvent => ({
  type: 'liquidation',
  ...common,
  id: `l${minute}:${usd}:${at}`,
  side: 'long',
  price: 4000,
  qty: usd / 4000,
  notionalUsd: usd,
  eventTime: T0 + minute * M + at,
  receiveTime: T0 + minute * M + at,
  fidelity: 'complete',
  kind: 'liquidation',
});
const oi = (minute: number, price: number, usd = 1e9): NormalizedEvent => ({
  type: 'open_interest',
  ...common,
  oiBase: usd / price,
  oiUsd: usd,
  markPrice: price,
  eventTime: T0 + minute * M + 1_000,
  receiveTime: T0 + minute * M + 1_000,
});

/** Feeds the events, then closes the rest; every warning change. */
function feed(events: NormalizedEvent[], params: Partial<EarlyWarningParams> = {}): { ew: EarlyWarning; changes: WarningChange[] } {
  const ew = new EarlyWarning(params);
  return { ew, changes: feedInOrder(ew, events) };
}

/** An hour of a quiet ETH market: $300k of liquidations a minute and a price wobbling by 0.05%. */
const quietHour = (from = 0): NormalizedEvent[] =>
  Array.from({ length: 60 }, (_, i) => [oi(from + i, 4000 * (1 + 0.0005 * Math.sin(i))), liq(from + i, 300_000)]).flat();

describe('early warning', () => {
  it('warns when liquidations accelerate for minutes while the price falls fast: at the minute the level first reaches fireLevel', () => {
    const ramp = Array.from({ length: 8 }, (_, i) => [oi(60 + i, 4000 * (1 - 0.003 * (i + 1) ** 1.5)), liq(60 + i, 300_000 * 1.6 ** (i + 1))]).flat();
    const { ew, changes } = feed([...quietHour(), ...ramp]);
    const starts = changes.filter((c) => c.phase === 'start');
    expect(starts).toHaveLength(1);
    const [start] = starts;
    // Recomputed by hand from warningParts at each closed minute: the first minute at or above 0.4 with acceleration.
    expect(start!.base).toBe('ETH');
    expect(start!.parts.acceleration).toBeGreaterThan(0);
    expect(start!.parts.level).toBeGreaterThanOrEqual(0.4);
    expect((start!.minute - T0) / M).toBeLessThan(66);
    expect(ew.current()[0]).toMatchObject({ base: 'ETH', warning: true, since: start!.minute });
  });

  it('a whale: one or two minutes of large liquidations is no acceleration, however large', () => {
    for (const minutes of [1, 2]) {
      const bump = Array.from({ length: minutes }, (_, i) => [oi(60 + i, 4000), liq(60 + i, 30_000_000)]).flat();
      const { changes, ew } = feed([...quietHour(), ...bump, ...quietHour(62)]);
      expect(changes).toEqual([]);
      expect(Math.max(...ew.current().map((c) => c.acceleration))).toBe(0);
    }
  });

  it('price velocity alone (no liquidations accelerating) never starts a warning', () => {
    const crash = Array.from({ length: 10 }, (_, i) => [oi(60 + i, 4000 * (1 - 0.01 * (i + 1))), liq(60 + i, 300_000)]).flat();
    const { changes, ew } = feed([...quietHour(), ...crash]);
    expect(changes).toEqual([]);
    expect(ew.current()[0]!.velocity).toBe(1);
  });

  it('one absurd mark price does not silence the velocity for the hours it stays in the history', () => {
    // Minute 30 of a quiet hour carries a mark price of 1e308; then the price falls 1% a minute for 10 minutes.
    const quiet = quietHour().map((e) => (e.type === 'open_interest' && e.eventTime === T0 + 30 * M + 1_000 ? { ...e, markPrice: 1e308 } : e));
    const crash = Array.from({ length: 10 }, (_, i) => [oi(60 + i, 4000 * (1 - 0.01 * (i + 1))), liq(60 + i, 300_000)]).flat();
    const { ew } = feed([...quiet, ...crash]);
    // Before: the two returns around the bad print made the scale ~400 times the move, and velocity stayed 0.
    expect(ew.current()[0]!.velocity).toBe(1);
  });

  it('an event timed far past its receipt is counted, not applied: it cannot close every minute up to it', () => {
    const ew = new EarlyWarning();
    ew.onEvent({ ...liq(0, 1e6), eventTime: T0 + 365 * 24 * 60 * M } as NormalizedEvent);
    expect(ew.ahead).toBe(1);
    feedInOrder(ew, quietHour());
    expect(ew.late).toBe(0);
    expect(ew.current()[0]!.minute).toBe(T0 + 59 * M);
  });

  it('events of minutes already closed are counted as late', () => {
    const ew = new EarlyWarning();
    feedInOrder(ew, quietHour());
    ew.onEvent(liq(10, 5e6));
    expect(ew.late).toBe(1);
  });

  it('a silence of years between events costs no more than the longest history (no minute-by-minute walk)', () => {
    const ew = new EarlyWarning();
    const t = performance.now();
    feedInOrder(ew, [{ ...liq(0, 1e6), eventTime: 0, receiveTime: 0 } as NormalizedEvent, ...quietHour()]);
    expect(performance.now() - t).toBeLessThan(2_000);
    expect(ew.current().map((c) => c.base)).toEqual(['ETH']);
  });

  it('params are validated: a clear level at or above the fire level is refused', () => {
    expect(() => new EarlyWarning({ fireLevel: 0.4, clearLevel: 0.4 })).toThrow(/clearLevel/);
    expect(() => new EarlyWarning({ accelFrom: 8, accelFull: 8 })).toThrow(/accelFull/);
  });

  it('property: every part and the level stay within 0..1 whatever the history', () => {
    const p = EarlyWarningParams.parse({});
    const money = fc.double({ min: 0, max: 1e10, noNaN: true });
    const price = fc.double({ min: 1e-8, max: 1e7, noNaN: true });
    fc.assert(
      fc.property(fc.array(money, { maxLength: 80 }), fc.array(price, { maxLength: 300 }), fc.array(money, { maxLength: 400 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { maxLength: 5 }), (liqs, prices, ois, rates) => {
        const parts = warningParts(p, { liq: liqs, prices, oiTotals: ois, funding: new Map(rates.map((r, i) => [`v:${i}`, r])) });
        for (const v of Object.values(parts)) expect(v >= 0 && v <= 1).toBe(true);
      }),
    );
  });

  it('property: the order of events within a minute changes nothing (a live run and a replay agree)', () => {
    const day = plantedDay(3, true);
    const hours = day.events.filter((e) => e.type !== 'gap' && 'eventTime' in e && e.eventTime < day.start + 10 * 60 * M);
    const reference = feed(hours).changes;
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        // Shuffle within each minute (deterministically from the seed), keeping minutes in order.
        const byMinute = new Map<number, NormalizedEvent[]>();
        for (const e of hours) {
          const m = Math.floor((e as { eventTime: number }).eventTime / M);
          byMinute.set(m, [...(byMinute.get(m) ?? []), e]);
        }
        let x = seed >>> 0;
        const shuffled = [...byMinute.values()].flatMap((es) =>
          es
            .map((e) => ({ e, k: (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) }))
            .sort((a, b) => a.k - b.k)
            .map(({ e }) => e),
        );
        expect(feed(shuffled).changes).toEqual(reference);
      }),
      { numRuns: 5 },
    );
  });
});

describe('early warning score (planted days, reproducible from a seed)', () => {
  it('a sudden shock (no lead-in) is not warned before the detector fires: the score cannot be met by warning all the time', () => {
    const sudden = [...Array(40).keys()].map((i) => plantedDay(100_000 + i, true)).find((d) => d.cascade && !d.cascade.gradual)!;
    const { onsets, warnings } = runDay(sudden);
    expect(onsets[0]).toBe(sudden.start + sudden.cascade!.onset * M);
    expect(warnings.filter((w) => w.minute < onsets[0]!)).toEqual([]);
  });

  it('the score of a seed is reproducible, figure for figure (docs/cascades.md has the 100-day score from the bench)', () => {
    const s = scoreEarlyWarning({ seed: 200_000, cascadeDays: 12, quietDays: 14 });
    expect({ hits: s.hits, gradualDays: s.gradualDays, gradualHits: s.gradualHits, falseAlarms: s.falseAlarms, leads: s.leads }).toEqual({
      hits: 7,
      gradualDays: 8,
      gradualHits: 7,
      falseAlarms: 0,
      leads: [15, 11, 0, 0, 19, 0, 0, 16, 8, 7, 4, 12],
    });
  });
});

describe('early warning in the stage graph', () => {
  it('a replay of a planted day sets liqstream_early_warning{base} and the level gauge from the events the aggregator applied', async () => {
    const { replay } = await import('../../src/replay/replay.js');
    const { createMetrics } = await import('../../src/metrics/metrics.js');
    const { silentLogger } = await import('../../src/log.js');
    const day = plantedDay(100_001, true);
    expect(day.cascade?.gradual).toBe(true);
    // Up to the detector's onset: the warning is on then, before any cascade.
    const until = day.start + day.cascade!.onset * M;
    const events = day.events.filter((e) => (e as { eventTime: number }).eventTime < until);
    const metrics = createMetrics();
    let captured: EarlyWarning | undefined;
    await replay({
      files: ['planted'],
      speed: 'max',
      log: silentLogger(),
      metrics,
      source: async function* () {
        for (const e of events) yield { ok: true as const, frame: { recv: (e as { receiveTime: number }).receiveTime, venue: 'sim', frame: JSON.stringify(e) } };
      },
      parsers: { sim: (frame) => ({ ok: true, events: [JSON.parse(frame) as NormalizedEvent] }) },
      sinks: (state) => {
        captured = state.warnings;
        return [];
      },
    });
    const values = async (name: string) => (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? [];
    // Liquidations are never late: minutes close once every liquidations partition is past them.
    expect(captured!.late).toBe(0);
    // The planted coin is warned before the detector's onset, as the state fed in event order says.
    const reference = new EarlyWarning();
    const order = feedInOrder(reference, events).filter((c) => c.phase === 'start');
    expect(order.map((c) => c.base)).toEqual(['BTC']);
    const on = (await values('liqstream_early_warning')).filter((v) => v.value === 1).map((v) => v.labels.base);
    expect(on).toEqual(['BTC']);
    const level = (await values('liqstream_early_warning_level')).find((v) => v.labels.base === 'BTC' && v.labels.part === 'level')!.value;
    expect(level).toBeGreaterThanOrEqual(0.4);
    expect(captured!.current()[0]).toMatchObject({ base: 'BTC', warning: true, level });
  });
});
