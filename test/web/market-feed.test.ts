import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LiquidationEvent } from '../../src/schema/events.js';
import { MarketFeed } from '../../src/web/market-feed.js';
import { liquidation } from '../support/events.js';

const HOUR = 3_600_000;
const liq = (i: number, t: number, usd: number, venue: 'binance-usdm' | 'bybit-linear' = 'binance-usdm'): LiquidationEvent =>
  liquidation(`e${i}`, t, usd, { venue, side: i % 2 ? 'long' : 'short' });

describe('MarketFeed', () => {
  it('property: the largest of the last 24 h equal a brute-force pick over every event, whatever expired', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 2 * HOUR }), usd: fc.integer({ min: 1, max: 1_000_000 }) }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 20 }),
        (steps, limit) => {
          const feed = new MarketFeed(50, 20);
          const all: LiquidationEvent[] = [];
          let t = 1_760_000_000_000;
          steps.forEach(({ dt, usd }, i) => {
            t += dt;
            const e = liq(i, t, usd);
            all.push(e);
            feed.add(e);
          });
          const newest = Math.max(...all.map((e) => e.eventTime));
          const expected = all
            .filter((e) => e.eventTime > newest - 24 * HOUR)
            .sort((a, b) => b.notionalUsd - a.notionalUsd || (a.id < b.id ? -1 : 1))
            .slice(0, limit);
          expect(feed.largest({ minUsd: 0, limit }).map((e) => e.id)).toEqual(expected.map((e) => e.id));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the newest `capacity` on the tape, newest first, filtered by venue, symbol and minimum USD', () => {
    const feed = new MarketFeed(3, 10);
    feed.add(liq(1, 1, 10));
    feed.add(liq(2, 2, 5_000, 'bybit-linear'));
    feed.add(liq(3, 3, 20));
    feed.add(liq(4, 4, 30_000));
    expect(feed.recent({ minUsd: 0, limit: 10 }).map((e) => e.id)).toEqual(['e4', 'e3', 'e2']);
    expect(feed.recent({ minUsd: 1_000, limit: 10 }).map((e) => e.id)).toEqual(['e4', 'e2']);
    expect(feed.recent({ minUsd: 0, venue: 'bybit-linear', limit: 10 }).map((e) => e.id)).toEqual(['e2']);
    expect(feed.recent({ minUsd: 0, symbol: 'ETHUSDT', limit: 10 })).toEqual([]);
    expect(feed.recent({ minUsd: 0, limit: 1 }).map((e) => e.id)).toEqual(['e4']);
  });
});

describe('MarketFeed: server-side tape filter (issue 21)', () => {
  const T = Date.UTC(2025, 9, 10, 21);
  it('a $5M filter returns every liquidation of $5M or more the server holds, not those among the last few thousand', () => {
    const feed = new MarketFeed(5_000);
    const big: string[] = [];
    // 20,000 small liquidations with 10 of $5M+ spread among them: the tape of everything keeps the last 5,000.
    for (let i = 0; i < 20_000; i++) {
      const large = i % 2_000 === 7;
      const e = liquidation(`l${i}`, T + i * 10, large ? 5_000_000 + i : 100, { base: i % 3 === 1 ? 'BTC' : 'ETH' });
      if (large) big.push(e.id);
      feed.add(e);
    }
    const answer = feed.recentWithCover({ minUsd: 5_000_000, limit: 1_000 });
    expect(answer.liquidations.map((e) => e.id)).toEqual([...big].reverse());
    expect(answer.completeSince).toBeNull();
    // By coin across venues, and since a time.
    expect(feed.recentWithCover({ minUsd: 5_000_000, base: 'BTC', limit: 1_000 }).liquidations.map((e) => e.id)).toEqual(big.filter((id) => Number(id.slice(1)) % 3 === 1).reverse());
    expect(feed.recentWithCover({ minUsd: 5_000_000, since: T + 10_007 * 10, limit: 1_000 })).toEqual({
      liquidations: feed.recentWithCover({ minUsd: 5_000_000, limit: 4 }).liquidations,
      completeSince: T + 10_007 * 10,
    });
    // The unfiltered tape says from when on it is complete: the newest event time it let go of.
    expect(feed.recentWithCover({ minUsd: 0, limit: 1 }).completeSince).toBe(T + 14_999 * 10);
  });
  it('holds what totals count as liquidations: backstops too, never ADL or vault fills', () => {
    const feed = new MarketFeed();
    const t = 1_760_000_000_000;
    for (const [i, kind] of (['liquidation', 'backstop', 'adl', 'vault'] as const).entries()) feed.add(liquidation(kind, t + i, 1_000 + i, { kind }));
    // Backstops were left out of the tape and the largest, while /api/totals counted them (an adversarial review: 823
    // Hyperliquid events, $9.48M of the simulated cascade, missing from the stream).
    expect(feed.recent({ minUsd: 0, limit: 10 }).map((e) => e.id)).toEqual(['backstop', 'liquidation']);
    expect(feed.largest({ minUsd: 0, limit: 10 }).map((e) => e.id)).toEqual(['backstop', 'liquidation']);
  });
});
