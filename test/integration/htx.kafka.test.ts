import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeTestConfig } from '../support/config-file.js';
import { fixture } from '../support/fixtures.js';
import { HtxServer } from '../support/htx-server.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('HTX local server (gzip, server pings, REST open interest) → liqstream connect → real Kafka → aggregate → /metrics', () => {
  it('shows the exact totals per side, the complete fidelity, open interest, and keeps the connection through pings', async () => {
    const htx = await HtxServer.start({ pingMs: 200, maxMissedPongs: 5 });
    cleanup.push(() => htx.close());
    htx.openInterest = JSON.stringify({
      status: 'ok',
      data: [{ volume: 7192610, amount: 7192.61, symbol: 'BTC', value: 719261000, contract_code: 'BTC-USDT', trade_amount: 1, trade_volume: 1, trade_turnover: 1, business_type: 'swap', pair: 'BTC-USDT', contract_type: 'swap' }],
      ts: 1760130960000,
    });
    const run = Date.now();
    const topics = Object.fromEntries(['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `htx-${run}.${t}.v1`]));
    const config = writeTestConfig(
      { 'htx-linear': { url: htx.url, restUrl: htx.restUrl, oiPollMs: 60_000 } },
      { bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [inject('kafkaBrokers')], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } }, aggregator: { groupId: `htx-${run}` } },
    );
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());
    await until(() => htx.subscribed(), 'the HTX subscription');

    // The docs sample (a long: 10,421.6736 USDT) and a batch of two shorts of one ETH contract order.
    htx.publish('BTC-USDT', fixture('htx-linear-liquidation-orders-1.json'));
    const eth = { contract_code: 'ETH-USDT', symbol: 'ETH', direction: 'buy', offset: 'close', volume: 500, price: 2446.26, created_at: 1760130900123, amount: 5, trade_turnover: 12231.3 };
    htx.publish('ETH-USDT', JSON.stringify({ op: 'notify', topic: 'public.ETH-USDT.liquidation_orders', ts: 1760130900200, data: [eth, { ...eth, created_at: 1760130900124, trade_turnover: 100.5 }] }));
    htx.publish('ETH-USDT', '{"op":"notify","topic":"public.ETH-USDT.liquidation_orders","ts":1,"data":[{"contract_code":"ETH-USDT"}]}');

    const value = async (url: string, name: string, labels: Record<string, string>) => sampleValue(await scrape(url), name, labels);
    const expected: [string, number, number][] = [
      ['long', 10421.6736, 1],
      ['short', 12231.3 + 100.5, 2],
    ];
    try {
      await until(async () => {
        for (const [side, usd, n] of expected) {
          if ((await value(aggregate.metricsUrl, 'liqstream_liquidations_usd_total', { venue: 'htx-linear', side, fidelity: 'complete' })) !== usd) return false;
          if ((await value(aggregate.metricsUrl, 'liqstream_liquidations_total', { venue: 'htx-linear', side, fidelity: 'complete' })) !== n) return false;
        }
        return (await value(aggregate.metricsUrl, 'liqstream_open_interest_usd', { venue: 'htx-linear' })) !== undefined;
      }, 'HTX totals in /metrics', 60_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconnect:\n${connect.logs().slice(-4000)}`);
    }
    expect(await value(aggregate.metricsUrl, 'liqstream_lower_bound', { venue: 'htx-linear' })).toBe(0);
    expect(await value(aggregate.metricsUrl, 'liqstream_open_interest_usd', { venue: 'htx-linear' })).toBe(719_261_000);
    // The notify with an incomplete order is understood: that order is refused on its own.
    await until(async () => (await value(connect.metricsUrl, 'liqstream_bad_entries_total', { venue: 'htx-linear' })) === 1, 'the bad entry counted');
    expect(await value(connect.metricsUrl, 'liqstream_bad_frames_total', { venue: 'htx-linear' })).toBe(0);
    // Pings every 200 ms: by now several were answered, none missed, and the one connection is still the first.
    await until(() => htx.pongs >= 5, 'five pongs');
    expect(htx.closedForMissingPongs).toBe(0);
    expect(await value(connect.metricsUrl, 'liqstream_reconnects_total', { venue: 'htx-linear' })).toBe(0);
    expect(await connect.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });
});
