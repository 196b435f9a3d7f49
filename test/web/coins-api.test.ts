import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { FundingEvent, NormalizedEvent } from '../../src/schema/events.js';
import { startMetricsServer, type MetricsServer } from '../../src/service/http-server.js';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import { liveApi, type LiveApi } from '../../src/web/live-api.js';
import { MarketFeed } from '../../src/web/market-feed.js';
import { liquidation, openInterest } from '../support/events.js';

const T0 = Date.UTC(2025, 9, 10, 21, 0);
const MIN = 60_000;

const funding = (venue: string, symbol: string, base: string, rate: number, hours: number, t: number, markPrice: number): FundingEvent => ({
  type: 'funding',
  venue,
  symbol,
  base,
  rate,
  intervalHours: hours,
  ratePerHour: rate / hours,
  markPrice,
  nextFundingTime: T0 + 3_600_000,
  eventTime: t,
  receiveTime: t,
  source: 'test',
});

/**
 * BTC across three venues of three fidelities, PEPE from two, ADL apart, and a tail of small coins past
 * basesTopN. Every figure below is a sum a person can check by hand.
 */
const EVENTS: NormalizedEvent[] = [
  liquidation('b1', T0 + 10_000, 1_000_000.5, { venue: 'bybit-linear', symbol: 'BTCUSDT', base: 'BTC', side: 'long' }),
  liquidation('b2', T0 + 20_000, 250_000.25, { venue: 'binance-usdm', symbol: 'BTCUSDT', base: 'BTC', side: 'short', fidelity: 'sampled' }),
  liquidation('b3', T0 + 3 * MIN, 2_000_000, { venue: 'hyperliquid', symbol: 'BTC', base: 'BTC', side: 'long' }),
  liquidation('b4', T0 + 3 * MIN + 1, 500, { venue: 'hyperliquid', symbol: 'BTC', base: 'BTC', side: 'long', kind: 'adl' }),
  liquidation('p1', T0 + 30_000, 70_000, { venue: 'bybit-linear', symbol: '1000PEPEUSDT', base: 'PEPE', side: 'long' }),
  liquidation('p2', T0 + 4 * MIN, 30_000, { venue: 'hyperliquid', symbol: 'kPEPE', base: 'PEPE', side: 'short' }),
  ...['AAA', 'BBB', 'CCC'].map((b, i) => liquidation(`t${i}`, T0 + 4 * MIN + i, 1_000 * (i + 1), { symbol: `${b}USDT`, base: b })),
  funding('bybit-linear', 'BTCUSDT', 'BTC', 0.0001, 8, T0 + 3 * MIN + 5_000, 121_000),
  funding('hyperliquid', 'BTC', 'BTC', 0.0000125, 1, T0 + 3 * MIN + 40_000, 120_500),
  openInterest('BTCUSDT', T0 + 3 * MIN + 50_000, 5e9, { base: 'BTC', markPrice: 120_400 }),
  funding('binance-usdm', 'ETHUSDT', 'ETH', -0.0002, 8, T0 + MIN, 4_000),
];

let server: MetricsServer;
let api: LiveApi;
let url: string;
let metrics: ReturnType<typeof createMetrics>;

beforeAll(async () => {
  metrics = createMetrics();
  const aggregator = new Aggregator({ clock: 'watermark', basesTopN: 2 });
  registerAggregatorMetrics(metrics.registry, aggregator);
  api = liveApi({ aggregator, feed: new MarketFeed(), cascades: () => ({ signals: [], produced: 0 }), status: () => ({}), now: () => aggregator.watermark });
  for (const e of EVENTS) if (aggregator.apply(e)) api.onEvent(e);
  server = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 0, routes: api });
  url = server.url;
});
afterAll(async () => {
  api.close();
  await server.close();
});

