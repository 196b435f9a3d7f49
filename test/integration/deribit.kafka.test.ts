import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeTestConfig } from '../support/config-file.js';
import { DeribitServer } from '../support/deribit-server.js';
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

const CHANNEL = 'trades.future.any.100ms';
const tradesOf = (name: string) => (JSON.parse(fixture(name)) as { params: { data: unknown[] } }).params.data;

describe('Deribit local server → liqstream connect → real Kafka → aggregate → /metrics', () => {
  it('counts every liquidated party exactly, answers the heartbeat test request, and values open interest in USD', async () => {
    const deribit = await DeribitServer.start();
    cleanup.push(() => deribit.close());
    deribit.instruments = {
      BTC: [{ instrument_name: 'BTC-PERPETUAL', kind: 'future', instrument_type: 'reversed', base_currency: 'BTC', quote_currency: 'USD', settlement_currency: 'BTC', contract_size: 10, is_active: true }],
      USDC: [{ instrument_name: 'SOL_USDC-PERPETUAL', kind: 'future', instrument_type: 'linear', base_currency: 'SOL', quote_currency: 'USDC', settlement_currency: 'USDC', contract_size: 1, is_active: true }],
    };
    deribit.bookSummary = {
      BTC: [{ instrument_name: 'BTC-PERPETUAL', open_interest: 1_000_000_000, mark_price: 100_000, creation_timestamp: 1_760_130_900_000 }],
      USDC: [{ instrument_name: 'SOL_USDC-PERPETUAL', open_interest: 2000, mark_price: 200, creation_timestamp: 1_760_130_900_000 }],
    };
    const run = Date.now();
    const topics = Object.fromEntries(['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `deribit-${run}.${t}.v1`]));
    const config = writeTestConfig(
      { deribit: { url: deribit.url, restUrl: deribit.restUrl, discover: true, oiPollMs: 60_000 } },
      { bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [inject('kafkaBrokers')], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } }, aggregator: { groupId: `deribit-${run}` } },
    );
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());

    await until(() => deribit.subscribed(CHANNEL), 'Deribit subscription');
    await until(() => deribit.tests >= 1, 'the test_request answered with public/test');
    // The two recorded liquidations (a taker and a maker, both longs), then an "MT" trade on a linear USDC
    // perpetual (a short taker and a long maker) beside an ordinary trade.
    deribit.publish(CHANNEL, [...tradesOf('deribit-trades-1.json'), ...tradesOf('deribit-trades-2.json')]);
    deribit.publish(CHANNEL, [
      { trade_seq: 7, trade_id: 'SOL_USDC-7', timestamp: 1_760_130_915_000, tick_direction: 0, price: 180, instrument_name: 'SOL_USDC-PERPETUAL', index_price: 180, direction: 'buy', amount: 5 },
      { trade_seq: 8, trade_id: 'SOL_USDC-8', timestamp: 1_760_130_915_001, tick_direction: 2, price: 180.2, instrument_name: 'SOL_USDC-PERPETUAL', index_price: 180, direction: 'buy', amount: 40, liquidation: 'MT' },
    ]);

    const expected: [string, number, number][] = [
      ['long', 1120 + 2500 + 40 * 180.2, 3],
      ['short', 40 * 180.2, 1],
    ];
    const value = async (name: string, labels: Record<string, string>) => sampleValue(await scrape(aggregate.metricsUrl), name, labels);
    try {
      await until(async () => {
        for (const [side, usd] of expected) if ((await value('liqstream_liquidations_usd_total', { venue: 'deribit', side, fidelity: 'complete' })) !== usd) return false;
        return (await value('liqstream_open_interest_usd', { venue: 'deribit' })) === 1_000_400_000;
      }, 'Deribit totals and open interest in /metrics', 60_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconnect:\n${connect.logs().slice(-4000)}\nmetrics:\n${(await scrape(aggregate.metricsUrl)).filter((s) => s.name.startsWith('liqstream_liq') || s.name.startsWith('liqstream_open')).map((s) => JSON.stringify(s)).join('\n')}`);
    }
    for (const [side, , count] of expected) expect(await value('liqstream_liquidations_total', { venue: 'deribit', side, fidelity: 'complete' })).toBe(count);
    expect(await value('liqstream_lower_bound', { venue: 'deribit' })).toBe(0);
    expect(deribit.heartbeatIntervals).toEqual([30]);
    expect(deribit.restRequests.filter((r) => r.startsWith('/api/v2/public/get_instruments')).sort()).toEqual(
      ['BTC', 'ETH', 'USDC', 'USDT'].map((c) => `/api/v2/public/get_instruments?currency=${c}&kind=future&expired=false`),
    );
    expect(await connect.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });
});
