import { Kafka, Partitioners, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BusMessage } from '../../src/bus/bus.js';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';
import { until } from '../support/until.js';
import { unique } from './bus-contract.js';

const brokers = inject('kafkaBrokers').split(',');

let admin: Admin;
const buses: KafkaBus[] = [];
beforeAll(async () => {
  admin = new Kafka({ brokers, clientId: 'bundle-attack-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});
afterAll(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close().catch(() => {})));
  await admin?.disconnect();
});

/** kafkajs's own choice for `key` on a topic of `partitions` partitions (murmur2). */
function murmurPartition(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
  return Partitioners.DefaultPartitioner()({ topic: 't', partitionMetadata, message: { key, value: null } });
}

async function recreate(topic: string, numPartitions: number): Promise<void> {
  await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
  await until(async () => !(await admin.listTopics()).includes(topic), 'topic deleted', 20_000);
  const created = async (): Promise<boolean> => {
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
      return true;
    } catch {
      return false;
    }
  };
  await until(created, 'topic recreated', 20_000);
  await until(async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.length === numPartitions, 'new metadata', 20_000);
}

describe('bundles on a topic recreated with fewer partitions', () => {
  // kafkajs (findLeaderForPartitions) silently leaves out a partition its fresh metadata does not have: no error, the
  // publish resolves. Bundles placed for the old count were gone that way, until the partitioner refused them
  // (StalePartitionCount) and the send went again by key.
  it.each([500, 1])('packMessages %i: a publish that resolves is on the topic', async (packMessages) => {
    const topic = unique('kb-recreate');
    const bus = new KafkaBus({ brokers, clientId: 'bundle-attack', packMessages, partitions: 3, sendRetries: 5, ...TEST_KAFKA });
    buses.push(bus);
    await bus.start([topic]);
    // Keys that murmur2 puts on partitions 1 and 2 of 3 (partition 0 of 1 after the recreation).
    const keys: string[] = [];
    for (let i = 0; keys.length < 4; i++) if (murmurPartition(`venue:K${i}`, 3) !== 0) keys.push(`venue:K${i}`);
    const messages = (tag: string): BusMessage[] => keys.flatMap((key) => [1, 2].map((n) => ({ key, value: { tag, n } })));
    // The first send goes by key; the producer's partitioner learns the 3 partitions.
    await bus.publish(topic, messages('before'));
    await recreate(topic, 1);
    // A publish may fail (the publisher's SpillingBus sends it again), but one that resolves must be on the topic.
    const outcome = await bus.publish(topic, messages('after')).then(
      () => 'sent',
      () => 'failed',
    );
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets).toHaveLength(1);
    // Bundled for the old count, before the fix: sent, and 0 records (kafkajs dropped both bundles). Unbundled: 8 records.
    if (outcome === 'sent') expect(offsets.reduce((s, p) => s + Number(p.high), 0)).toBeGreaterThan(0);
  });
});

describe('bundles after partitions were added', () => {
  // bundled() places a send's records at the count the partitioner saw in the previous send; kafkajs places them at
  // the count of its current metadata. After kafkajs refreshed its metadata (here: the first send to another topic;
  // also every metadataMaxAge, 5 min), one send per topic went to the old partitions, unlike unbundled records,
  // until the partitioner refused records placed for another count.
  it('once kafkajs knows 6 partitions, a bundled send goes where kafkajs would put each key', async () => {
    const topic = unique('kb-grow');
    const other = unique('kb-grow-other');
    const bus = new KafkaBus({ brokers, clientId: 'bundle-attack', packMessages: 500, partitions: 3, ...TEST_KAFKA });
    buses.push(bus);
    await bus.start([topic, other]);
    // Keys on partitions 3..5 of 6 (0..2 of 3).
    const keys: string[] = [];
    for (let i = 0; keys.length < 4; i++) if (murmurPartition(`venue:G${i}`, 6) >= 3) keys.push(`venue:G${i}`);
    const messages = (tag: string): BusMessage[] => keys.flatMap((key) => [1, 2].map((n) => ({ key, value: { tag, n } })));
    await bus.publish(topic, messages('before'));
    await admin.createPartitions({ topicPartitions: [{ topic, count: 6 }] });
    await bus.publish(other, [{ key: 'z', value: 1 }]); // kafkajs refreshes its metadata of every topic it sends to
    await bus.publish(topic, messages('after'));
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets).toHaveLength(6);
    // Bundled before the fix: 0 (the bundles on partitions 0..2, at the count of 3). Unbundled, or with the count checked: 4 packs.
    expect(offsets.filter((o) => o.partition >= 3).reduce((s, o) => s + Number(o.high), 0)).toBeGreaterThan(0);
  });
});

