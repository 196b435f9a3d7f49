import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BitgetServer } from '../support/bitget-server.js';
import { writeTestConfig } from '../support/config-file.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const brokers = inject('kafkaBrokers');
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const row = (symbol: string, side: string, price: string, amount: string, ts = '1760130899123') => ({ symbol, side, price, amount, ts });

describe('local Bitget server → liqstream connect → real Kafka → liqstream aggregate → /metrics', () => {
  it('values every row at its quote amount on its position side across the three product types, labels Bitget sampled, and counts a refused subscription and bad frames', async () => {
    // USDC-M refused: the other two still flow, and the refusal is counted.
    const server = await BitgetServer.start({ refuse: ['usdc-futures'] });
    cleanup.push(() => server.close());
    const run = `${Date.now()}`;
    const topics = Object.fromEntries(
      ['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `it-bitget-${run}.${t}.v1`]),
    );
    const config = writeTestConfig(
      { bitget: { url: server.url } },
      {
        bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [brokers], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } },
        aggregator: { groupId: `it-bitget-aggregator-${run}` },
      },
    );
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());

    await server.acks(2);
    expect(server.push('usdt-futures', [row('BTCUSDT', 'buy', '110000', '55000.5'), row('ETHUSDT', 'sell', '4000', '12000')])).toBe(1);
    expect(server.push('coin-futures', [row('BTCUSD', 'buy', '100000', '25000'), row('ETHUSD_251226', 'sell', '4100', '8200')])).toBe(1);
    // Dead letters: a cut frame, a USDT symbol on the coin-margined channel.
    server.sendRaw('{"data":[{"symbol":"BTCUSDT"');
    expect(server.push('coin-futures', [row('SOLUSDT', 'buy', '200', '100')])).toBe(1);

    const labels = (side: string) => ({ venue: 'bitget', side, fidelity: 'sampled' });
    try {
      await until(
        async () => {
          const m = await scrape(aggregate.metricsUrl);
          return sampleValue(m, 'liqstream_liquidations_total', labels('long')) === 2 && sampleValue(m, 'liqstream_liquidations_total', labels('short')) === 2;
        },
        'aggregated Bitget events',
        30_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconnect:\n${connect.logs()}\naggregate:\n${aggregate.logs()}`);
    }
    // A row sent again (here in a snapshot) is not counted twice (its id was seen; it is history too, older than the
    // connection less 10 min); a new one of now is.
    expect(server.push('usdt-futures', [row('BTCUSDT', 'buy', '110000', '55000.5'), row('XRPUSDT', 'buy', '2.5', '1000', String(Date.now()))], 'snapshot')).toBe(1);
    await until(async () => sampleValue(await scrape(aggregate.metricsUrl), 'liqstream_liquidations_total', labels('long')) === 3, 'the new row of the snapshot');
    const m = await scrape(aggregate.metricsUrl);
    expect(sampleValue(m, 'liqstream_liquidations_total', labels('long'))).toBe(3);
    expect(sampleValue(m, 'liqstream_liquidations_usd_total', labels('long'))).toBe(55000.5 + 25000 + 1000);
    expect(sampleValue(m, 'liqstream_liquidations_usd_total', labels('short'))).toBe(12000 + 8200);
    expect(sampleValue(m, 'liqstream_lower_bound', { venue: 'bitget' })).toBe(1);

    // The refusal's error event is dead-lettered too: two bad frames (it and the cut frame); the USDT symbol on the
    // coin-margined channel is a row refused on its own.
    const bad = async () => sampleValue(await scrape(connect.metricsUrl), 'liqstream_bad_frames_total', { venue: 'bitget' });
    await until(async () => sampleValue(await scrape(connect.metricsUrl), 'liqstream_bad_entries_total', { venue: 'bitget' }) === 1, 'the bad entry counted');
    try {
      await until(async () => (await bad()) === 2, 'the two bad frames counted');
    } catch (err) {
      throw new Error(`${(err as Error).message}: ${await bad()}`);
    }
    const c = await scrape(connect.metricsUrl);
    expect(sampleValue(c, 'liqstream_subscribe_errors_total', { venue: 'bitget' })).toBe(1);
    expect(sampleValue(c, 'liqstream_connector_up', { venue: 'bitget' })).toBe(1);
    expect(server.subscribed('usdc-futures')).toBe(false);

    expect(await connect.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });
});
