import { describe, expect, inject, it } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { unique } from '../bus/bus-contract.js';
import { aggregatorConfig, health, marketMinutes, metricsOf, MIN, publishEvents, serviceProcesses, sumOf, testTopics, untilCommitted } from '../support/aggregator-fixture.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const brokers = inject('kafkaBrokers');
const { started, onCleanup } = serviceProcesses();

describe('two aggregators started together on a cluster without their topics', () => {
  it('both start (one creates what the other is creating, and waits for the metadata), become ready and count every event once', async () => {
    for (let round = 0; round < 2; round++) {
      const topics = testTopics();
      const group = unique('together-g');
      const config = aggregatorConfig(brokers, topics, group);
      // Started in the same tick: their topic creation races, as two pods of a fresh deployment do.
      const [a, b] = await Promise.all([started(['aggregate', '--config', config]), started(['aggregate', '--config', config])]);
      await until(async () => (await health(a.metricsUrl)).code === 200 && (await health(b.metricsUrl)).code === 200, 'both ready', 45_000);

      const bus = new KafkaBus({ ...TEST_KAFKA, brokers: [brokers], partitions: 3 });
      onCleanup(() => bus.close());
      await bus.start([topics.liquidations]);
      const events = marketMinutes(Math.floor(Date.now() / MIN) * MIN - 30 * MIN, 0, 10, new Set());
      await publishEvents(bus, topics.liquidations, events);
      const counted = async () => sumOf(await metricsOf(a.metricsUrl), 'liqstream_liquidations_total') + sumOf(await metricsOf(b.metricsUrl), 'liqstream_liquidations_total');
      await until(async () => (await counted()) === events.length, `${events.length} counted by the two`, 30_000);
      // Nothing counted twice later: the group committed every partition to its end, so no member reads any of it again as new.
      await untilCommitted(brokers, group, [topics.liquidations]);
      expect(await counted()).toBe(events.length);
      expect(a.child.exitCode).toBeNull();
      expect(b.child.exitCode).toBeNull();
      expect(a.logs() + b.logs()).not.toMatch(/"level":(50|60)/);
    }
  });
});
