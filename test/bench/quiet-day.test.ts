import { describe, expect, it } from 'vitest';
import { quietDay } from '../../bench/store-days.js';
import { NormalizedEvent } from '../../src/schema/events.js';
import { prng } from '../../src/simulate/prng.js';

// The store benches (store-days, store-live) generate their quiet days with quietDay. When the simulated 10 October
// gained venues, its shares named venues the generator had no symbol for, and both benches crashed at their first
// minute. Every event it makes must be a valid event of one of the five venues it spells.
describe('bench quiet day', () => {
  it('makes valid liquidation and open-interest events of the five big venues', () => {
    const day = Date.UTC(2025, 6, 1);
    const events = [...quietDay(day, 20_000, prng(7))].flat();
    expect(events.length).toBeGreaterThan(20_000);
    for (const e of events) expect(NormalizedEvent.safeParse(e).success).toBe(true);
    expect(new Set(events.map((e) => e.venue))).toEqual(new Set(['hyperliquid', 'bybit-linear', 'binance-usdm', 'bybit-inverse', 'binance-coinm']));
    const liquidations = events.filter((e) => e.type === 'liquidation');
    expect(liquidations.length).toBeGreaterThan(19_000);
    expect(liquidations.length).toBeLessThan(21_000);
  });
});
