import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BitmexServer } from '../support/bitmex-server.js';
import { writeTestConfig } from '../support/config-file.js';
import { fixture } from '../support/fixtures.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const TIME = '2025-10-10T21:15:00.000Z';
const INSTRUMENTS = [
  { symbol: 'XBTUSD', state: 'Open', underlying: 'XBT', quoteCurrency: 'USD', settlCurrency: 'XBt', isInverse: true, isQuanto: false, multiplier: -100000000, underlyingToPositionMultiplier: null, underlyingToSettleMultiplier: -100000000, openInterest: 500_000_000, markPrice: 100_000, timestamp: TIME },
  { symbol: 'ETHUSD', state: 'Open', underlying: 'ETH', quoteCurrency: 'USD', settlCurrency: 'XBt', isInverse: false, isQuanto: true, multiplier: 100, underlyingToPositionMultiplier: null, underlyingToSettleMultiplier: null, openInterest: 20_000, markPrice: 4000, timestamp: TIME },
  // Outside the built-in table: valued from the instrument list only.
  { symbol: 'ADAUSDT', state: 'Open', underlying: 'ADA', quoteCurrency: 'USDT', settlCurrency: 'USDt', isInverse: false, isQuanto: false, multiplier: 1, underlyingToPositionMultiplier: 100, underlyingToSettleMultiplier: null, openInterest: 1_000_000, markPrice: 0.5, timestamp: TIME },
  { symbol: '.BXBT', state: 'Unlisted', underlying: 'XBT', quoteCurrency: 'USD', settlCurrency: '', isInverse: false, isQuanto: false, multiplier: null, underlyingToPositionMultiplier: null, underlyingToSettleMultiplier: null, openInterest: null, markPrice: 100_000, timestamp: TIME },
];

describe('BitMEX local server → liqstream connect → real Kafka → aggregate → /metrics', () => {
  it('counts each liquidation order once at insert (inverse, quanto, a listed linear contract), inferred, with open interest in USD', async () => {
    const bitmex = await BitmexServer.start();
    cleanup.push(() => bitmex.close());
    bitmex.instruments = INSTRUMENTS;
    const run = Date.now();
    const topics = Object.fromEntries(['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `bitmex-${run}.${t}.v1`]));
    const config = writeTestConfig(
      { bitmex: { url: bitmex.url, restUrl: bitmex.restUrl, discover: true, oiPollMs: 60_000 } },
      { bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [inject('kafkaBrokers')], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } }, aggregator: { groupId: `bitmex-${run}` } },
    );
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());
    const value = async (url: string, name: string, labels: Record<string, string>) => sampleValue(await scrape(url), name, labels);

    await until(() => bitmex.subscribed('liquidation'), 'BitMEX liquidation subscription');
    // 500,000,000 XBTUSD contracts of 1 USD + 20,000 ETHUSD × 100 XBt × 4000 = 80 BTC at 100,000 + 10,000 ADA × 0.5.
    // Once it shows, the poll's answer has been parsed: the BTC reference price is known for the quanto below.
    await until(async () => (await value(aggregate.metricsUrl, 'liqstream_open_interest_usd', { venue: 'bitmex' })) === 508_005_000, 'BitMEX open interest', 30_000);

    bitmex.raw(fixture('bitmex-liquidation-1.json')); // short, 9,214 USD
    bitmex.raw(fixture('bitmex-liquidation-3.json')); // short, 314,930 USD
    bitmex.raw(fixture('bitmex-liquidation-4.json')); // a fill of the same order: nothing
    bitmex.liquidation('delete', [{ orderID: '98ae1dad-6a3b-51c4-14bd-e076919e9e30', symbol: 'XBTUSD' }]);
    bitmex.liquidation('insert', [
      { orderID: 'a1a1a1a1-0000-0000-0000-000000000001', symbol: 'ETHUSD', side: 'Sell', price: 4000, leavesQty: 1000 }, // long, 4 BTC = 400,000 USD
      { orderID: 'a1a1a1a1-0000-0000-0000-000000000002', symbol: 'ADAUSDT', side: 'Sell', price: 0.5, leavesQty: 1000 }, // long, 10 ADA = 5 USD
    ]);
    bitmex.liquidation('insert', [{ orderID: 'a1a1a1a1-0000-0000-0000-000000000003', symbol: 'NOPEUSD', side: 'Buy', price: 1, leavesQty: 1 }]);
    bitmex.raw('not json');

    const expected: [string, number, number][] = [
      ['long', 400_005, 2],
      ['short', 324_144, 2],
    ];
    try {
      await until(async () => {
        for (const [side, usd, n] of expected) {
          if ((await value(aggregate.metricsUrl, 'liqstream_liquidations_usd_total', { venue: 'bitmex', side, fidelity: 'inferred' })) !== usd) return false;
          if ((await value(aggregate.metricsUrl, 'liqstream_liquidations_total', { venue: 'bitmex', side, fidelity: 'inferred' })) !== n) return false;
        }
        return true;
      }, 'BitMEX totals in /metrics', 30_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconnect:\n${connect.logs().slice(-4000)}`);
    }
    expect(await value(aggregate.metricsUrl, 'liqstream_lower_bound', { venue: 'bitmex' })).toBe(1);
    // The garbage frame; the unknown instrument's row is refused on its own (the frame was understood).
    await until(async () => (await value(connect.metricsUrl, 'liqstream_bad_frames_total', { venue: 'bitmex' })) === 1, 'the bad frame counted');
    await until(async () => (await value(connect.metricsUrl, 'liqstream_bad_entries_total', { venue: 'bitmex' })) === 1, 'the bad entry counted');
    // The socket pings every 5 s and the server answers pong: still the first connection.
    await until(() => bitmex.pings >= 1, 'a text ping answered', 15_000);
    expect(await value(connect.metricsUrl, 'liqstream_reconnects_total', { venue: 'bitmex' })).toBe(0);
    expect(bitmex.connections).toBe(1);
    // Discovery and the first poll.
    expect(bitmex.restRequests.filter((p) => p === '/api/v1/instrument/active').length).toBeGreaterThanOrEqual(2);
    expect(await connect.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });
});
