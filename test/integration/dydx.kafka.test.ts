import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeTestConfig } from '../support/config-file.js';
import { DydxServer } from '../support/dydx-server.js';
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

const T = '2025-10-10T21:15:03.123Z';

describe('dYdX local indexer → liqstream connect → real Kafka → aggregate → /metrics', () => {
  it('counts liquidations per side and ADL apart, complete with the market list, and values open interest at the oracle price', async () => {
    const dydx = await DydxServer.start();
    cleanup.push(() => dydx.close());
    dydx.markets = (JSON.parse(fixture('dydx-perpetualmarkets-1.json')) as { markets: Record<string, Record<string, unknown>> }).markets;
    // Recent trades of the subscribed message: a liquidated short (taker BUY) a minute ago, and one too old to count
    // (a reconnect would re-send it beyond the aggregator's dedup horizon).
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    dydx.recent = {
      'ETH-USD': [
        { id: 'e1', size: '2', price: '4000', side: 'BUY', createdAt: ago(60_000), type: 'LIQUIDATED' },
        { id: 'e0', size: '7', price: '4000', side: 'BUY', createdAt: ago(48 * 3_600_000), type: 'LIQUIDATED' },
      ],
    };
    const run = Date.now();
    const topics = Object.fromEntries(['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `dydx-${run}.${t}.v1`]));
    const config = writeTestConfig(
      { dydx: { url: dydx.url, restUrl: dydx.restUrl, discover: true, oiPollMs: 60_000 } },
      { bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [inject('kafkaBrokers')], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } }, aggregator: { groupId: `dydx-${run}` } },
    );
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());

    await until(() => dydx.subscribed('BTC-USD') && dydx.subscribed('ETH-USD') && dydx.pongs >= 1, 'dYdX subscriptions and a pong');
    // The recorded message (a LIMIT trade and a liquidated long), then a deleveraging: the insolvent long's
    // liquidation and the offsetting short's ADL.
    dydx.publish('BTC-USD', (JSON.parse(fixture('dydx-trades-1.json')) as { contents: { trades: unknown[] } }).contents.trades);
    dydx.publish('ETH-USD', [{ id: 'e2', size: '1.5', price: '3990', side: 'SELL', createdAt: T, type: 'DELEVERAGED' }]);

    const value = async (name: string, labels: Record<string, string>) => sampleValue(await scrape(aggregate.metricsUrl), name, labels);
    const oiUsd = 648.2389 * 60387.51779 + 15395.279 * 2623.2521;
    try {
      await until(async () => {
        if ((await value('liqstream_liquidations_usd_total', { venue: 'dydx', side: 'long', fidelity: 'complete' })) !== 6074.193) return false; // 3.9 × 22.87 + 1.5 × 3990
        if ((await value('liqstream_liquidations_usd_total', { venue: 'dydx', side: 'short', fidelity: 'complete' })) !== 8000) return false;
        if ((await value('liqstream_adl_usd_total', { venue: 'dydx', side: 'short' })) !== 5985) return false;
        const oi = await value('liqstream_open_interest_usd', { venue: 'dydx' });
        return oi !== undefined && Math.abs(oi - oiUsd) < 0.001;
      }, 'dYdX totals, ADL and open interest in /metrics', 60_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconnect:\n${connect.logs().slice(-4000)}\nmetrics:\n${(await scrape(aggregate.metricsUrl)).filter((s) => s.name.startsWith('liqstream_liq') || s.name.startsWith('liqstream_open') || s.name.startsWith('liqstream_adl')).map((s) => JSON.stringify(s)).join('\n')}`);
    }
    expect(await value('liqstream_liquidations_total', { venue: 'dydx', side: 'long', fidelity: 'complete' })).toBe(2);
    expect(await value('liqstream_liquidations_total', { venue: 'dydx', side: 'short', fidelity: 'complete' })).toBe(1);
    expect(await value('liqstream_lower_bound', { venue: 'dydx' })).toBe(0);
    // The connector exports whether it watches the built-in subset: here the market list was read.
    expect(sampleValue(await scrape(connect.metricsUrl), 'liqstream_venue_partial', { venue: 'dydx' })).toBe(0);
    expect(dydx.restRequests).toBeGreaterThanOrEqual(2); // discovery and the first open-interest poll
    expect(await connect.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });
});
