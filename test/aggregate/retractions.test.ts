import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { toUnits, toUsd } from '../../src/aggregate/fixed-point.js';
import { RetractionLedger } from '../../src/aggregate/retraction-ledger.js';
import { SEEN_ID, SeenIds } from '../../src/aggregate/seen-ids.js';
import type { LiquidationEvent, NormalizedEvent } from '../../src/schema/events.js';
import { defiLiquidation, retraction } from '../support/defi-events.js';
import { liquidation } from '../support/events.js';

const T0 = Date.UTC(2025, 9, 10, 21, 0);

/** Everything DeFi the aggregator shows, in USD: lifetime totals, windows, minutes. */
function defiState(agg: Aggregator) {
  const end = agg.windowEnd();
  const snap = agg.totalsSnapshot().defi;
  return {
    usd: snap?.usd ?? 0,
    count: snap?.count ?? 0,
    debtUsd: snap?.debtUsd ?? 0,
    window1h: agg.defi.windowUsd('1h', end).usd,
    window5m: agg.defi.windowUsd('5m', end).usd,
    minutes: toUsd(agg.defi.minutes.range().reduce((s, m) => s + m.units, 0)),
    minuteCount: agg.defi.minutes.range().reduce((s, m) => s + m.count, 0),
  };
}

/** What the state must be: the sum of the events not retracted, in exact units. */
function expected(events: LiquidationEvent[], end = Infinity) {
  const units = events.reduce((s, e) => s + toUnits(e.notionalUsd), 0);
  const debt = events.reduce((s, e) => s + toUnits(e.onchain!.debtUsd), 0);
  // The 5-minute window: 1-second buckets, the last 300 of them up to the window's end.
  const recent = events.filter((e) => Math.floor(e.eventTime / 1_000) > Math.floor(end / 1_000) - 300).reduce((s, e) => s + toUnits(e.notionalUsd), 0);
  return { usd: toUsd(units), count: events.length, debtUsd: toUsd(debt), window1h: toUsd(units), window5m: toUsd(end === Infinity ? units : recent), minutes: toUsd(units), minuteCount: events.length };
}

