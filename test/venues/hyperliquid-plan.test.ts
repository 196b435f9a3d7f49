import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { hyperliquidVenue } from '../../src/venues/hyperliquid/index.js';
import { fetchMetaAndAssetCtxs } from '../../src/venues/hyperliquid/metaAndAssetCtxs.js';
import { HYPERLIQUID_WS_URL, hyperliquidSubscribeError, planHyperliquidSockets } from '../../src/venues/hyperliquid/plan.js';

const coins = (n: number): string[] => Array.from({ length: n }, (_, i) => `C${i}`);

describe('Hyperliquid socket plans', () => {
  it('one trades and one activeAssetCtx subscription per coin, app ping every 20 s', () => {
    const { plans, dropped } = planHyperliquidSockets(['BTC', 'xyz:CRWV']);
    expect(dropped).toEqual([]);
    expect(plans).toHaveLength(1);
    const [p] = plans;
    expect(p).toMatchObject({ venue: 'hyperliquid', name: 'hyperliquid-1', url: HYPERLIQUID_WS_URL, pingIntervalMs: 20_000, silenceTimeoutMs: 60_000 });
    expect(p!.maxConnectionMs).toBeUndefined();
    expect(p!.subscribe.map((s) => JSON.parse(s) as unknown)).toEqual([
      { method: 'subscribe', subscription: { type: 'trades', coin: 'BTC' } },
      { method: 'subscribe', subscription: { type: 'activeAssetCtx', coin: 'BTC' } },
      { method: 'subscribe', subscription: { type: 'trades', coin: 'xyz:CRWV' } },
      { method: 'subscribe', subscription: { type: 'activeAssetCtx', coin: 'xyz:CRWV' } },
    ]);
    expect(p!.appPing?.()).toBe('{"method":"ping"}');
  });

  it('shards by subscriptions per socket and stays inside the per-IP budget, reporting what did not fit', () => {
    const { plans, dropped } = planHyperliquidSockets(coins(230));
    expect(plans.map((p) => p.subscribe.length)).toEqual([200, 200, 60]);
    expect(dropped).toEqual([]);
    const big = planHyperliquidSockets(coins(600));
    const subscriptions = big.plans.reduce((n, p) => n + p.subscribe.length, 0);
    expect(subscriptions).toBe(900);
    expect(big.plans.length).toBeLessThanOrEqual(5);
    expect(big.dropped).toEqual(coins(600).slice(450));
    expect(new Set(big.plans.map((p) => p.name)).size).toBe(big.plans.length);
  });

  it('options cannot exceed the documented limits (1,000 subscriptions, 10 connections)', () => {
    const { plans, dropped } = planHyperliquidSockets(coins(2000), { maxSubscriptions: 5000, maxSockets: 50, subscriptionsPerSocket: 50, channels: ['trades'] });
    expect(plans).toHaveLength(10);
    expect(plans.reduce((n, p) => n + p.subscribe.length, 0)).toBe(500);
    expect(dropped).toHaveLength(1500);
  });

  it('recognises a refused subscription', () => {
    expect(hyperliquidSubscribeError('{"channel":"error","data":"Invalid subscription"}')).toBe('Invalid subscription');
    expect(hyperliquidSubscribeError('{"channel":"subscriptionResponse","data":{}}')).toBeUndefined();
    expect(hyperliquidSubscribeError('{"channel":"trades","data":[{"coin":"error"}]}')).toBeUndefined();
  });
});

async function infoServer(handler: (body: unknown, req: IncomingMessage) => { status: number; json: unknown }) {
  const seen: unknown[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as unknown;
      seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], body });
      const { status, json } = handler(body, req);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const RESPONSE = [
  {
    universe: [
      { szDecimals: 5, name: 'BTC', maxLeverage: 40, marginTableId: 56 },
      { szDecimals: 4, name: 'ETH', maxLeverage: 25, marginTableId: 55 },
      { szDecimals: 0, name: 'HPOS', maxLeverage: 3, onlyIsolated: true, isDelisted: true },
      { szDecimals: 0, name: 'kPEPE', maxLeverage: 10 },
    ],
  },
  [
    { funding: '0.0000125', openInterest: '40762.72024', prevDayPx: '85286.0', oraclePx: '85660.0', markPx: '85634.0', midPx: '85634.5' },
    { funding: '0.0000100', openInterest: '446072.075', oraclePx: '3230.1', markPx: '3227.4', midPx: null },
    { funding: '0.0', openInterest: '0.0', oraclePx: '0.01', markPx: '0.01', midPx: null },
    { funding: '0.0', openInterest: '9000000', oraclePx: '0.0105', markPx: '0.010503', midPx: '0.0105' },
  ],
];

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

