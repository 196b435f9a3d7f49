import { afterAll, describe, expect, inject, it } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { markChecked } from '../../src/pipeline/checked-batches.js';
import { eventMessage } from '../../src/pipeline/messages.js';
import { BusRefusal } from '../../src/pipeline/refusals.js';
import { testTopics } from '../support/aggregator-fixture.js';
import { liquidation } from '../support/events.js';
import { testPipeline } from '../support/pipeline.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

/**
 * The embedded bus's mark (validation once, checked-batches.ts) must not cross a process boundary: a batch an
 * in-process producer marked, published through Kafka, is read back as new messages and validated one by one.
 */
const brokers = inject('kafkaBrokers').split(',');
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('validation once, on Kafka', () => {
  it('a consumer still refuses an invalid event of a batch its producer marked as checked', async () => {
    const run = `${Date.now()}`;
    const topics = testTopics(`validate-once-${run}`);
    const bus = new KafkaBus({ ...TEST_KAFKA, brokers, clientId: `validate-once-${run}`, packMessages: 500 });
    const p = await testPipeline({ bus, topics, groupId: `validate-once-${run}` });
    cleanup.push(() => p.close());
    const letters: BusRefusal[] = [];
    await bus.subscribe({ topics: [topics.deadLetter], groupId: `validate-once-dlq-${run}`, fromBeginning: true }, async ({ messages }) => {
      for (const m of messages) letters.push(BusRefusal.parse(m.value));
    });

    const valid = liquidation('bybit-linear:BTCUSDT:1:Sell:100:1', 1_760_000_000_000, 100);
    const invalid = { ...valid, id: 'bybit-linear:BTCUSDT:2:Sell:100:1', price: 0 };
    const batch = [eventMessage(valid), eventMessage(invalid)];
    markChecked(batch); // marked by this process: the mark must not travel through the broker
    await bus.publish(topics.liquidations, batch);

    await until(() => letters.length === 1 && p.applied.length === 1, 'the valid event applied and the invalid one refused', 60_000);
    expect(p.applied).toEqual([valid]);
    expect(letters[0]).toMatchObject({ topic: topics.liquidations, reason: 'price: Too small: expected number to be >0' });
    expect(await p.metricValue('liqstream_invalid_bus_messages_total', { topic: topics.liquidations })).toBe(1);
  }, 120_000);
});