describe('retractions (issue 20)', () => {
  it('takes back exactly what its liquidation added, from totals, windows and minutes, by protocol and chain', () => {
    const agg = new Aggregator({ clock: 'watermark' });
    const a = defiLiquidation(1, T0, 1_234.5678);
    const b = defiLiquidation(2, T0 + 1_000, 0.0001, { chain: 'base' });
    const c = defiLiquidation(3, T0 + 2_000, 99_999.9999, { venue: 'morpho-blue', chain: 'base' });
    for (const e of [a, b, c]) expect(agg.apply(e)).toBe(true);
    expect(agg.apply(retraction(b))).toBe(true);
    const snap = agg.totalsSnapshot().defi!;
    expect(snap.usd).toBe(101_234.5677);
    expect(snap.count).toBe(2);
    expect(snap.byProtocol['aave-v3']!.byChain).toEqual({ ethereum: { usd: 1_234.5678, debtUsd: toUsd(toUnits(1_234.5678 * 0.96)), count: 1 }, base: { usd: 0, debtUsd: 0, count: 0 } });
    expect(snap.retracted).toEqual({ usd: 0.0001, count: 1 });
    expect(agg.defi.windowUsd('1m', agg.windowEnd()).byProtocol).toEqual({ 'aave-v3': { base: 0, ethereum: 1_234.5678 }, 'morpho-blue': { base: 99_999.9999 } });
    expect(defiState(agg)).toEqual(expected([a, c]));
  });

  it('never twice: a second copy of the retraction takes nothing back and is counted as unmatched', () => {
    const agg = new Aggregator({ clock: 'watermark' });
    const a = defiLiquidation(1, T0, 500);
    const b = defiLiquidation(2, T0, 700);
    agg.apply(a);
    agg.apply(b);
    expect(agg.apply(retraction(a))).toBe(true);
    expect(agg.apply(retraction(a, 'removed'))).toBe(false);
    expect(defiState(agg)).toEqual(expected([b]));
    expect(agg.metricsView.unmatchedRetractions().get('aave-v3')).toBe(1);
  });

  it('a retraction before its event: nothing goes negative, and the late event is never counted', () => {
    const agg = new Aggregator({ clock: 'watermark' });
    const a = defiLiquidation(1, T0, 500);
    expect(agg.apply(retraction(a))).toBe(false);
    expect(agg.totalsSnapshot().defi).toBeUndefined();
    expect(agg.apply(a)).toBe(false);
    expect(agg.totalsSnapshot().defi).toBeUndefined();
    expect(agg.defi.windowUsd('24h', agg.windowEnd()).usd).toBe(0);
  });

  it('subtracts what was applied, not what the retraction carries (a tampered copy cannot drive a total negative)', () => {
    const agg = new Aggregator({ clock: 'watermark' });
    const a = defiLiquidation(1, T0, 500);
    agg.apply(a);
    agg.apply({ ...retraction(a), event: { ...a, notionalUsd: 9_999_999 } });
    expect(defiState(agg)).toEqual(expected([]));
  });

  it('keeps DeFi out of every perps total, window, minute and symbol list; a retraction of a perp takes nothing', () => {
    const agg = new Aggregator({ clock: 'watermark' });
    const perp = liquidation('p1', T0, 2_000);
    agg.apply(perp);
    agg.apply(defiLiquidation(1, T0, 500));
    expect(agg.apply({ type: 'retraction', venue: perp.venue, id: perp.id, event: perp, reason: 'reorg', receiveTime: T0 })).toBe(false);
    const t = agg.totalsSnapshot();
    expect(t.usd).toBe(2_000);
    expect(Object.keys(t.byVenue)).toEqual(['bybit-linear']);
    expect(agg.windowTotalUsd('1h')).toBe(2_000);
    expect(agg.minutes.range().reduce((s, m) => s + m.units, 0)).toBe(toUnits(2_000));
    expect(agg.topSymbols(10).map((s) => s.venue)).toEqual(['bybit-linear']);
    expect(t.defi!.usd).toBe(500);
  });

  it('across a rebalance (resetState and re-read): the retraction re-read takes nothing twice, the rebuilt state equals the rest', () => {
    const agg = new Aggregator({ clock: 'watermark' });
    const [a, b] = [defiLiquidation(1, T0, 500), defiLiquidation(2, T0 + 60_000, 800)];
    const stream: NormalizedEvent[] = [a, b, retraction(a)];
    for (const e of stream) agg.apply(e);
    agg.resetState();
    for (const e of stream) agg.apply(e, true);
    expect(defiState(agg)).toEqual(expected([b]));
    expect(agg.totalsSnapshot().defi!.retracted).toEqual({ usd: 500, count: 1 });
  });

  it('after a restart (a new process re-reads the event, then a new retraction): windows lose it, lifetime totals were never given it', () => {
    const agg = new Aggregator({ clock: 'watermark' });
    const [a, b] = [defiLiquidation(1, T0, 500), defiLiquidation(2, T0, 800)];
    agg.apply(a, true);
    agg.apply(b);
    agg.apply(retraction(a));
    const s = defiState(agg);
    expect(s.window1h).toBe(800);
    expect(s.minutes).toBe(800);
    expect(s.usd).toBe(800);
    // The retraction is this process's to count: the earlier process counted the liquidation (docs/reliability.md).
    expect(agg.defi.counters()).toEqual([{ protocol: 'aave-v3', chain: 'ethereum', applied: { usd: 800, debtUsd: 768, count: 1 }, retracted: { usd: 500, debtUsd: 480, count: 1 } }]);
  });

  it('property: any interleaving of events, copies and retractions (before or after their event, repeated, across a rebalance) gives the sum of the events not retracted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cents: fc.integer({ min: 1, max: 10_000_000_000 }), minute: fc.integer({ min: 0, max: 30 }), chain: fc.constantFrom('ethereum', 'base', 'arbitrum'), venue: fc.constantFrom('aave-v3', 'spark', 'morpho-blue') }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 25, maxLength: 25 }),
        fc.integer({ min: -1, max: 80 }),
        fc.integer(),
        (specs, retracted, copies, resetAt, seed) => {
          const events = specs.map((s, i) => defiLiquidation(i, T0 + s.minute * 60_000 + i, s.cents / 100, { venue: s.venue, chain: s.chain }));
          const stream: NormalizedEvent[] = [];
          events.forEach((e, i) => {
            for (let k = 0; k <= copies[i]!; k++) stream.push(e);
            if (retracted[i]) for (let k = 0; k <= copies[i]!; k++) stream.push(retraction(e));
          });
          // A deterministic shuffle from the seed: retractions before, between and after their events' copies.
          let x = seed >>> 0 || 1;
          for (let i = stream.length - 1; i > 0; i--) {
            x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
            const j = x % (i + 1);
            [stream[i], stream[j]] = [stream[j]!, stream[i]!];
          }
          const agg = new Aggregator({ clock: 'watermark' });
          stream.forEach((e, i) => {
            agg.apply(e);
            // A rebalance: state rebuilt from a re-read of everything so far (ids seen before: counted once).
            if (i === resetAt) {
              agg.resetState();
              for (const r of stream.slice(0, i + 1)) agg.apply(r, true);
            }
          });
          const kept = events.filter((_, i) => !retracted[i]);
          expect(defiState(agg)).toEqual(expected(kept, agg.windowEnd()));
          const snap = agg.totalsSnapshot().defi;
          for (const p of Object.values(snap?.byProtocol ?? {})) for (const c of Object.values(p.byChain)) expect(c.usd).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a restart at any point (a new process re-reads what the first applied, then reads on): its windows and minutes equal the events not retracted, and the two processes\' counters, liquidated less retracted, sum to them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cents: fc.integer({ min: 1, max: 1_000_000_000 }), minute: fc.integer({ min: 0, max: 20 }), retracted: fc.boolean(), first: fc.boolean() }), { minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.integer(),
        (specs, cut, seed) => {
          const events = specs.map((s, i) => defiLiquidation(i, T0 + s.minute * 60_000 + i, s.cents / 100, { chain: i % 2 ? 'base' : 'ethereum' }));
          // The partition's order: each event, its retraction after it (or, when `first`, before it).
          const stream: NormalizedEvent[] = [];
          events.forEach((e, i) => stream.push(...(specs[i]!.retracted ? (specs[i]!.first ? [retraction(e), e] : [e, retraction(e)]) : [e])));
          // Events of different ids interleave freely: a deterministic shuffle that keeps each id's own order.
          let x = seed >>> 0 || 1;
          const byId = new Map<string, NormalizedEvent[]>();
          for (const e of stream) {
            const id = (e as { id: string }).id;
            byId.set(id, [...(byId.get(id) ?? []), e]);
          }
          const queues = [...byId.values()];
          const order: NormalizedEvent[] = [];
          while (queues.some((q) => q.length)) {
            x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
            const live = queues.filter((q) => q.length);
            order.push(live[x % live.length]!.shift()!);
          }
          const k = cut % (order.length + 1);
          const first = new Aggregator({ clock: 'watermark' });
          for (const e of order.slice(0, k)) first.apply(e);
          const second = new Aggregator({ clock: 'watermark' });
          for (const e of order.slice(0, k)) second.apply(e, true);
          for (const e of order.slice(k)) second.apply(e);
          const kept = events.filter((_, i) => !specs[i]!.retracted);
          const s2 = defiState(second);
          expect([s2.window1h, s2.minutes, s2.minuteCount]).toEqual([usdOfUnits(kept), usdOfUnits(kept), kept.length]);
          const net = (a: Aggregator) => a.defi.counters().reduce((n, c) => n + toUnits(c.applied.usd) - toUnits(c.retracted.usd), 0);
          expect(net(first) + net(second)).toBe(kept.reduce((n, e) => n + toUnits(e.notionalUsd), 0));
        },
      ),
      { numRuns: 300 },
    );
  });
});

