import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { bybitVenue, DEFAULT_BYBIT_SYMBOLS } from '../../src/venues/bybit/index.js';
import { fetchBybitContracts, watchInstruments, type InstrumentsChange } from '../../src/venues/bybit/instruments.js';
import { until } from '../support/until.js';

async function bybitRest(handler: (url: URL, res: ServerResponse, req: IncomingMessage) => void) {
  const seen: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://127.0.0.1');
    seen.push(url);
    res.setHeader('content-type', 'application/json');
    handler(url, res, req);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const close = () => new Promise<void>((r) => server.close(() => r()));
  cleanup.push(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

let cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const instrument = (symbol: string, contractType: string, status = 'Trading') => ({
  symbol,
  contractType,
  status,
  baseCoin: symbol.replace(/-.*$/, '').replace(/USDT$|PERP$|USD$|USD[FGHJKMNQUVXZ]\d\d$/, ''),
  quoteCoin: symbol.endsWith('USD') ? 'USD' : symbol.endsWith('PERP') ? 'USDC' : 'USDT',
  launchTime: '1585526400000',
  deliveryTime: '0',
  priceScale: '2',
  lotSizeFilter: { minOrderQty: '0.001' },
});
const page = (list: unknown[], nextPageCursor = '', category = 'linear') =>
  JSON.stringify({ retCode: 0, retMsg: 'OK', result: { category, list, nextPageCursor }, retExtInfo: {}, time: 1672712495660 });

describe('Bybit instruments discovery', () => {
  it('follows nextPageCursor over two pages and keeps only trading perpetuals and delivery futures', async () => {
    const rest = await bybitRest((url, res) => {
      if (!url.searchParams.get('cursor')) {
        res.end(page([instrument('BTCUSDT', 'LinearPerpetual'), instrument('BTCUSDT-26DEC25', 'LinearFutures'), instrument('ETHPERP', 'LinearPerpetual')], 'first%3A1000'));
      } else {
        res.end(page([instrument('SOLUSDT', 'LinearPerpetual'), instrument('OLDUSDT', 'LinearPerpetual', 'Closed'), instrument('NEWUSDT', 'LinearPerpetual', 'PreLaunch')]));
      }
    });
    const found = await fetchBybitContracts('linear', { baseUrl: rest.url });
    expect(found).toEqual([
      { symbol: 'BTCUSDT', baseCoin: 'BTC', quoteCoin: 'USDT' },
      { symbol: 'BTCUSDT-26DEC25', baseCoin: 'BTC', quoteCoin: 'USDT' },
      { symbol: 'ETHPERP', baseCoin: 'ETH', quoteCoin: 'USDC' },
      { symbol: 'SOLUSDT', baseCoin: 'SOL', quoteCoin: 'USDT' },
    ]);
    expect(rest.seen.map((u) => u.pathname)).toEqual(['/v5/market/instruments-info', '/v5/market/instruments-info']);
    // The cursor goes back exactly as Bybit sent it (already percent-encoded), not encoded twice.
    expect(rest.seen.map((u) => u.search)).toEqual(['?category=linear&limit=1000', '?category=linear&limit=1000&cursor=first%3A1000']);
  });

  it('inverse keeps InversePerpetual and InverseFutures (their liquidations are on allLiquidation too)', async () => {
    const rest = await bybitRest((_url, res) =>
      res.end(page([instrument('BTCUSD', 'InversePerpetual'), instrument('BTCUSDH26', 'InverseFutures'), instrument('ETHUSD', 'InversePerpetual')], '', 'inverse')),
    );
    expect((await fetchBybitContracts('inverse', { baseUrl: rest.url })).map((i) => i.symbol)).toEqual(['BTCUSD', 'BTCUSDH26', 'ETHUSD']);
  });

  it('fails loudly on retCode, HTTP errors, bad shapes and endless cursors', async () => {
    const rest = await bybitRest((url, res) => {
      const mode = url.searchParams.get('category');
      if (mode === 'linear') res.end(JSON.stringify({ retCode: 10006, retMsg: 'Too many visits!', result: {}, time: 1 }));
      else {
        res.statusCode = 503;
        res.end('{}');
      }
    });
    await expect(fetchBybitContracts('linear', { baseUrl: rest.url })).rejects.toThrow('retCode 10006 Too many visits!');
    await expect(fetchBybitContracts('inverse', { baseUrl: rest.url })).rejects.toThrow('HTTP 503');
    await expect(fetchBybitContracts('linear', { fetchPage: async () => ({ retCode: 0, retMsg: 'OK', result: { list: [{ symbol: 'X' }] } }) })).rejects.toThrow(
      'unexpected response: result.list.0.contractType',
    );
    await expect(fetchBybitContracts('linear', { fetchPage: async () => JSON.parse(page([], 'same')) })).rejects.toThrow('cursor same repeated');
  });

  it('watchInstruments reports new and removed listings, survives a failed refresh, and stops', async () => {
    let listing = ['BTCUSDT', 'ETHUSDT'];
    let fail = false;
    let calls = 0;
    const rest = await bybitRest((_url, res) => {
      calls += 1;
      if (fail) {
        res.statusCode = 500;
        res.end('{}');
      } else res.end(page(listing.map((s) => instrument(s, 'LinearPerpetual'))));
    });
    const changes: InstrumentsChange[] = [];
    const errors: string[] = [];
    const stop = watchInstruments('linear', 30, (c) => changes.push(c), { baseUrl: rest.url, known: ['BTCUSDT', 'ETHUSDT'], onError: (e) => errors.push(e.message) });
    cleanup.push(stop);
    await until(() => calls >= 2, 'two refreshes');
    expect(changes).toEqual([]);
    fail = true;
    await until(() => errors.length >= 1, 'a failed refresh');
    listing = ['BTCUSDT', 'NEWUSDT'];
    fail = false;
    await until(() => changes.length >= 1, 'the new listing');
    expect(changes[0]).toEqual({ added: [{ symbol: 'NEWUSDT', baseCoin: 'NEW', quoteCoin: 'USDT' }], removed: ['ETHUSDT'], symbols: ['BTCUSDT', 'NEWUSDT'] });
    stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 120));
    expect(calls).toBe(after);
    expect(changes).toHaveLength(1);
  });

  it('watchInstruments without known symbols reports the first listing as added', async () => {
    const rest = await bybitRest((_url, res) => res.end(page([instrument('BTCUSDT', 'LinearPerpetual')])));
    const changes: InstrumentsChange[] = [];
    const stop = watchInstruments('linear', 60_000, (c) => changes.push(c), { baseUrl: rest.url });
    cleanup.push(stop);
    await until(() => changes.length === 1, 'first listing');
    expect(changes[0]).toMatchObject({ added: [{ symbol: 'BTCUSDT' }], removed: [], symbols: ['BTCUSDT'] });
  });

  it('the venue module discovers through restUrl and falls back to its defaults without discovery', async () => {
    const rest = await bybitRest((url, res) =>
      res.end(page([instrument('BTCUSD', 'InversePerpetual'), instrument('ETHUSD', 'InversePerpetual')], '', url.searchParams.get('category')!)),
    );
    const module = bybitVenue('bybit-inverse');
    const ctx = { log: silentLogger(), restUrl: rest.url };
    const meta = await module.discover(ctx);
    // The listed instruments go to the parser (and into a recording's metadata.json): quote from instruments-info.
    const inverse = (base: string) => ({ symbol: `${base}USD`, base, quote: 'USD', settle: base, type: 'inverse', contractValue: 1, from: 'discovery' });
    expect(meta).toEqual({ symbols: ['BTCUSD', 'ETHUSD'], instruments: { BTCUSD: inverse('BTC'), ETHUSD: inverse('ETH') } });
    expect(module.plans(meta, ctx).flatMap((p) => p.subscribe.flatMap((s) => (JSON.parse(s) as { args: string[] }).args))).toEqual([
      'allLiquidation.BTCUSD',
      'tickers.BTCUSD',
      'allLiquidation.ETHUSD',
      'tickers.ETHUSD',
    ]);
    const fallback = module.plans({}, ctx).flatMap((p) => p.subscribe.flatMap((s) => (JSON.parse(s) as { args: string[] }).args));
    expect(fallback).toHaveLength(DEFAULT_BYBIT_SYMBOLS['bybit-inverse'].length * 2);
  });
});
