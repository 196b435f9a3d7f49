import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { BinanceServer } from '../support/binance-server.js';
import { binanceFrames } from '../support/fixtures.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { onlyVenues } from '../support/config-file.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const brokers = inject('kafkaBrokers');
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('local Binance servers → liqstream connect → real Kafka → liqstream aggregate → /metrics', () => {
  it('shows the exact liquidated USD per venue and side', async () => {
    const usdm = await BinanceServer.start();
    const coinm = await BinanceServer.start();
    cleanup.push(() => usdm.close(), () => coinm.close());
    const run = `${Date.now()}`;
    const topics = Object.fromEntries(
      ['raw', 'liquidations', 'openInterest', 'gaps', 'deadLetter', 'aggregates', 'cascades', 'partials'].map((t) => [t, `it-${run}.${t}.v1`]),
    );
    const config = join(tempDir(), 'config.yaml');
    writeFileSync(
      config,
      stringify({
        bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [brokers], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } },
        metrics: { port: 0 },
        aggregator: { groupId: `it-aggregator-${run}` },
        venues: onlyVenues({
          'binance-usdm': { enabled: true, url: usdm.url, discover: false, oiPollMs: 0 },
          'binance-coinm': { enabled: true, url: coinm.url, discover: false, oiPollMs: 0 },
        }),
      }),
    );
    const services: ServiceProcess[] = [];
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    services.push(aggregate);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    services.push(connect);
    cleanup.push(() => connect.stop());

    await usdm.subscriptions(1);
    await coinm.subscriptions(1);
    const frames = binanceFrames().raw;
    const usdm3 = JSON.stringify({ e: 'forceOrder', E: 1698871323061, o: JSON.parse(frames.usdm3).o as unknown });
    for (const f of [frames.usdm1, frames.usdm2, usdm3]) usdm.send(f);
    coinm.send(frames.coinm1);
    usdm.sendRaw('{"stream":"!forceOrder@arr","data":{"e":"forceOrder"'); // malformed: counted, not fatal

    const usd = (venue: string, side: string) => ({ venue, side, fidelity: 'sampled' });
    const count = async (venue: string, side: string) => sampleValue(await scrape(aggregate.metricsUrl), 'liqstream_liquidations_total', usd(venue, side));
    try {
      // Every event, not one per venue: BTCUSDT's two longs and ETHUSDT's short have keys of their own, so they may be
      // on partitions read at their own pace; and the connector's bad frame, sent after them, counted.
      await until(
        async () =>
          (await count('binance-coinm', 'long')) === 1 &&
          (await count('binance-usdm', 'short')) === 1 &&
          (await count('binance-usdm', 'long')) === 2 &&
          sampleValue(await scrape(connect.metricsUrl), 'liqstream_bad_frames_total', { venue: 'binance-usdm' }) === 1,
        'aggregated events',
        60_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nconnect:\n${connect.logs()}\naggregate:\n${aggregate.logs()}`);
    }
    const m = await scrape(aggregate.metricsUrl);
    expect(sampleValue(m, 'liqstream_liquidations_usd_total', usd('binance-usdm', 'long'))).toBe(0.014 * 9910 + 0.009 * 18990);
    expect(sampleValue(m, 'liqstream_liquidations_usd_total', usd('binance-usdm', 'short'))).toBe(50_237.0889); // 1.437 × 34,959.7 in 1/10,000 USD, as every sum
    expect(sampleValue(m, 'liqstream_liquidations_usd_total', usd('binance-coinm', 'long'))).toBe(100);
    expect(sampleValue(m, 'liqstream_liquidations_usd_total', usd('binance-coinm', 'short'))).toBeUndefined();
    expect(sampleValue(m, 'liqstream_liquidations_total', usd('binance-usdm', 'long'))).toBe(2);

    const c = await scrape(connect.metricsUrl);
    expect(sampleValue(c, 'liqstream_frames_total', { venue: 'binance-usdm' })).toBe(5); // subscribe reply + 3 events + 1 malformed
    expect(sampleValue(c, 'liqstream_bad_frames_total', { venue: 'binance-usdm' })).toBe(1);
    expect(sampleValue(c, 'liqstream_connector_up', { venue: 'binance-usdm' })).toBe(1);
    expect(sampleValue(c, 'liqstream_connector_up', { venue: 'binance-coinm' })).toBe(1);

    // Graceful shutdown: both exit 0.
    expect(await connect.stop()).toBe(0);
    expect(await aggregate.stop()).toBe(0);
  });
});