const usdOfUnits = (events: LiquidationEvent[]) => toUsd(events.reduce((s, e) => s + toUnits(e.notionalUsd), 0));

describe('RetractionLedger and SeenIds', () => {
  it('keep ids by the same minutes: past the horizon a retraction finds nothing in either, the next minute is still known', () => {
    const HOUR = 3_600_000;
    const t = Date.UTC(2025, 9, 10, 21, 0, 40); // 40 s into a minute
    const ledger = new RetractionLedger(26 * HOUR);
    const seen = new SeenIds(26 * HOUR);
    const old = defiLiquidation(1, t, 100);
    const next = defiLiquidation(2, t + 30_000, 100); // the next minute, the same hour
    for (const e of [old, next]) {
      ledger.applying(e, toUnits(e.notionalUsd), true);
      seen.check(e.id, e.eventTime);
    }
    // The newest event puts the horizon inside the next minute.
    const newest = defiLiquidation(3, t + 26 * HOUR + 30_000, 100);
    ledger.applying(newest, toUnits(newest.notionalUsd), true);
    seen.check(newest.id, newest.eventTime);
    expect(ledger.retract(old.id, old.eventTime)).toEqual({ applied: false });
    expect(seen.check(old.id, old.eventTime)).not.toBe(SEEN_ID);
    expect(ledger.retract(next.id, next.eventTime)).toMatchObject({ applied: true });
    expect(seen.check(next.id, next.eventTime)).toBe(SEEN_ID);
  });
});