describe('metaAndAssetCtxs', () => {
  it('POSTs {"type":"metaAndAssetCtxs"} to /info; pairs universe[i] with ctxs[i]; skips delisted coins', async () => {
    const srv = await infoServer(() => ({ status: 200, json: RESPONSE }));
    cleanup.push(srv.close);
    const got = await fetchMetaAndAssetCtxs({ baseUrl: srv.url, now: () => 1_800_000_000_000 });
    expect(srv.seen).toEqual([{ method: 'POST', url: '/info', type: 'application/json', body: { type: 'metaAndAssetCtxs' } }]);
    expect(got.coins).toEqual(['BTC', 'ETH', 'kPEPE']);
    const oi = (symbol: string, base: string, oiBase: number, mark: number) => ({
      type: 'open_interest',
      venue: 'hyperliquid',
      symbol,
      base,
      oiBase,
      oiUsd: oiBase * mark,
      markPrice: mark,
      eventTime: 1_800_000_000_000,
      receiveTime: 1_800_000_000_000,
      source: 'metaAndAssetCtxs',
    });
    expect(got.events).toEqual([oi('BTC', 'BTC', 40762.72024, 85634), oi('ETH', 'ETH', 446072.075, 3227.4), oi('kPEPE', '1000PEPE', 9000000, 0.010503)]);
  });

  it('a builder dex: sends dex and keeps the dex: prefix on names', async () => {
    const srv = await infoServer(() => ({ status: 200, json: [{ universe: [{ name: 'xyz:CRWV' }, { name: 'NVDA' }] }, [{ markPx: '116.84', openInterest: '10' }, { markPx: '180', openInterest: '2' }]] }));
    cleanup.push(srv.close);
    const got = await fetchMetaAndAssetCtxs({ baseUrl: `${srv.url}/`, dex: 'xyz', now: () => 1 });
    expect((srv.seen[0] as { body: unknown }).body).toEqual({ type: 'metaAndAssetCtxs', dex: 'xyz' });
    expect(got.coins).toEqual(['xyz:CRWV', 'xyz:NVDA']);
    expect(got.events.map((e) => [e.symbol, e.base])).toEqual([
      ['xyz:CRWV', 'CRWV'],
      ['xyz:NVDA', 'NVDA'],
    ]);
  });

  it('fails on HTTP errors, malformed bodies and mismatched lengths', async () => {
    let reply: { status: number; json: unknown } = { status: 429, json: null };
    const srv = await infoServer(() => reply);
    cleanup.push(srv.close);
    await expect(fetchMetaAndAssetCtxs({ baseUrl: srv.url })).rejects.toThrow('HTTP 429');
    reply = { status: 200, json: { nope: true } };
    await expect(fetchMetaAndAssetCtxs({ baseUrl: srv.url })).rejects.toThrow('unexpected response');
    reply = { status: 200, json: [{ universe: [{ name: 'BTC' }] }, []] };
    await expect(fetchMetaAndAssetCtxs({ baseUrl: srv.url })).rejects.toThrow('1 markets but 0 contexts');
  });

  it('discovery adds the builder-deployed (HIP-3) dexes listed by perpDexs, so their open interest is watched too', async () => {
    const XYZ = [{ universe: [{ name: 'xyz:CRWV' }, { name: 'NVDA' }] }, [{ markPx: '116.84', openInterest: '10' }, { markPx: '180', openInterest: '2' }]];
    const srv = await infoServer((body) => {
      const b = body as { type: string; dex?: string };
      if (b.type === 'perpDexs') return { status: 200, json: [null, { name: 'xyz', full_name: 'XYZ', deployer: '0x0000000000000000000000000000000000000001', oracleUpdater: null }] };
      return { status: 200, json: b.dex === 'xyz' ? XYZ : RESPONSE };
    });
    cleanup.push(srv.close);
    const venue = hyperliquidVenue();
    const meta = await venue.discover({ log: silentLogger(), restUrl: srv.url });
    expect(meta.symbols).toEqual(['BTC', 'ETH', 'kPEPE', 'xyz:CRWV', 'xyz:NVDA']);
    expect(srv.seen.map((r) => (r as { body: unknown }).body)).toContainEqual({ type: 'metaAndAssetCtxs', dex: 'xyz' });
    const plans = venue.plans(meta, { log: silentLogger(), url: 'ws://127.0.0.1:1/ws' });
    expect(plans.flatMap((p) => p.subscribe).filter((m) => m.includes('xyz:CRWV'))).toHaveLength(2);
  });

  it('the venue module discovers coins largest open interest first and plans sockets for them', async () => {
    const srv = await infoServer(() => ({ status: 200, json: RESPONSE }));
    cleanup.push(srv.close);
    const venue = hyperliquidVenue();
    const meta = await venue.discover({ log: silentLogger(), restUrl: srv.url });
    expect(meta.symbols).toEqual(['BTC', 'ETH', 'kPEPE']);
    const plans = venue.plans(meta, { log: silentLogger(), url: 'ws://127.0.0.1:1/ws' });
    expect(plans.map((p) => [p.url, p.subscribe.length])).toEqual([['ws://127.0.0.1:1/ws', 6]]);
  });
});
