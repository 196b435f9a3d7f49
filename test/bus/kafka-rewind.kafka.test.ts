import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { AssignedPartition, ConsumedBatch } from '../../src/bus/bus.js';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { until } from '../support/until.js';
import { keyedMessages, unique } from './bus-contract.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const brokers = inject('kafkaBrokers').split(',');
const buses: KafkaBus[] = [];
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close().catch(() => {})));
});

async function member(topic: string, groupId: string, rewindMs?: number) {
  const bus = new KafkaBus({ ...TEST_KAFKA, brokers, packMessages: 1, partitions: 2 });
  buses.push(bus);
  await bus.start([topic]);
  const batches: ConsumedBatch[] = [];
  const assignments: AssignedPartition[][] = [];
  await bus.subscribe({ topics: [topic], groupId, fromBeginning: true, rewindMs, onAssigned: (p) => assignments.push(p) }, async (b) => {
    batches.push(b);
  });
  const values = (replayed: boolean) => batches.filter((b) => (b.replayed ?? false) === replayed).flatMap((b) => b.messages.map((m) => String(m.value)));
  return { bus, batches, assignments, values, close: () => bus.close() };
}

async function committed(topic: string, groupId: string): Promise<number> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return t!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
}

describe('KafkaBus rewind on assignment', () => {
  it('re-reads what the group had committed as replayed batches and delivers the rest as live, committing only those', async () => {
    const topic = unique('rewind');
    const groupId = unique('rewind-g');
    const first = await member(topic, groupId);
    const old = keyedMessages(20, 4, 'old');
    await first.bus.publish(topic, old);
    await until(() => first.values(false).length === 20, 'first member read 20', 30_000);
    expect(first.batches.every((b) => typeof b.partition === 'number' && b.messages.every((m) => typeof m.offset === 'number'))).toBe(true);
    await first.close();

    const second = await member(topic, groupId, 3_600_000);
    await until(() => second.values(true).length === 20, 'second member: 20 replayed', 30_000);
    expect(await committed(topic, groupId)).toBe(20);
    const fresh = keyedMessages(6, 4, 'new');
    await second.bus.publish(topic, fresh);
    await until(() => second.values(false).length === 6, 'second member: 6 live', 30_000);
    expect(second.values(true).sort()).toEqual(old.map((m) => String(m.value)).sort());
    expect(second.values(false).sort()).toEqual(fresh.map((m) => String(m.value)).sort());
    const assigned = second.assignments.at(-1)!;
    expect(assigned.map((p) => p.start)).toEqual([0, 0]);
    expect(assigned.reduce((s, p) => s + p.live, 0)).toBe(20);
    expect(assigned.every((p) => p.partitions === 2)).toBe(true);
    await second.close();

    expect(await committed(topic, groupId)).toBe(26);
  });
});
