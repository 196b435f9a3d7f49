import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { RawFrame, VenueId } from '../../src/schema/events.js';
import type { FrameParser } from '../../src/venues/venue.js';
import { startConnectors } from '../../src/service/connectors.js';
import { onlyVenues } from '../support/config-file.js';
import { until } from '../support/until.js';
import { BybitServer } from '../support/venue-servers.js';

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A local Bybit: WebSocket server, and an instruments endpoint listing `listed()`. Counts REST requests. */
async function bybitVenue(listed: () => string[]) {
  const requests = { count: 0 };
  const rest = createServer((_req, res) => {
    requests.count += 1;
    const list = listed().map((symbol) => ({ symbol, contractType: 'LinearPerpetual', status: 'Trading', baseCoin: symbol.replace('USDT', ''), quoteCoin: 'USDT', settleCoin: 'USDT' }));
    res.end(JSON.stringify({ retCode: 0, retMsg: 'OK', result: { category: 'linear', list, nextPageCursor: '' }, time: 1 }));
  });
  await new Promise<void>((r) => rest.listen(0, '127.0.0.1', () => r()));
  const ws = await BybitServer.start();
  cleanup.push(() => ws.close(), () => new Promise((r) => rest.close(r)));
  return { ws, restUrl: `http://127.0.0.1:${(rest.address() as AddressInfo).port}`, requests };
}

const bybitOnly = (linear: Record<string, unknown>) =>
  loadConfig({
    env: {},
    overrides: {
      venues: onlyVenues({ 'bybit-linear': { enabled: true, ...linear } }),
    },
  });

const start = async (config: ReturnType<typeof loadConfig>, frames: RawFrame[] = []) => {
  const connectors = await startConnectors(config, {
    sink: { handleFrame: (f) => void frames.push(f), gap: () => {} },
    metrics: createMetrics(),
    log: silentLogger(),
    parsers: new Map(),
  });
  cleanup.push(() => connectors.stop());
};

describe('Bybit new listings', () => {
  it('a perpetual listed after start-up is discovered on refresh, subscribed on a new socket and its liquidations flow', async () => {
    let listed = ['BTCUSDT'];
    const { ws, restUrl } = await bybitVenue(() => listed);
    const config = bybitOnly({ url: ws.url(BybitServer.PATH), restUrl, refreshMs: 200 });
    const frames: RawFrame[] = [];
    await start(config, frames);
    await until(() => ws.subscribed('allLiquidation.BTCUSDT'), 'the discovered symbol subscribed');
    expect(ws.subscribed('allLiquidation.NEWUSDT')).toBe(false);

    listed = ['BTCUSDT', 'NEWUSDT'];
    await until(() => ws.subscribed('allLiquidation.NEWUSDT') && ws.subscribed('tickers.NEWUSDT'), 'the new listing subscribed');
    expect(ws.subscriptions.size).toBe(2); // a socket of its own; the original one untouched
    const frame = '{"topic":"allLiquidation.NEWUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"NEWUSDT","S":"Buy","v":"1","p":"2"}]}';
    expect(ws.publish('allLiquidation.NEWUSDT', frame)).toBe(1);
    await until(() => frames.some((f) => f.frame === frame), 'the new listing’s liquidation');
  });

  it('an explicit symbols list is watched as given: no other market is subscribed, on start or on refresh', async () => {
    const { ws, restUrl, requests } = await bybitVenue(() => ['BTCUSDT', 'ETHUSDT', 'NEWUSDT']);
    await start(bybitOnly({ url: ws.url(BybitServer.PATH), restUrl, refreshMs: 100, symbols: ['BTCUSDT'] }));
    await until(() => ws.subscribed('allLiquidation.BTCUSDT'), 'the configured symbol subscribed');
    const afterStart = requests.count;
    // Long enough for several refreshes had a new-listing watch been started.
    await new Promise((r) => setTimeout(r, 600));
    expect(requests.count).toBe(afterStart);
    expect(ws.subscribed('allLiquidation.ETHUSDT') || ws.subscribed('allLiquidation.NEWUSDT')).toBe(false);
    expect(ws.subscriptions.size).toBe(1);
  });
});

describe('Bybit without its market list', () => {
  it('watches the built-in subset and labels it partial (events and liqstream_venue_partial) until a refresh reads the list, then complete', async () => {
    let available = false;
    const requests = { count: 0 };
    const rest = createServer((_req, res) => {
      requests.count += 1;
      if (!available) {
        res.writeHead(503).end('unavailable');
        return;
      }
      const list = ['BTCUSDT', 'BTCUSDT-26DEC25'].map((symbol) => ({ symbol, contractType: symbol.includes('-') ? 'LinearFutures' : 'LinearPerpetual', status: 'Trading', baseCoin: 'BTC', quoteCoin: 'USDT' }));
      res.end(JSON.stringify({ retCode: 0, retMsg: 'OK', result: { category: 'linear', list, nextPageCursor: '' }, time: 1 }));
    });
    await new Promise<void>((r) => rest.listen(0, '127.0.0.1', () => r()));
    const ws = await BybitServer.start();
    cleanup.push(() => ws.close(), () => new Promise((r) => rest.close(r)));
    const restUrl = `http://127.0.0.1:${(rest.address() as AddressInfo).port}`;
    const metrics = createMetrics();
    const parsers = new Map<VenueId, FrameParser>();
    const connectors = await startConnectors(bybitOnly({ url: ws.url(BybitServer.PATH), restUrl, refreshMs: 150, discover: true }), {
      sink: { handleFrame: () => {}, gap: () => {} },
      metrics,
      log: silentLogger(),
      parsers,
    });
    cleanup.push(() => connectors.stop());
    await until(() => ws.subscribed('allLiquidation.BTCUSDT'), 'the built-in subset subscribed');
    const partial = async () => (await metrics.registry.getSingleMetric('liqstream_venue_partial')!.get()).values.find((v) => v.labels.venue === 'bybit-linear')?.value;
    const parse = parsers.get('bybit-linear')!;
    const frame = '{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1","p":"2"}]}';
    const fidelity = () => {
      const r = parse(frame, 1);
      return r.ok ? (r.events[0] as { fidelity: string }).fidelity : r.reason;
    };
    expect(fidelity()).toBe('partial');
    expect(await partial()).toBe(1);
    await until(() => requests.count >= 2, 'a refresh that fails too');
    expect(fidelity()).toBe('partial');

    available = true;
    await until(() => ws.subscribed('allLiquidation.BTCUSDT-26DEC25'), 'the delivery future subscribed once the list is read');
    await until(async () => (await partial()) === 0, 'complete again');
    expect(fidelity()).toBe('complete');
  });
});
