import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../src/service/http-server.js';
import { liveApi, type LiveApi } from '../../src/web/live-api.js';
import { MarketFeed } from '../../src/web/market-feed.js';
import { liquidation } from '../support/events.js';
import { buildPage } from '../support/page-build.js';

const T0 = Date.UTC(2025, 9, 10, 20, 0);
let server: MetricsServer;
let api: LiveApi;
let url: string;

beforeAll(async () => {
  // Before any request for the page's files: see buildPage.
  buildPage();
  const metrics = createMetrics();
  const aggregator = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
  registerAggregatorMetrics(metrics.registry, aggregator);
  api = liveApi({ aggregator, feed: new MarketFeed(), cascades: () => ({ signals: [], produced: 0 }), status: () => ({}), now: () => aggregator.watermark });
  // $100, $200, $300 in the minutes 20:00, 20:01, 20:02 of 10 October 2025.
  for (const [i, usd] of [100, 200, 300].entries()) {
    const e = liquidation(`l${i}`, T0 + i * 60_000 + 5_000, usd);
    aggregator.apply(e);
    api.onEvent(e);
  }
  server = await startMetricsServer(metrics.registry, { host: '127.0.0.1', port: 0, routes: api });
  url = server.url;
});
afterAll(async () => {
  api.close();
  await server.close();
});

const get = async (path: string, init?: RequestInit) => {
  const res = await fetch(`${url}${path}`, init);
  const text = await res.text();
  return { status: res.status, allow: res.headers.get('allow'), body: res.headers.get('content-type') === 'application/json' && text ? (JSON.parse(text) as Record<string, unknown>) : text };
};
const minuteUsd = async (query: string) => ((await get(`/api/minutes?${query}`)).body as { minutes: { minute: number; usd: number }[] }).minutes.map((m) => [m.minute, m.usd]);

/** Every endpoint of the metrics port and the live API (docs/api.md, "Requests"). */
const ENDPOINTS = ['/', '/page/page.css', '/page/uPlot.iife.min.js', '/api/totals', '/api/liquidations', '/api/venues', '/api/cascades', '/api/minutes', '/api/funding', '/metrics', '/livez', '/readyz', '/healthz'];

