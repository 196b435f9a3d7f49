import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeTestConfig } from '../support/config-file.js';
import { fixture } from '../support/fixtures.js';
import { KrakenFuturesServer } from '../support/kraken-futures-server.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

function configFor(kraken: KrakenFuturesServer): string {
  const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const topics = Object.fromEntries(['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `kraken-${run}.${t}.v1`]));
  return writeTestConfig(
    { 'kraken-futures': { url: kraken.url, restUrl: kraken.restUrl, discover: true, oiPollMs: 60_000 } },
    { bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [inject('kafkaBrokers')], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } }, aggregator: { groupId: `kraken-${run}` } },
  );
}

describe('Kraken Futures local server → liqstream connect → real Kafka → aggregate → /metrics', () => {
  it('counts liquidation trades per side (inverse in USD, linear qty × price), complete with the product list, and values open interest', async () => {
    const kraken = await KrakenFuturesServer.start();
    cleanup.push(() => kraken.close());
    kraken.instruments = [
      { symbol: 'PF_XBTUSD', type: 'flexible_futures', base: 'XBT', quote: 'USD', contractSize: 1, tradeable: true },
      { symbol: 'PI_XRPUSD', type: 'futures_inverse', base: 'XRP', quote: 'USD', contractSize: 1, tradeable: true },
      { symbol: 'in_xbtusd', type: 'spot index', tradeable: false },
    ];
    kraken.tickers = [
      { symbol: 'PF_XBTUSD', markPrice: 110000, openInterest: 10 },
      { symbol: 'PI_XRPUSD', markPrice: 2.5, openInterest: 500000 },
    ];
    const config = configFor(kraken);
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());

    await until(() => kraken.subscribed('PF_XBTUSD') && kraken.subscribed('PI_XRPUSD'), 'Kraken trade subscriptions');
    // The recorded inverse liquidation (a long, 12,000 USD), a linear one (a short, 0.5 × 110,000) and a fill.
    kraken.publish('PI_XRPUSD', JSON.parse(fixture('kraken-futures-trade-2.json')) as Record<string, unknown>);
    kraken.publish('PF_XBTUSD', { uid: 'x1', side: 'buy', type: 'liquidation', seq: 2, time: 1760130915123, qty: 0.5, price: 110000 });
    kraken.publish('PF_XBTUSD', { uid: 'x2', side: 'sell', type: 'fill', seq: 3, time: 1760130915124, qty: 7, price: 110000 });

    const value = async (name: string, labels: Record<string, string>) => sampleValue(await scrape(aggregate.metricsUrl), name, labels);
    try {
      await until(async () => {
        if ((await value('liqstream_liquidations_usd_total', { venue: 'kraken-futures', side: 'long', fidelity: 'complete' })) !== 12000) return false;
        if ((await value('liqstream_liquidations_usd_total', { venue: 'kraken-futures', side: 'short', fidelity: 'complete' })) !== 55000) return false;
        return (await value('liqstream_open_interest_usd', { venue: 'kraken-futures' })) === 10 * 110000 + 500000;
      }, 'Kraken totals and open interest in /metrics', 60_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconnect:\n${connect.logs().slice(-4000)}`);
    }
    expect(await value('liqstream_liquidations_total', { venue: 'kraken-futures', side: 'long', fidelity: 'complete' })).toBe(1);
    expect(await value('liqstream_liquidations_total', { venue: 'kraken-futures', side: 'short', fidelity: 'complete' })).toBe(1);
    expect(await value('liqstream_lower_bound', { venue: 'kraken-futures' })).toBe(0);
    expect(sampleValue(await scrape(connect.metricsUrl), 'liqstream_venue_partial', { venue: 'kraken-futures' })).toBe(0);
    expect(kraken.restRequests).toBeGreaterThanOrEqual(2); // discovery and the first open-interest poll
    expect(await connect.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });

  it('without a product list it watches the built-in products, says partial, and counts the refused subscription', async () => {
    const kraken = await KrakenFuturesServer.start();
    cleanup.push(() => kraken.close());
    // Discovery reads an answer with no futures: the built-in products are subscribed, and this server knows none.
    kraken.instruments = [{ symbol: 'in_xbtusd', type: 'spot index', tradeable: false }];
    const connect = await startServiceProcess(['connect', '--config', configFor(kraken)]);
    cleanup.push(() => connect.stop());
    const metric = async (name: string) => sampleValue(await scrape(connect.metricsUrl), name, { venue: 'kraken-futures' });
    await until(async () => ((await metric('liqstream_subscribe_errors_total')) ?? 0) >= 1, 'the refused subscription counted', 30_000);
    expect(await metric('liqstream_venue_partial')).toBe(1);
    expect(kraken.subscribed('PF_XBTUSD')).toBe(false);
    expect(await connect.stop()).toBe(0);
  });
});
