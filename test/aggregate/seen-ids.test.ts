import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEW_ID, SEEN_BEFORE_RESET, SEEN_ID, SeenIds } from '../../src/aggregate/seen-ids.js';

const HOUR = 3_600_000;

/** The behaviour, written plainly: per event-time minute, each id with the generation it was last seen in. */
function model(horizonMs: number) {
  const minutes = new Map<number, Map<string, number>>();
  let oldest = -Infinity;
  let generation = 1;
  return {
    check(id: string, t: number): number {
      oldest = Math.max(oldest, Math.floor((t - horizonMs) / 60_000));
      for (const m of minutes.keys()) if (m < oldest) minutes.delete(m);
      const minute = Math.floor(t / 60_000);
      if (minute < oldest) return NEW_ID;
      const ids = minutes.get(minute) ?? new Map<string, number>();
      minutes.set(minute, ids);
      const was = ids.get(id);
      ids.set(id, generation);
      return was === undefined ? NEW_ID : was === generation ? SEEN_ID : SEEN_BEFORE_RESET;
    },
    nextGeneration: () => void (generation += 1),
  };
}

describe('SeenIds', () => {
  it('answers as a plain map of minutes does, across minutes, the horizon and generations', () => {
    const T = 1_760_000_000_000;
    const step = fc.oneof(
      fc.record({ id: fc.constantFrom('a', 'b', 'c', 'hyperliquid:1:0xab', 'hyperliquid:2:0xab'), t: fc.integer({ min: 0, max: 12 * 60_000 }) }),
      fc.constant('next' as const),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 * 60_000 }), fc.array(step, { maxLength: 200 }), (horizonMs, steps) => {
        const ids = new SeenIds(horizonMs);
        const expected = model(horizonMs);
        for (const s of steps)
          if (s === 'next') {
            ids.nextGeneration();
            expected.nextGeneration();
          } else expect(ids.check(s.id, T + s.t)).toBe(expected.check(s.id, T + s.t));
      }),
      { numRuns: 500 },
    );
  });

  it('reports a repeated id as seen, in any order, and a new one as new', () => {
    const ids = new SeenIds(26 * HOUR);
    const t = 1_760_000_000_000;
    expect(ids.seen('binance-usdm:BTCUSDT:1:SELL:0.1:100', t)).toBe(false);
    expect(ids.seen('binance-usdm:BTCUSDT:2:SELL:0.1:100', t + 5)).toBe(false);
    expect(ids.seen('binance-usdm:BTCUSDT:1:SELL:0.1:100', t)).toBe(true);
    expect(ids.seen('binance-usdm:BTCUSDT:2:SELL:0.1:100', t + 5)).toBe(true);
    for (let i = 0; i < 50_000; i++) expect(ids.seen(`bybit-linear:ETHUSDT:${t + i}:Buy:1:2`, t + i)).toBe(false);
    for (let i = 0; i < 50_000; i++) expect(ids.seen(`bybit-linear:ETHUSDT:${t + i}:Buy:1:2`, t + i)).toBe(true);
  });

  it('forgets whole minutes once they are older than the horizon behind the newest event', () => {
    const ids = new SeenIds(26 * HOUR);
    const t = 1_760_000_000_000;
    ids.seen('old', t);
    expect(ids.seen('old', t)).toBe(true);
    ids.seen('new', t + 28 * HOUR);
    expect(ids.seen('old', t)).toBe(false); // beyond the horizon: cannot be checked, counts as new
    expect(ids.seen('old', t)).toBe(false);
  });

  it('keeps ids per event-time minute: a minute past the horizon goes, the next minute of its hour stays', () => {
    const ids = new SeenIds(26 * HOUR);
    const t = 1_760_000_020_000; // 40 s into a minute, 53 minutes into an hour
    ids.seen('first minute', t);
    ids.seen('next minute', t + 30_000);
    // The newest event puts the horizon inside the next minute: the first minute is dropped, the next is kept.
    ids.seen('newest', t + 26 * HOUR + 30_000);
    expect(ids.seen('first minute', t)).toBe(false);
    expect(ids.seen('next minute', t + 30_000)).toBe(true);
  });

  it('remembers ids across a new generation: seen before it, then seen in it (a rebalance keeps the filter)', () => {
    const ids = new SeenIds(26 * HOUR);
    const t = 1_760_000_000_000;
    for (let i = 0; i < 5_000; i++) expect(ids.check(`a${i}`, t + i)).toBe(NEW_ID);
    ids.nextGeneration();
    for (let i = 0; i < 5_000; i++) expect(ids.check(`a${i}`, t + i)).toBe(SEEN_BEFORE_RESET);
    for (let i = 0; i < 5_000; i++) expect(ids.check(`a${i}`, t + i)).toBe(SEEN_ID);
    expect(ids.check('b', t)).toBe(NEW_ID);
    // 70,000 generations wrap the 16-bit tag: an id of long ago is still "before", never "this one".
    for (let g = 0; g < 70_000; g++) ids.nextGeneration();
    expect(ids.check('a1', t + 1)).toBe(SEEN_BEFORE_RESET);
    expect(ids.check('a1', t + 1)).toBe(SEEN_ID);
  });

  it('costs 20–40 bytes per id (measured: a million ids in one hour)', () => {
    const ids = new SeenIds(26 * HOUR);
    const t = 1_760_000_000_000;
    for (let i = 0; i < 1_000_000; i++) ids.seen(`binance-usdm:BTCUSDT:${t + (i % 3_000_000)}:SELL:${i}:9910.5`, t + (i % 3_000_000));
    const perId = ids.bytes() / 1_000_000;
    expect(perId).toBeGreaterThanOrEqual(20);
    expect(perId).toBeLessThanOrEqual(40);
  });
});

describe('SeenIds memory (docs/reliability.md, Active-active connectors)', () => {
  it('holds at most 40 bytes per id where a minute is just past a table half full (1,025 ids a minute), 160 bytes a sparse minute', () => {
    const t = 1_760_000_000_000;
    const busy = new SeenIds(26 * HOUR);
    for (let i = 0; i < 1_025 * 20; i++) busy.seen(`binance-usdm:BTCUSDT:${i}`, t + Math.floor(i / 1_025) * 60_000 + (i % 1_025));
    expect(busy.bytes() / (1_025 * 20)).toBeGreaterThan(39);
    expect(busy.bytes() / (1_025 * 20)).toBeLessThanOrEqual(40);
    // One id a minute over the whole horizon: ≈ 250 KB in all.
    const quiet = new SeenIds(26 * HOUR);
    for (let m = 0; m < 26 * 60; m++) quiet.seen(`binance-usdm:BTCUSDT:${m}`, t + m * 60_000);
    expect(quiet.bytes()).toBe(26 * 60 * 160);
  });
});
