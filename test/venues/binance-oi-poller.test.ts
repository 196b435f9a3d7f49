import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { RawFrame } from '../../src/schema/events.js';
import { startBinanceOiPoller } from '../../src/venues/binance/oi-poller.js';
import { createBinanceParser } from '../../src/venues/binance/parse.js';
import { WeightBudget } from '../../src/connection/weight-budget.js';
import { fixture } from '../support/fixtures.js';
import { until } from '../support/until.js';

interface Hit {
  at: number;
  path: string;
  weight: number;
  status: number;
}

async function binanceRest(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  let n = 0;
  const server = createServer((req, res) => handler(req, res, n++));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('Binance open-interest poller', () => {
  it('backs off on 429 + Retry-After, never exceeds the weight budget, and hands on every answer, changed or not', async () => {
    const symbols = Array.from({ length: 20 }, (_, i) => `C${i}USDT`);
    const hits: Hit[] = [];
    let limited = 0;
    const rest = await binanceRest((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const path = url.pathname;
      const weight = path.endsWith('premiumIndex') ? 10 : 1;
      if (path.endsWith('openInterest') && limited < 2) {
        limited += 1;
        hits.push({ at: Date.now(), path, weight, status: 429 });
        res.writeHead(429, { 'retry-after': '1' }).end('{"code":-1003,"msg":"Too many requests"}');
        return;
      }
      hits.push({ at: Date.now(), path, weight, status: 200 });
      res.setHeader('x-mbx-used-weight-1m', '5');
      if (path.endsWith('premiumIndex')) res.end(JSON.stringify(symbols.map((symbol) => ({ symbol, markPrice: '2.5', time: 1 }))));
      else res.end(JSON.stringify({ openInterest: '1000.5', symbol: url.searchParams.get('symbol'), time: 1589437530011 }));
    });
    cleanup.push(rest.close);

    const frames: RawFrame[] = [];
    const budget = new WeightBudget(12, 1_000);
    // Send times as the poller issues requests (arrival times at the server add network jitter).
    const sent: { at: number; weight: number }[] = [];
    const fetchImpl: typeof fetch = (input, init) => {
      sent.push({ at: Date.now(), weight: String(input).includes('premiumIndex') ? 10 : 1 });
      return fetch(input, init);
    };
    const poller = startBinanceOiPoller({
      venue: 'binance-usdm',
      symbols,
      budget,
      baseUrl: rest.url,
      fetchImpl,
      intervalMs: 0,
      log: silentLogger(),
      sink: { handleFrame: (f) => void frames.push(f), gap: () => {} },
    });
    cleanup.push(() => poller.stop());
    // Two whole sweeps: the second sees the same open interest and hands it on again (its age restarts).
    await until(() => hits.filter((h) => h.path.endsWith('premiumIndex')).length >= 3, 'three sweeps started', 30_000);
    await poller.stop();

    const first429 = hits.findIndex((h) => h.status === 429);
    const afterBackoff = hits[first429 + 1]!;
    expect(afterBackoff.at - hits[first429]!.at).toBeGreaterThanOrEqual(990);
    // The budget admits at its own clock; the wrapper stamps a moment later, so allow that much skew.
    const skew = 25;
    for (const h of sent) {
      const inWindow = sent.filter((x) => x.at > h.at - 1_000 + skew && x.at <= h.at).reduce((s, x) => s + x.weight, 0);
      expect(inWindow).toBeLessThanOrEqual(12);
    }
    const oiFrames = frames.filter((f) => f.frame.includes('"openInterest"'));
    expect(oiFrames.map((f) => JSON.parse(f.frame).symbol as string).slice(0, 40)).toEqual([...symbols, ...symbols]);
    expect(frames.filter((f) => f.frame.startsWith('[')).length).toBeGreaterThanOrEqual(2);

    const parse = createBinanceParser({ venue: 'binance-usdm' });
    const events = frames.flatMap((f) => {
      const r = parse(f.frame, f.recv);
      return r.ok ? r.events : [];
    });
    expect(events.length).toBe(oiFrames.length);
    expect(events[0]).toMatchObject({ type: 'open_interest', symbol: 'C0USDT', base: 'C0', oiBase: 1000.5, oiUsd: 1000.5 * 2.5, markPrice: 2.5, eventTime: 1589437530011 });
  });

  it('by default polls every contract premiumIndex lists (perpetuals and quarterlies) and stops polling one once it is delisted', async () => {
    let sweep = 0;
    const polled: string[][] = [[], [], []];
    const rest = await binanceRest((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname.endsWith('premiumIndex')) {
        sweep += 1;
        // ETHUSDT_251226 is delivered (delisted) after the first sweep.
        const listed = sweep === 1 ? ['BTCUSDT', 'BTCUSDT_251226', 'ETHUSDT_251226'] : ['BTCUSDT', 'BTCUSDT_251226'];
        res.end(JSON.stringify(listed.map((symbol) => ({ symbol, markPrice: '100' }))));
        return;
      }
      const symbol = url.searchParams.get('symbol')!;
      polled[sweep - 1]?.push(symbol);
      res.end(JSON.stringify({ openInterest: '1', symbol, time: 1 }));
    });
    cleanup.push(rest.close);
    const poller = startBinanceOiPoller({
      venue: 'binance-usdm',
      budget: new WeightBudget(1_000, 1_000),
      baseUrl: rest.url,
      intervalMs: 0,
      log: silentLogger(),
      sink: { handleFrame: () => {}, gap: () => {} },
    });
    cleanup.push(() => poller.stop());
    await until(() => sweep >= 3, 'three sweeps', 10_000);
    await poller.stop();
    expect(polled[0]).toEqual(['BTCUSDT', 'BTCUSDT_251226', 'ETHUSDT_251226']);
    expect(polled[1]).toEqual(['BTCUSDT', 'BTCUSDT_251226']);
  });

  it('parses the documented REST samples once a mark price is known', () => {
    const usdm = createBinanceParser({ venue: 'binance-usdm' });
    expect(usdm(fixture('binance-usdm-openinterest-rest-1.json'), 5)).toEqual({ ok: true, events: [] });
    usdm('[{"symbol":"BTCUSDT","markPrice":"9500"}]', 5);
    expect(usdm(fixture('binance-usdm-openinterest-rest-1.json'), 5)).toEqual({
      ok: true,
      events: [
        { type: 'open_interest', venue: 'binance-usdm', symbol: 'BTCUSDT', base: 'BTC', oiBase: 10659.509, oiUsd: 10659.509 * 9500, markPrice: 9500, eventTime: 1589437530011, receiveTime: 5, source: 'openInterest' },
      ],
    });
    const coinm = createBinanceParser({ venue: 'binance-coinm', contractUsd: () => 100 });
    coinm('[{"symbol":"BTCUSD_200626","markPrice":"9600"}]', 5);
    const r = coinm(fixture('binance-coinm-openinterest-rest-1.json'), 5);
    // 15,004 contracts of 100 USD.
    expect(r.ok && r.events[0]).toMatchObject({ symbol: 'BTCUSD_200626', base: 'BTC', oiUsd: 1_500_400, oiBase: 1_500_400 / 9600, markPrice: 9600 });
  });
});