describe('hostile bundles written straight to a topic', () => {
  const BUNDLE = { 'liqstream-pack': '2', 'liqstream-pack-layout': 'records' };
  const good = (n: number) => ({ key: `good-${n}`, value: JSON.stringify({ n }), headers: { 'schema-version': '1' } });

  /** Writes `records` in order to a new one-partition topic, then consumes it with a KafkaBus; what it handed over. */
  async function consumed(records: { key: string; value: string; headers: Record<string, string> }[]) {
    const topic = unique('kb-hostile');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    const producer = new Kafka({ brokers, clientId: 'bundle-attack-writer', logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic, messages: records });
    await producer.disconnect();
    const bus = new KafkaBus({ brokers, clientId: 'bundle-attack-reader', partitions: 1, ...TEST_KAFKA });
    buses.push(bus);
    await bus.start([topic]);
    const got: BusMessage[] = [];
    await bus.subscribe({ topics: [topic], groupId: unique('kb-hostile-g'), fromBeginning: true }, async (batch) => void got.push(...batch.messages));
    return got;
  }

  it('each malformed bundle reaches the handler as one message; the good messages around them all arrive', async () => {
    const hostile = [
      '[["a",{},1]]', // count differs
      '[["a",{},1],["b",{"liqstream-pack":"2","liqstream-pack-layout":"records"},[["x",{},1],["y",{},2]]]]', // nested
      '[["a",{},1],["b",{"h":1},2]]', // a header not text
      '[["a",{},1],["b",{"__proto__":{"liqstream-pack-layout":"records"}},2]]',
      '[["a",{},1],["b",[],2]]',
      'not json',
    ];
    const records = [good(1), ...hostile.map((value, i) => ({ key: `bad-${i}`, value, headers: BUNDLE })), good(2)];
    // A well-formed bundle whose second entry is a column pack with a lying count: that entry alone reaches validation.
    const lying = '{"count":2,"keys":["x"],"varying":[0],"numeric":[],"head":[null],"rows":[1,2],"numbers":""}';
    records.push({ key: 'mixed', value: `[["ok",{"schema-version":"1"},{"n":3}],["liar",{"liqstream-pack":"3","liqstream-pack-layout":"columns"},${lying}]]`, headers: BUNDLE });
    const got = await consumed(records);
    await until(() => got.length >= 2 + hostile.length + 2, `all messages (got ${got.length})`, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(got.filter((m) => m.key.startsWith('good-')).map((m) => m.value)).toEqual([{ n: 1 }, { n: 2 }]);
    hostile.forEach((value, i) => {
      const bad = got.filter((m) => m.key === `bad-${i}`);
      expect(bad).toHaveLength(1);
      expect(bad[0]!.headers).toEqual({});
      expect(bad[0]!.value).toEqual(value === 'not json' ? value : JSON.parse(value));
    });
    expect(got.find((m) => m.key === 'ok')?.value).toEqual({ n: 3 });
    expect(got.find((m) => m.key === 'liar')?.value).toEqual(JSON.parse(lying));
  });

  // A bundle entry that is a column pack in which every column is shared (no `varying`, no `numeric`): its count is
  // checked against nothing (rows and numbers are empty whatever the count). At 2^53 - 1, decodeColumns throws
  // RangeError (new Array), unpackRecord throws out of toBusMessages, the handler's batch fails as retriable, and the
  // record is fetched and fails again for ever: the partition is blocked, and the good record after it never arrives.
  it('a bundle entry claiming 2^53 - 1 messages in an all-shared column pack does not block the partition', async () => {
    const huge = '{"count":9007199254740991,"keys":[],"varying":[],"numeric":[],"head":[],"rows":[],"numbers":""}';
    const got = await consumed([
      good(1),
      { key: 'bad', value: `[["a",{"liqstream-pack":"9007199254740991","liqstream-pack-layout":"columns"},${huge}],["b",{},1]]`, headers: BUNDLE },
      good(2),
    ]);
    await until(() => got.some((m) => m.key === 'good-2'), `the good record after the bad one (got ${got.map((m) => m.key).join(',')})`, 8_000);
    expect(got.filter((m) => m.key === 'a')).toHaveLength(1); // handed to validation whole
  });
});
