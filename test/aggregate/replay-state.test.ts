import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { eventTimeOf, type LiquidationEvent, type NormalizedEvent, type VenueId } from '../../src/schema/events.js';

const T = Date.UTC(2025, 9, 10, 21, 0);
let n = 0;
const liq = (venue: VenueId, t: number, usd: number, kind: LiquidationEvent['kind'] = 'liquidation', fidelity: LiquidationEvent['fidelity'] = 'complete'): LiquidationEvent => ({
  type: 'liquidation',
  id: `${venue}:${(n += 1)}`,
  venue,
  symbol: 'BTC',
  base: 'BTC',
  side: n % 2 ? 'long' : 'short',
  price: 100,
  qty: usd / 100,
  notionalUsd: usd,
  eventTime: t,
  receiveTime: t + 5,
  fidelity,
  kind,
  source: 'test',
});
const oi = (venue: VenueId, symbol: string, t: number, usd: number): NormalizedEvent => ({ type: 'open_interest', venue, symbol, base: symbol, oiBase: 1, oiUsd: usd, markPrice: 1, eventTime: t, receiveTime: t, source: 'test' });

/** What a report and its files read from an aggregator. */
function read(a: Aggregator) {
  const minutes = a.minutes.range();
  return {
    totals: a.totalsSnapshot(),
    fidelity: Object.entries(a.fidelity).sort(),
    watermark: a.watermark,
    minutes,
    adl: a.adlByMinute(minutes),
    openInterest: a.openInterestByMinute(minutes),
    oiAt: a.openInterestAt(minutes),
    oiNow: [...a.openInterestByVenue()].sort(),
  };
}

describe('Aggregator replay state (replay --workers)', () => {
  it('two aggregators of disjoint venues, merged, read as one fed every event: liquidations, ADL, vault fills, gaps, open interest', () => {
    const a: NormalizedEvent[] = [
      liq('hyperliquid', T + 1_000, 1_000.5),
      liq('hyperliquid', T + 61_000, 20, 'adl'),
      liq('hyperliquid', T + 62_000, 30, 'vault'),
      oi('hyperliquid', 'BTC', T + 2_000, 5_000),
      oi('hyperliquid', 'BTC', T + 70_000, 6_000),
      { type: 'gap', venue: 'hyperliquid', from: T, to: T + 500, reason: 'test' },
    ];
    const b: NormalizedEvent[] = [
      liq('binance-usdm', T + 3_000, 77.7, 'liquidation', 'sampled'),
      liq('binance-usdm', T + 125_000, 1.25, 'liquidation', 'sampled'),
      liq('binance-usdm', T + 125_500, 1.25, 'liquidation', 'sampled'),
      oi('binance-usdm', 'ETH', T + 4_000, 900),
      // Older than the TTL at the end: must leave the venue total as in one aggregator.
      oi('binance-usdm', 'XRP', T - 3_600_000, 50),
    ];
    const one = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
    for (const e of [...a, ...b].sort((x, y) => (x.type === 'gap' ? x.from : eventTimeOf(x)) - (y.type === 'gap' ? y.from : eventTimeOf(y)))) one.apply(e);
    const parts = [a, b].map((events) => {
      const p = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
      for (const e of events) p.apply(e);
      return structuredClone(p.replayState());
    });
    const merged = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
    for (const s of parts.reverse()) merged.mergeReplayState(s);
    expect(read(merged)).toEqual(read(one));
    // The figures themselves, so that a merge that drops a kind cannot pass by both sides being empty.
    const totals = read(one).totals;
    expect(totals).toMatchObject({ usd: 1_080.7, count: 4, lowerBound: true, gaps: 1 });
    expect(totals.adl).toEqual({ hyperliquid: { longUsd: 0, shortUsd: 20, count: 1 } });
    expect(totals.vault).toEqual({ hyperliquid: { longUsd: 30, shortUsd: 0, count: 1 } });
    expect(read(one).adl[1]).toEqual({ hyperliquid: 20 });
    expect(read(one).oiNow).toEqual([
      ['binance-usdm', { usd: 900, oldestReceiveTime: T + 4_000 }],
      ['hyperliquid', { usd: 6_000, oldestReceiveTime: T + 70_000 }],
    ]);
  });
});
