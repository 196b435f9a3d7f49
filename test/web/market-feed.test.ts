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
