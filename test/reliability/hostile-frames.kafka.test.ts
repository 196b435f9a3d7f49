import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { DeadLetter } from '../../src/schema/events.js';
import { testTopics } from '../support/aggregator-fixture.js';
import { BinanceServer } from '../support/binance-server.js';
import { writeTestConfig } from '../support/config-file.js';
import { binanceFrames } from '../support/fixtures.js';
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

describe('hostile frames → liqstream connect → real Kafka', () => {
  it('a 100,000-deep frame, a 2 MiB frame and binary junk are dead-lettered; the process lives and the frames around them are aggregated', async () => {
    const server = await BinanceServer.start();
    cleanup.push(() => server.close());
    const run = `${Date.now()}`;
    const topics = testTopics(`hostile-${run}`);
    const config = writeTestConfig(
      { 'binance-usdm': { url: server.url, oiPollMs: 0 } },
      { bus: { kind: 'kafka', kafka: { ...TEST_KAFKA, brokers: [brokers], partitions: 3 }, topics, lingerMs: 5, spill: { dir: join(tempDir(), 'spill') } }, aggregator: { groupId: `hostile-${run}` } },
    );
    const aggregate = await startServiceProcess(['aggregate', '--config', config]);
    cleanup.push(() => aggregate.stop());
    const connect = await startServiceProcess(['connect', '--config', config]);
    cleanup.push(() => connect.stop());
    await server.subscriptions(1);

    const letters: DeadLetter[] = [];
    const reader = new KafkaBus({ ...TEST_KAFKA, brokers: [brokers], clientId: `hostile-reader-${run}` });
    await reader.start([topics.deadLetter!]);
    cleanup.push(() => reader.close());
    await reader.subscribe({ topics: [topics.deadLetter!], groupId: `hostile-dlq-${run}`, fromBeginning: true }, async ({ messages }) => {
      for (const m of messages) letters.push(DeadLetter.parse(m.value));
    });

    const [good1, good2] = binanceFrames().usdm;
    const deep = `{"id":1,"error":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    // Valid and parseable (Binance's parser takes it), but over the broker's 1 MiB record limit as a raw frame.
    const huge = good2!.replace('{"stream"', `{"pad":"${'x'.repeat(2 * 1024 * 1024)}","stream"`);
    server.sendRaw(good1!);
    server.sendRaw(deep);
    server.sendRaw(huge);
    server.sendRaw(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9f]).toString('latin1'));

    const count = async () => sampleValue(await scrape(aggregate.metricsUrl), 'liqstream_liquidations_total', { venue: 'binance-usdm', side: 'long', fidelity: 'sampled' });
    await until(async () => (await count()) === 2, 'both good liquidations aggregated', 60_000);
    await until(() => letters.length === 3, 'three dead letters', 30_000);
    expect(letters.map((l) => l.reason)).toEqual([
      expect.any(String),
      `frame of ${huge.length} bytes exceeds the bus record limit (1000000); not on the raw topic, events still parsed`,
      expect.any(String),
    ]);
    expect(letters[0]!.frame).toBe(deep.slice(0, 65_536));
    expect(letters[0]!.frameChars).toBe(deep.length);
    expect(letters[1]!.frame).toBe(huge.slice(0, 65_536));
    const c = await scrape(connect.metricsUrl);
    expect(sampleValue(c, 'liqstream_bad_frames_total', { venue: 'binance-usdm' })).toBe(2);
    expect(sampleValue(c, 'liqstream_dead_letters_total', { venue: 'binance-usdm' })).toBe(3);
    expect(sampleValue(c, 'liqstream_bus_up')).toBe(1);
    expect(connect.child.exitCode).toBeNull();
    expect(await connect.stop()).toBe(0);
  }, 120_000);
});
