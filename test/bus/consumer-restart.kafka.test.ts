import { createRequire } from 'node:module';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import type { BusMessage, ConsumedBatch } from '../../src/bus/bus.js';
import { KafkaBus, type BusLogger } from '../../src/bus/kafka-bus.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';
import { until } from '../support/until.js';
import { unique } from './bus-contract.js';

const brokers = inject('kafkaBrokers').split(',');

/**
 * kafkajs's own classes, the instances the bus's client uses (a dependency loads once, through Node's require): the
 * error kafkajs calls non-retriable, and the consumer group whose re-join is made to fail with it, as a broker that
 * stopped during a rebalance made it fail ("Failed to find group coordinator", seen in broker-outage.kafka).
 */
const require = createRequire(import.meta.url);
const { KafkaJSNonRetriableError } = require('kafkajs') as { KafkaJSNonRetriableError: new (message: string) => Error };
const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as { prototype: { joinAndSync(): Promise<unknown>; memberId: string | null } };
const joinAndSync = ConsumerGroup.prototype.joinAndSync;
afterEach(() => {
  ConsumerGroup.prototype.joinAndSync = joinAndSync;
});

const buses: KafkaBus[] = [];
afterAll(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
});

function logger(): BusLogger & { errors: string[] } {
  const errors: string[] = [];
  const none = () => {};
  return { errors, error: (_obj: object, msg?: string) => void errors.push(msg ?? ''), warn: none, info: none, debug: none };
}

const message = (key: string, value: string): BusMessage => ({ key, value });

describe('a consumer that kafkajs gives up on', () => {
  it('is run again: a re-join that failed with a non-retriable error, and the subscription consumes what comes after', async () => {
    const topic = unique('restart');
    const groupId = unique('restart-group');
    const log = logger();
    const a = new KafkaBus({ brokers, clientId: 'liqstream-test-a', logger: log, partitions: 3, ...TEST_KAFKA });
    const b = new KafkaBus({ brokers, clientId: 'liqstream-test-b', partitions: 3, ...TEST_KAFKA });
    buses.push(a, b);
    await a.start([topic]);
    await b.start([topic]);
    const got: unknown[] = [];
    await a.subscribe({ topics: [topic], groupId, fromBeginning: true, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 }, async (batch: ConsumedBatch) => {
      if (!batch.replayed) for (const m of batch.messages) got.push(m.value);
    });
    await a.publish(topic, [message('k1', 'before')]);
    await until(() => got.length === 1, 'the first message', 30_000);

    // The next re-join of a member that has joined before (the first, when the second joins) fails as kafkajs does not retry.
    let thrown = 0;
    ConsumerGroup.prototype.joinAndSync = async function (this: { memberId: string | null }) {
      if (thrown === 0 && this.memberId) {
        thrown += 1;
        throw new KafkaJSNonRetriableError('Failed to find group coordinator');
      }
      return joinAndSync.call(this);
    };
    const second = await b.subscribe({ topics: [topic], groupId, fromBeginning: true, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 }, async () => {});
    await until(() => thrown === 1, 'the failed re-join', 30_000);
    await until(() => log.errors.some((e) => e.includes('starting it again')), 'the restart logged', 30_000);
    await second.close();

    // Alone in the group again (the restarted consumer rejoined): what is published now reaches it, each message once.
    await a.publish(topic, [message('k1', 'after-1'), message('k2', 'after-2'), message('k3', 'after-3')]);
    await until(() => got.length === 4, 'the messages after the restart', 60_000);
    expect([...got].sort()).toEqual(['after-1', 'after-2', 'after-3', 'before']);
  }, 120_000);
});
