import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { HLP_LIQUIDATORS } from '../../src/venues/hyperliquid/parse.js';
import { BinanceServer } from '../support/binance-server.js';
import { writeTestConfig } from '../support/config-file.js';
import { binanceFrames, fixture } from '../support/fixtures.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';
import { BybitServer, HyperliquidServer } from '../support/venue-servers.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('Binance, Bybit and Hyperliquid local servers at once → real Kafka → aggregator → /metrics', () => {
  it('shows the exact totals per venue and side and the exact open interest per venue', async () => {
    const binance = await BinanceServer.start();
    // Binance open interest comes from REST polling: a local server answers premiumIndex and openInterest.
    const rest = createServer((req, res) => {
      const url = new URL(req.url!, 'http://local');
      res.setHeader('x-mbx-used-weight-1m', '11');
      if (url.pathname === '/fapi/v1/premiumIndex') res.end('[{"symbol":"BTCUSDT","markPrice":"9500","time":1589437530000}]');
      else if (url.pathname === '/fapi/v1/openInterest') res.end(fixture('binance-usdm-openinterest-rest-1.json'));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => rest.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise((r) => rest.close(r)));
    const bybit = await BybitServer.start();
    const hl = await HyperliquidServer.start();
    cleanup.push(() => binance.close(), () => bybit.close(), () => hl.close());
    const run = Date.now();
    const topics = Object.fromEntries(['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `all-${run}.${t}.v1`]));
    const config = writeTestConfig(
      {
        'binance-usdm': { url: binance.url, restUrl: `http://127.0.0.1:${(rest.address() as AddressInfo).port}`, symbols: ['BTCUSDT'], oiPollMs: 60_000 },
        'bybit-linear': { url: bybit.url(BybitServer.PATH), symbols: ['BTCUSDT'] }, hyperliquid: { url: hl.url(HyperliquidServer.PATH) } },
      { bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [inject('kafkaBrokers')], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } }, aggregator: { groupId: `all-${run}` } },
    );
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());

    await binance.subscriptions(1);
    await until(() => bybit.subscribed('allLiquidation.BTCUSDT') && bybit.subscribed('tickers.BTCUSDT'), 'Bybit subscriptions');
    await until(() => hl.subscribed('trades:BTC') && hl.subscribed('activeAssetCtx:ETH'), 'Hyperliquid subscriptions');

    // Binance: the three USD-M samples.
    const { raw } = binanceFrames();
    for (const f of [raw.usdm1, raw.usdm2, raw.usdm3]) binance.send(f);
    // Bybit: the docs sample, as BTCUSDT, plus a second liquidation of a short in the same message.
    const sample = JSON.parse(fixture('bybit-linear-allliquidation-1.json')) as { data: Record<string, string | number>[] };
    const entry: Record<string, string | number> = { ...sample.data[0]!, s: 'BTCUSDT', v: '0.5', p: '60000', S: 'Buy' };
    const short = { ...entry, S: 'Sell', v: '0.25', p: '61000', T: Number(entry.T) + 1 };
    bybit.publish('allLiquidation.BTCUSDT', JSON.stringify({ topic: 'allLiquidation.BTCUSDT', type: 'snapshot', ts: 1739502303204, data: [entry, short] }));
    bybit.publish('tickers.BTCUSDT', JSON.stringify({ topic: 'tickers.BTCUSDT', type: 'snapshot', data: { symbol: 'BTCUSDT', markPrice: '60000', openInterest: '1000', openInterestValue: '60000000' }, cs: 1, ts: 1739502303300 }));
    // Hyperliquid: a liquidator vault buys 2 BTC from an account (a long taken over), and the docs' ETH context.
    const liquidator = HLP_LIQUIDATORS[0]!;
    hl.publish('trades:BTC', JSON.stringify({ channel: 'trades', data: [{ coin: 'BTC', side: 'B', px: '100000', sz: '2', time: 1760130900000, hash: '0x1', tid: 77, users: [liquidator, '0xabc0000000000000000000000000000000000001'] }] }));
    hl.publish('activeAssetCtx:ETH', fixture('hyperliquid-activeassetctx-1.json'));

    const expected: [string, string, string, number][] = [
      ['binance-usdm', 'long', 'sampled', 0.014 * 9910 + 0.009 * 18990],
      ['binance-usdm', 'short', 'sampled', 50_237.0889], // 1.437 × 34,959.7 in 1/10,000 USD
      ['bybit-linear', 'long', 'complete', 30000],
      ['bybit-linear', 'short', 'complete', 15250],
      ['hyperliquid', 'long', 'inferred', 200000],
    ];
    const value = async (name: string, labels: Record<string, string>) => sampleValue(await scrape(aggregate.metricsUrl), name, labels);
    try {
      await until(async () => {
        for (const [venue, side, fidelity, usd] of expected) if ((await value('liqstream_liquidations_usd_total', { venue, side, fidelity })) !== usd) return false;
        return (await value('liqstream_open_interest_usd', { venue: 'hyperliquid' })) !== undefined && (await value('liqstream_open_interest_usd', { venue: 'bybit-linear' })) !== undefined;
      }, 'every venue in /metrics', 60_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconnect:\n${connect.logs().slice(-4000)}\nmetrics:\n${(await scrape(aggregate.metricsUrl)).filter((s) => s.name.startsWith('liqstream_liq') || s.name.startsWith('liqstream_open')).map((s) => JSON.stringify(s)).join('\n')}`);
    }
    expect(await value('liqstream_open_interest_usd', { venue: 'bybit-linear' })).toBe(60_000_000);
    await until(async () => (await value('liqstream_open_interest_usd', { venue: 'binance-usdm' })) !== undefined, 'Binance open interest', 30_000);
    expect(await value('liqstream_open_interest_usd', { venue: 'binance-usdm' })).toBe(101_265_335.5); // 10,659.509 BTC × 9,500
    expect(await value('liqstream_open_interest_usd', { venue: 'hyperliquid' })).toBe(1_439_653_014.855); // 446072.075 × 3227.4, to 1/10,000 USD
    expect(await value('liqstream_liquidations_total', { venue: 'bybit-linear', side: 'long', fidelity: 'complete' })).toBe(1);
    expect(await connect.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });
});
