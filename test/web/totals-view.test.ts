import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import type { LiquidationEvent, OpenInterestEvent } from '../../src/schema/events.js';
import { totalsView } from '../../src/web/totals-view.js';
import { liquidation } from '../support/events.js';

const T0 = Date.UTC(2025, 9, 10, 20, 0);
const oi = (t: number, usd: number): OpenInterestEvent => ({
  type: 'open_interest',
  venue: 'bybit-linear',
  symbol: 'BTCUSDT',
  base: 'BTC',
  oiBase: usd / 100_000,
  oiUsd: usd,
  markPrice: 100_000,
  eventTime: t,
  receiveTime: t,
  source: 'tickers',
});
const liq = (id: string, symbol: string, t: number, usd: number): LiquidationEvent => liquidation(id, t, usd, { symbol, base: symbol.replace('USDT', '') });

describe('totalsView', () => {
  it('gives open interest with its change over the last hour, and the top symbols by 24 h USD with every window', () => {
    const agg = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
    agg.apply(oi(T0, 10e9));
    agg.apply(liq('a', 'ETHUSDT', T0 + 5 * 60_000, 300));
    agg.apply(oi(T0 + 30 * 60_000, 9e9));
    agg.apply(liq('b', 'BTCUSDT', T0 + 61 * 60_000, 500));
    agg.apply(oi(T0 + 61 * 60_000, 7e9));
    agg.apply(liq('c', 'ETHUSDT', T0 + 61 * 60_000 + 1, 400));
    const view = totalsView(agg, T0 + 61 * 60_000 + 1);
    // An hour before the windows' end (20:01) open interest was still the first value: 10e9 → 7e9.
    expect(view.openInterest['bybit-linear']).toMatchObject({ usd: 7e9, change1h: 7e9 / 10e9 - 1 });
    expect(view.topSymbols).toEqual([
      { venue: 'bybit-linear', symbol: 'ETHUSDT', windows: { '1m': 400, '5m': 400, '1h': 700, '24h': 700 } },
      { venue: 'bybit-linear', symbol: 'BTCUSDT', windows: { '1m': 500, '5m': 500, '1h': 500, '24h': 500 } },
    ]);
  });

  it('no open interest an hour back: the change is null, not a made-up number', () => {
    const agg = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
    agg.apply(oi(T0, 10e9));
    expect(totalsView(agg, T0).openInterest['bybit-linear']!.change1h).toBeNull();
  });
});
