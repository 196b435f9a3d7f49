import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { startMetricsServer, type MetricsServer } from '../../src/service/http-server.js';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import { liveApi, type LiveApi } from '../../src/web/live-api.js';
import { MarketFeed } from '../../src/web/market-feed.js';
import { defiLiquidation, retraction } from '../support/defi-events.js';
import { liquidation } from '../support/events.js';
import { buildPage } from '../support/page-build.js';
import { openPage } from '../support/chromium.js';
import { until } from '../support/until.js';

const T0 = Date.UTC(2025, 9, 10, 21, 0);
let server: MetricsServer;
let api: LiveApi;
let aggregator: Aggregator;

const a = defiLiquidation(1, T0 + 1_000, 82_170_000.25);
const b = defiLiquidation(2, T0 + 61_000, 3_000, { chain: 'arbitrum' });
const c = defiLiquidation(3, T0 + 62_000, 700, { venue: 'fluid', chain: 'base' });
const perp = liquidation('p1', T0 + 2_000, 1_500);

beforeAll(async () => {
  // Before any request for the page's files: see buildPage.
  buildPage();
  const metrics = createMetrics();
  aggregator = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
  registerAggregatorMetrics(metrics.registry, aggregator);
  api = liveApi({ aggregator, feed: new MarketFeed(), cascades: () => ({ signals: [], produced: 0 }), status: () => ({}), now: () => aggregator.watermark });
  // As the aggregation stage hands them on: only what the aggregator applied reaches the views.
  const events: NormalizedEvent[] = [perp, a, b, c, retraction(b), retraction(b)];
  for (const e of events) if (aggregator.apply(e)) api.onEvent(e);
  server = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 0, routes: api });
});
afterAll(async () => {
  api.close();
  await server.close();
});

const get = async (path: string) => (await (await fetch(`${server.url}${path}`)).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('DeFi in the live API and page, apart from the perps', () => {
  it('/api/totals: perps as before, a defi block by protocol and chain with windows, net of the retraction', async () => {
    const t = await get('/api/totals');
    expect([t.usd, t.count, Object.keys(t.byVenue)]).toEqual([1_500, 1, ['bybit-linear']]);
    expect(t.windows['24h'].usd).toBe(1_500);
    expect(t.defi.usd).toBe(82_170_700.25);
    expect(t.defi.count).toBe(2);
    expect(t.defi.retracted).toEqual({ usd: 3_000, count: 1 });
    expect(t.defi.byProtocol['aave-v3'].byChain).toEqual({ arbitrum: { usd: 0, debtUsd: 0, count: 0 }, ethereum: { usd: 82_170_000.25, debtUsd: 78_883_200.24, count: 1 } });
    expect(t.defi.windows['24h']).toEqual({ usd: 82_170_700.25, byProtocol: { 'aave-v3': { arbitrum: 0, ethereum: 82_170_000.25 }, fluid: { base: 700 } } });
    expect(t.defi.windows['1m']).toEqual({ usd: 700, byProtocol: { 'aave-v3': { arbitrum: 0, ethereum: 0 }, fluid: { base: 700 } } });
  });

  it('/api/minutes: defiMinutes by protocol beside the perps minutes; /api/liquidations never lists a retracted one', async () => {
    const m = await get('/api/minutes');
    expect(m.minutes.map((x: { usd: number }) => x.usd)).toEqual([1_500]);
    expect(m.defiMinutes.map((x: { minute: number; usd: number; count: number }) => [x.minute, x.usd, x.count])).toEqual([
      [T0, 82_170_000.25, 1],
      [T0 + 60_000, 700, 1],
    ]);
    const ids = (await get('/api/liquidations?limit=50')).liquidations.map((e: { id: string }) => e.id);
    expect(ids).toEqual([c.id, a.id, perp.id]);
    expect((await get('/api/liquidations?sort=usd&limit=50')).liquidations.map((e: { id: string }) => e.id)).toEqual([a.id, perp.id, c.id]);
  });

  it('the live page shows the DeFi panel with the same figures', async () => {
    const page = await openPage(`${server.url}/`);
    try {
      const cell = (protocol: string, chain: string, col: string) => page.evaluate<string | null>(`document.querySelector('#defitotals tr[data-protocol="${protocol}"]${chain ? `[data-chain="${chain}"]` : ''} td[data-window="${col}"]')?.dataset.usd ?? null`);
      await until(async () => (await cell('all', '', '24h')) !== null, 'DeFi panel rendered');
      expect(await cell('all', '', '24h')).toBe('82170700.25');
      expect(await cell('aave-v3', 'ethereum', '24h')).toBe('82170000.25');
      expect(await cell('fluid', 'base', '1m')).toBe('700');
      expect(await page.evaluate<string>('getComputedStyle(document.getElementById("defi")).display')).not.toBe('none');
      expect(await page.evaluate<string>('document.getElementById("defiretracted").textContent')).toBe('1 liquidations ($3.0k) taken back after chain reorganisations; figures are net of them');
    } finally {
      await page.close();
    }
  });
});