const get = async (path: string) => {
  const res = await fetch(`${url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe('coins across venues: /api/totals?by=base, /api/minutes?by=base, metrics (issue 21)', () => {
  it('sums each coin over its venues exactly, ADL apart, marked by the least complete fidelity in it', async () => {
    const { status, body } = await get('/api/totals?by=base');
    expect(status).toBe(200);
    expect(body).toMatchObject({ by: 'base', asOf: T0 + 4 * MIN + 2, windowsEnd: T0 + 4 * MIN + 2 });
    expect(Object.keys(body.bases)).toEqual(['AAA', 'BBB', 'BTC', 'CCC', 'PEPE']);
    expect(body.bases.BTC).toEqual({
      count: 3,
      usd: 3_250_000.75,
      longUsd: 3_000_000.5,
      shortUsd: 250_000.25,
      adlUsd: 500,
      venues: ['binance-usdm', 'bybit-linear', 'hyperliquid'],
      mark: '≥',
      windows: {
        '1m': { usd: 0, longUsd: 0, shortUsd: 0, count: 0 },
        '5m': { usd: 3_250_000.75, longUsd: 3_000_000.5, shortUsd: 250_000.25, count: 3 },
        '1h': { usd: 3_250_000.75, longUsd: 3_000_000.5, shortUsd: 250_000.25, count: 3 },
        '24h': { usd: 3_250_000.75, longUsd: 3_000_000.5, shortUsd: 250_000.25, count: 3 },
      },
    });
    expect(body.bases.PEPE).toMatchObject({ count: 2, usd: 100_000, longUsd: 70_000, shortUsd: 30_000, adlUsd: 0, venues: ['bybit-linear', 'hyperliquid'], mark: '' });
    expect(body.bases.PEPE.windows['1m']).toEqual({ usd: 30_000, longUsd: 0, shortUsd: 30_000, count: 1 });
    // The coins add up to the venues' total, to the 1/10,000 USD.
    const totals = (await get('/api/totals')).body;
    const sum = Object.values(body.bases as Record<string, { usd: number }>).reduce((a, b) => a + b.usd * 10_000, 0) / 10_000;
    expect(sum).toBe(totals.usd);
  });

  it('minutes of one coin: long/short USD per minute and per venue, the last mark price of the minute', async () => {
    const { body } = await get('/api/minutes?by=base&base=BTC');
    expect(body.by).toBe('base');
    expect(body.minutes).toEqual([
      { minute: T0, longUsd: 1_000_000.5, shortUsd: 250_000.25, count: 2, price: null, byVenue: { 'binance-usdm': { longUsd: 0, shortUsd: 250_000.25, count: 1 }, 'bybit-linear': { longUsd: 1_000_000.5, shortUsd: 0, count: 1 } } },
      // The open-interest mark at :50 is later than both funding marks of that minute.
      { minute: T0 + 3 * MIN, longUsd: 2_000_000, shortUsd: 0, count: 1, price: 120_400, byVenue: { hyperliquid: { longUsd: 2_000_000, shortUsd: 0, count: 1 } } },
    ]);
    expect((await get(`/api/minutes?by=base&base=BTC&from=${T0 + MIN}`)).body.minutes.map((m: { minute: number }) => m.minute)).toEqual([T0 + 3 * MIN]);
    expect((await get('/api/minutes?by=base&base=NOPE')).body).toEqual({ by: 'base', base: 'NOPE', minutes: [] });
  });

  it('/api/funding: the last funding per market, filtered by coin; funding never enters a total', async () => {
    const { body } = await get('/api/funding');
    expect(body.asOf).toBe(T0 + 4 * MIN + 2);
    expect(body.funding.map((f: Record<string, unknown>) => [f.venue, f.symbol, f.base, f.rate, f.intervalHours, f.ratePerHour, f.markPrice, f.nextFundingTime])).toEqual([
      ['binance-usdm', 'ETHUSDT', 'ETH', -0.0002, 8, -0.000025, 4_000, T0 + 3_600_000],
      ['bybit-linear', 'BTCUSDT', 'BTC', 0.0001, 8, 0.0000125, 121_000, T0 + 3_600_000],
      ['hyperliquid', 'BTC', 'BTC', 0.0000125, 1, 0.0000125, 120_500, T0 + 3_600_000],
    ]);
    expect((await get('/api/funding?base=ETH')).body.funding).toHaveLength(1);
    expect((await get('/api/totals')).body.count).toBe(8);
  });

  it('refuses garbage with 400 naming the parameter', async () => {
    for (const [path, error] of [
      ['/api/totals?by=venue', /^by: /],
      ['/api/totals?by=base&by=base', /given more than once/],
      ['/api/minutes?base=BTC', /^by: by=base and base=<coin> go together/],
      ['/api/minutes?by=base', /^by: by=base and base=<coin> go together/],
      [`/api/minutes?by=base&base=${encodeURIComponent('<img src=x>')}`, /^base: expected a coin/],
      ['/api/funding?base=', /^base: /],
      ['/api/funding?venue=okx', /^unknown parameter "venue" \(takes base\)/],
      ['/api/liquidations?since=yesterday', /^since: /],
      ['/api/liquidations?base=' + 'B'.repeat(65), /^base: /],
    ] as const) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body.error, path).toMatch(error);
    }
  });

  it('per-coin gauges are bounded: the basesTopN coins by 24 h USD and `other`, which together are the total', async () => {
    const text = await metrics.registry.metrics();
    const lines = text.split('\n').filter((l) => l.startsWith('liqstream_base_liquidations_window_usd{') && l.includes('window="24h"'));
    const bases = [...new Set(lines.map((l) => /base="([^"]+)"/.exec(l)![1]))].sort();
    expect(bases).toEqual(['BTC', 'PEPE', 'other']);
    const value = (base: string, side: string) => Number(lines.find((l) => l.includes(`base="${base}"`) && l.includes(`side="${side}"`))!.split(' ').at(-1));
    expect(value('other', 'long')).toBe(6_000);
    expect(value('BTC', 'long') + value('PEPE', 'long') + value('other', 'long')).toBe(3_076_000.5);
    const funding = text.split('\n').filter((l) => l.startsWith('liqstream_funding_rate_per_hour{'));
    // Only the shown coins' markets: ETH (no liquidations) has no series.
    expect(funding.map((l) => l.replace(/ [^ ]+$/, ''))).toEqual([
      'liqstream_funding_rate_per_hour{venue="bybit-linear",symbol="BTCUSDT",base="BTC"}',
      'liqstream_funding_rate_per_hour{venue="hyperliquid",symbol="BTC",base="BTC"}',
    ]);
  });
});