describe('API requests (issue 18 §6)', () => {
  it('refuses an unknown venue with 400 naming it (before: 200 and an empty list), filters by a known one', async () => {
    expect(await get('/api/liquidations?venue=nowhere')).toEqual({ status: 400, allow: null, body: { error: 'venue: unknown venue "nowhere" (GET /api/venues lists them)' } });
    expect((await get('/api/liquidations?venue=bybit-linear')).body).toMatchObject({ liquidations: [{ notionalUsd: 300 }, { notionalUsd: 200 }, { notionalUsd: 100 }] });
    expect((await get('/api/liquidations?venue=okx')).body).toEqual({ liquidations: [], completeSince: null, streamDropped: 0 });
  });

  it('/api/minutes takes ISO 8601 and 13-digit milliseconds alike, [from, to)', async () => {
    expect(await minuteUsd('from=2025-10-10T20:01Z&to=2025-10-10T20:02Z')).toEqual([[T0 + 60_000, 200]]);
    expect(await minuteUsd('from=2025-10-10T20:01&to=2025-10-10T22:00:00.000Z')).toEqual([[T0 + 60_000, 200], [T0 + 120_000, 300]]); // no zone: UTC
    expect(await minuteUsd(`from=${T0}&to=${T0 + 60_000}`)).toEqual([[T0, 100]]);
    expect(await minuteUsd('from=2025-10-10T21:01%2B01:00')).toEqual([[T0 + 60_000, 200], [T0 + 120_000, 300]]); // 21:01+01:00 = 20:01Z
    expect(await minuteUsd('to=2025-10-10')).toEqual([]);
  });

  it('/api/minutes refuses from ≥ to and what is not a time, with 400 naming the parameter', async () => {
    expect(await get('/api/minutes?from=2025-10-10T20:02Z&to=2025-10-10T20:01Z')).toMatchObject({ status: 400, body: { error: 'from: from must be before to' } });
    expect(await get(`/api/minutes?from=${T0}&to=${T0}`)).toMatchObject({ status: 400, body: { error: 'from: from must be before to' } });
    expect((await get('/api/minutes?from=1760126400')).body).toEqual({ error: 'from: "1760126400" looks like seconds since the epoch; give milliseconds (1760126400000) or ISO 8601' });
    for (const bad of ['0', 'NaN', 'Infinity', '-1', '1e12', '2025-13-40T99:99Z', 'yesterday', '', '9'.repeat(400)]) {
      const r = await get(`/api/minutes?to=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(400);
      expect((r.body as { error: string }).error.startsWith('to: '), bad).toBe(true);
      expect((r.body as { error: string }).error.length, bad).toBeLessThan(200); // a long value is not echoed whole
    }
  });

  it('refuses an unknown parameter on every endpoint with 400 naming it', async () => {
    for (const path of ENDPOINTS) {
      const r = await get(`${path}?limt=5`);
      expect(r.status, path).toBe(400);
      expect((r.body as { error: string }).error, path).toMatch(/^unknown parameter "limt" \(takes /);
    }
    expect((await get('/api/totals?limt=5')).body).toEqual({ error: 'unknown parameter "limt" (takes by)' });
    expect((await get('/api/liquidations?limt=5')).body).toEqual({ error: 'unknown parameter "limt" (takes minUsd, venue, symbol, limit, sort, base, since)' });
    expect((await get(`/api/venues?${'k'.repeat(5_000)}=1`)).body).toEqual({ error: `unknown parameter "${'k'.repeat(40)}…" (takes none)` });
  });

  it('refuses a parameter given twice (`?limit=1&limit=2`) instead of picking one', async () => {
    expect(await get('/api/liquidations?limit=1&limit=2')).toMatchObject({ status: 400, body: { error: '"limit": given more than once' } });
    expect(await get('/api/minutes?from=2025-10-10T20:01Z&from=2025-10-10T20:02Z')).toMatchObject({ status: 400 });
  });

  it('answers 405 with Allow to a method an endpoint does not take (before: 404), and HEAD like GET', async () => {
    for (const path of ENDPOINTS)
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const r = await get(path, { method });
        expect([r.status, r.allow], `${method} ${path}`).toEqual([405, 'GET, HEAD']);
      }
    expect(await get('/api/stream', { method: 'POST' })).toMatchObject({ status: 405, allow: 'GET' });
    expect(await get('/api/stream')).toMatchObject({ status: 426, body: { error: '/api/stream is a WebSocket: send Upgrade: websocket' } });
    for (const path of ENDPOINTS) expect((await get(path, { method: 'HEAD' })).status, `HEAD ${path}`).toBe(200);
    expect((await get('/nowhere', { method: 'POST' })).status).toBe(404); // unknown paths stay 404
    expect((await get('/nowhere')).status).toBe(404);
  });

  it('answers garbage values with 400 and keeps every number exact, under 200 concurrent clients', async () => {
    const garbage = [
      'limit=1e400', 'limit=99999999999999999999', 'limit=NaN', 'limit=-1', 'limit=1.5', 'limit=0x10', 'limit=',
      'minUsd=1e400', 'minUsd=NaN', 'minUsd=-Infinity', 'minUsd=-1',
      'sort=random', 'symbol=%3Cimg%20src%3Dx%3E', `symbol=${'A'.repeat(41)}`, 'venue=constructor', 'venue=__proto__', 'venue=%00',
      `venue=${'x'.repeat(8_000)}`, 'from=1', `from=${'9'.repeat(20)}`,
    ];
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => get(`/api/${garbage[i % garbage.length]!.startsWith('from') ? 'minutes' : 'liquidations'}?${garbage[i % garbage.length]}`)),
    );
    const notRefused = replies.map((r, i) => [garbage[i % garbage.length], r.status] as const).filter(([, s]) => s !== 400);
    expect(notRefused).toEqual([]);
    // A URL over node's 16 KiB header limit: 431 from the server, which keeps serving.
    const res = await fetch(`${url}/api/liquidations?symbol=${'A'.repeat(20_000)}`).catch((e: Error) => e);
    expect(res instanceof Error ? 'reset' : res.status).toBe(431);
    const totals = (await get('/api/totals')).body as { usd: number; count: number };
    expect([totals.usd, totals.count]).toEqual([600, 3]);
    expect((await get('/api/liquidations?limit=1000&minUsd=150')).body).toMatchObject({ liquidations: [{ notionalUsd: 300 }, { notionalUsd: 200 }] });
  });
});
