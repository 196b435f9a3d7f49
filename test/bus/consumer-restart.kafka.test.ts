import { createRequire } from 'node:module';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import kafkajs from 'kafkajs';
import type { BusMessage, ConsumedBatch } from '../../src/bus/bus.js';
import { KafkaBus, type BusLogger } from '../../src/bus/kafka-bus.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';
import { until } from '../support/until.js';
import { unique } from './bus-contract.js';

const brokers = inject('kafkaBrokers').split(',');

/**
 * kafkajs's own classes, the instances the bus's client uses (a dependency loads once, through Node's require): the
 * error kafkajs calls non-retriable, and the consumer group whose steps are made to fail with it, as a broker that
 * stopped during a rebalance made a re-join fail ("Failed to find group coordinator", seen in broker-outage.kafka).
 */
const require = createRequire(import.meta.url);
const { KafkaJSError, KafkaJSNonRetriableError } = require('kafkajs') as {
  KafkaJSError: new (message: string, properties: { retriable: boolean }) => Error;
  KafkaJSNonRetriableError: new (message: string) => Error;
};
type Group = { groupId: string; memberId: string | null };
const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as {
  prototype: { joinAndSync(this: Group): Promise<unknown>; fetch(this: Group, nodeId: number): Promise<unknown> };
};
const { joinAndSync, fetch } = ConsumerGroup.prototype;
afterEach(() => {
  ConsumerGroup.prototype.joinAndSync = joinAndSync;
  ConsumerGroup.prototype.fetch = fetch;
});

const buses: KafkaBus[] = [];
afterAll(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close().catch(() => {})));
});
/** A bus on the test broker with `topic` created; closed after the file. */
async function startedBus(clientId: string, topic: string, partitions: number, logger?: BusLogger): Promise<KafkaBus> {
  const bus = new KafkaBus({ brokers, clientId, partitions, ...(logger && { logger }), ...TEST_KAFKA });
  buses.push(bus);
  await bus.start([topic]);
  return bus;
}

function logger(): BusLogger & { errors: string[]; warnings: string[]; restarts: () => number } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const none = () => {};
  return {
    errors,
    warnings,
    restarts: () => errors.filter((e) => e.includes('starting it again')).length,
    error: (_obj: object, msg?: string) => void errors.push(msg ?? ''),
    warn: (_obj: object, msg?: string) => void warnings.push(msg ?? ''),
    info: none,
    debug: none,
  };
}
/** A topic and a consumer group of their own, named after `name`, and a bus on the topic that logs to a fresh logger. */
async function withTopic(name: string, clientId: string, partitions: number) {
  const topic = unique(name);
  const groupId = unique(`${name}-group`);
  const log = logger();
  return { topic, groupId, log, bus: await startedBus(clientId, topic, partitions, log) };
}
/** Group timings short enough for a test's rejoins, reading from the beginning. */
const QUICK_GROUP = { fromBeginning: true, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 } as const;
const message = (key: string, value: string): BusMessage => ({ key, value });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function groupMembers(groupId: string): Promise<{ state: string; members: number }> {
  const admin = new kafkajs.Kafka({ brokers, clientId: 'attack-admin', logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return { state: groups[0]!.state, members: groups[0]!.members.length };
  } finally {
    await admin.disconnect();
  }
}

describe('a consumer that kafkajs gives up on is run again (KafkaBus.subscribe)', () => {
  it('is run again: a re-join that failed with a non-retriable error, and the subscription consumes what comes after', async () => {
    const { topic, groupId, log, bus: a } = await withTopic('restart', 'liqstream-test-a', 3);
    const b = await startedBus('liqstream-test-b', topic, 3);
    const got: unknown[] = [];
    await a.subscribe({ topics: [topic], groupId, ...QUICK_GROUP }, async (batch: ConsumedBatch) => {
      if (!batch.replayed) for (const m of batch.messages) got.push(m.value);
    });
    await a.publish(topic, [message('k1', 'before')]);
    await until(() => got.length === 1, 'the first message', 30_000);

    // The next re-join of a member that has joined before (the first, when the second joins) fails as kafkajs does not retry.
    let thrown = 0;
    ConsumerGroup.prototype.joinAndSync = async function (this: Group) {
      if (thrown === 0 && this.memberId) {
        thrown += 1;
        throw new KafkaJSNonRetriableError('Failed to find group coordinator');
      }
      return joinAndSync.call(this);
    };
    const second = await b.subscribe({ topics: [topic], groupId, ...QUICK_GROUP }, async () => {});
    await until(() => thrown === 1, 'the failed re-join', 30_000);
    await until(() => log.errors.some((e) => e.includes('starting it again')), 'the restart logged', 30_000);
    await second.close();

    // Alone in the group again (the restarted consumer rejoined): what is published now reaches it, each message once.
    await a.publish(topic, [message('k1', 'after-1'), message('k2', 'after-2'), message('k3', 'after-3')]);
    await until(() => got.length === 4, 'the messages after the restart', 60_000);
    expect([...got].sort()).toEqual(['after-1', 'after-2', 'after-3', 'before']);
  }, 120_000);

  it('a crash kafkajs restarts itself (a join refused while the coordinator loads): warnings, no error, and it consumes on', async () => {
    const { topic, groupId, log, bus: a } = await withTopic('loading', 'liqstream-test-loading', 1);
    const got: unknown[] = [];
    // The first join fails as a broker just started answers while its offsets topic loads.
    let refused = 0;
    ConsumerGroup.prototype.joinAndSync = async function (this: Group) {
      if (refused++ === 0) throw new KafkaJSError("The coordinator is loading and hence can't process requests for this group", { retriable: true });
      return joinAndSync.call(this);
    };
    await a.subscribe({ topics: [topic], groupId, ...QUICK_GROUP }, async (batch: ConsumedBatch) => {
      for (const m of batch.messages) got.push(m.value);
    });
    await a.publish(topic, [message('k1', 'after the crash')]);
    await until(() => got.length === 1, 'the message, after kafkajs restarted the consumer', 60_000);
    expect(log.warnings.filter((w) => w.startsWith('Crash: '))).toHaveLength(1);
    // Before: "Crash: …" and "Restarting the consumer in 300ms" at error, though kafkajs restarted the consumer itself.
    expect(log.errors).toEqual([]);
  }, 120_000);

  it('a consumer that crashes again and again with no batch handled between (every join refused, retriable): an error from the second crash on', async () => {
    const { topic, groupId, log, bus: a } = await withTopic('crash-loop', 'liqstream-test-crash-loop', 1);
    // Every join after the first fails with a retriable error: kafkajs restarts the consumer for ever, and it consumes nothing.
    let joins = 0;
    ConsumerGroup.prototype.joinAndSync = async function (this: Group) {
      if (this.groupId === groupId && joins++ > 0) throw new KafkaJSError('The coordinator is not available', { retriable: true });
      return joinAndSync.call(this);
    };
    let failing = true;
    await a.subscribe({ topics: [topic], groupId, ...QUICK_GROUP }, async () => {
      if (failing) throw new Error('poison'); // the runner crashes after its retries, and the re-join begins the loop
    });
    await a.publish(topic, [message('k1', 'poison')]);
    await until(() => log.errors.some((e) => e.includes('crashed again with no batch handled since')), 'the loop logged as an error', 90_000);
    failing = false;
    // Before: only warnings ("Crash: …" at warn since 997c1a7), though the consumer would never consume again.
    expect(log.warnings.filter((w) => w.startsWith('Crash: ')).length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('a consumer that crashes after every fetch (each join\'s preparation failing, retriable): an error too, though it fetches', async () => {
    const { topic, groupId, log, bus: a } = await withTopic('crash-after-fetch', 'liqstream-test-crash-after-fetch', 1);
    // A partition whose offsets cannot be read, for good (retriable, not a start-up race): every batch waits on a failed
    // preparation and fails after its fetch, so kafkajs crashes and restarts the consumer after every fetch.
    const admin = (a as unknown as { admin: { fetchTopicOffsets: (topic: string) => Promise<unknown> } }).admin;
    admin.fetchTopicOffsets = () => Promise.reject(new KafkaJSError('This server is not the leader for that topic-partition', { retriable: true }));
    const got: unknown[] = [];
    await a.subscribe({ topics: [topic], groupId, ...QUICK_GROUP }, async (batch: ConsumedBatch) => {
      for (const m of batch.messages) got.push(m.value);
    });
    await a.publish(topic, [message('k1', 'never handled')]);
    // Found in review: the count was reset by every fetch, and 39 crashes in 45 s logged no error.
    await until(() => log.errors.some((e) => e.includes('crashed again with no batch handled since')), 'the loop logged as an error', 90_000);
    expect(got).toEqual([]);
  }, 120_000);

  it('a non-retriable crash while subscribe() waits for the assignment (after ready) is restarted too', async () => {
    const { topic, groupId, bus } = await withTopic('gap', 'attack-gap', 1);
    // The first fetch after the join (fromBeginning: ready resolves at the join) fails as kafkajs does not retry.
    let thrown = 0;
    ConsumerGroup.prototype.fetch = async function (this: Group, nodeId: number) {
      if (this.groupId === groupId && thrown === 0) {
        thrown += 1;
        throw new KafkaJSNonRetriableError('injected: first fetch');
      }
      return fetch.call(this, nodeId);
    };
    const got: unknown[] = [];
    await bus.subscribe({ topics: [topic], groupId, fromBeginning: true }, async (batch: ConsumedBatch) => {
      if (!batch.replayed) for (const m of batch.messages) got.push(m.value);
    });
    expect(thrown).toBe(1);
    await bus.publish(topic, [message('k', 'after-subscribe')]);
    await until(() => got.length === 1, 'the message published after subscribe()', 20_000);
  }, 60_000);

  it('a post-join error that recurs on every run backs off (does not restart — and rebalance the group — every 0.5 s)', async () => {
    const { topic, groupId, log, bus } = await withTopic('loop', 'attack-loop', 1);
    const got: unknown[] = [];
    await bus.subscribe({ topics: [topic], groupId, fromBeginning: true }, async (batch: ConsumedBatch) => {
      if (!batch.replayed) for (const m of batch.messages) got.push(m.value);
    });
    let fetchFailures = 0;
    ConsumerGroup.prototype.fetch = async function (this: Group, nodeId: number) {
      if (this.groupId === groupId) {
        fetchFailures += 1;
        throw new KafkaJSNonRetriableError('injected: every fetch');
      }
      return fetch.call(this, nodeId);
    };
    await sleep(8_000);
    const restarts = log.restarts();
    // Documented: 0.5 s doubling to 30 s, so within 8 s at most 0.5+1+2+4 = 7.5 s of waits: 4 attempts (5 with slack).
    expect(restarts, `restarts in 8 s (fetch failures ${fetchFailures})`).toBeLessThanOrEqual(5);
    // It recovers once the error stops.
    ConsumerGroup.prototype.fetch = fetch;
    await bus.publish(topic, [message('k', 'after')]);
    await until(() => got.includes('after'), 'the message after the error stopped', 40_000);
  }, 90_000);

  for (const how of ['subscription.close()', 'bus.close()'] as const) {
    it(`${how} while the restart's join is in flight: nothing rejoins, nothing is handled after close`, async () => {
      const { topic, groupId, bus } = await withTopic('close-race', 'attack-close', 1);
      const producer = await startedBus('attack-close-producer', topic, 1);
      let closed = false;
      const afterClose: unknown[] = [];
      const got: unknown[] = [];
      const sub = await bus.subscribe({ topics: [topic], groupId, ...QUICK_GROUP }, async (batch) => {
        for (const m of batch.messages) (closed ? afterClose : got).push(m.value);
      });
      await producer.publish(topic, [message('k', 'before')]);
      await until(() => got.length === 1, 'the first message');

      // Crash once on a fetch (non-retriable); hold the restart's join until the close has finished.
      let crashed = false;
      ConsumerGroup.prototype.fetch = async function (this: Group, nodeId: number) {
        if (this.groupId === groupId && !crashed) {
          crashed = true;
          throw new KafkaJSNonRetriableError('injected: fetch');
        }
        return fetch.call(this, nodeId);
      };
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let held = false;
      ConsumerGroup.prototype.joinAndSync = async function (this: Group) {
        if (this.groupId === groupId && crashed && !held) {
          held = true;
          await gate;
        }
        return joinAndSync.call(this);
      };
      await until(() => held, "the restart's join", 20_000);
      // The close begins while the restart's join is held, which is then let go (a join takes that long when the
      // group's other members must rejoin first).
      const closed$ = how === 'subscription.close()' ? sub.close() : bus.close();
      // Let go right after the close has returned (the join then runs on the cluster the close just disconnected, and
      // reconnects: 20 ms later it finds no broker and crashes), or after 1.5 s if the close waits for the join.
      await Promise.race([closed$.then(() => sleep(0)), sleep(1_500)]);
      release();
      await closed$;
      closed = true;

      await sleep(3_000);
      await producer.publish(topic, [message('k', 'after-close')]);
      await sleep(9_000); // more than the session timeout: a member that joined and then just stopped has expired
      const group = await groupMembers(groupId);
      expect({ afterClose, group }).toEqual({ afterClose: [], group: { state: 'Empty', members: 0 } });
    }, 90_000);
  }

  it('bus.close() while the restart\'s JoinGroup waits at the broker for another member: nothing is handled after close, no member left behind', async () => {
    const { topic, groupId, bus: a } = await withTopic('close-join', 'attack-join-a', 2);
    const b = await startedBus('attack-join-b', topic, 2);
    let aGroup: unknown;
    ConsumerGroup.prototype.joinAndSync = async function (this: Group) {
      if (this.groupId === groupId) aGroup ??= this;
      return joinAndSync.call(this);
    };
    let closed = false;
    const afterClose: unknown[] = [];
    await a.subscribe({ topics: [topic], groupId, fromBeginning: true, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500 }, async (batch) => {
      if (closed) for (const m of batch.messages) afterClose.push(m.value);
    });
    ConsumerGroup.prototype.joinAndSync = joinAndSync;
    // B notices a rebalance only at its next heartbeat, 3 s apart: a JoinGroup of A waits at the broker that long.
    const bSub = await b.subscribe({ topics: [topic], groupId, fromBeginning: true, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3_000 }, async () => {});
    await sleep(4_000);
    let crashed = false;
    ConsumerGroup.prototype.fetch = async function (this: Group, nodeId: number) {
      if (this === aGroup && !crashed) {
        crashed = true;
        throw new KafkaJSNonRetriableError('injected: fetch');
      }
      return fetch.call(this, nodeId);
    };
    let joining = false;
    ConsumerGroup.prototype.joinAndSync = async function (this: Group) {
      if (this.groupId === groupId && crashed && this !== aGroup) joining = true;
      return joinAndSync.call(this);
    };
    await until(() => joining, "A's restart joining", 20_000);
    await sleep(300);
    await a.close();
    closed = true;
    await sleep(2_000);
    await b.publish(topic, [message('k1', 'after-close-1'), message('k2', 'after-close-2'), message('k3', 'after-close-3')]);
    await bSub.close();
    await sleep(12_000); // more than the session timeout
    const group = await groupMembers(groupId);
    expect({ afterClose, group }).toEqual({ afterClose: [], group: { state: 'Empty', members: 0 } });
  }, 90_000);

  it('steady publishing across crashes and restarts (rewindMs, 3 partitions, slow handler): each message applied exactly once', async () => {
    const { topic, groupId, log, bus } = await withTopic('exact', 'attack-exact', 3);
    const producer = await startedBus('attack-exact-producer', topic, 3);
    const live = new Map<string, number>();
    let inHandler = 0;
    await bus.subscribe({ topics: [topic], groupId, rewindMs: 60_000 }, async (batch: ConsumedBatch) => {
      inHandler += 1;
      try {
        await sleep(30);
        if (!batch.replayed) for (const m of batch.messages) live.set(m.value as string, (live.get(m.value as string) ?? 0) + 1);
      } finally {
        inHandler -= 1;
      }
    });
    // Crash three times, on the fetch after a point in the publishing.
    let crashes = 0;
    let armed = false;
    ConsumerGroup.prototype.fetch = async function (this: Group, nodeId: number) {
      if (this.groupId === groupId && armed) {
        armed = false;
        crashes += 1;
        throw new KafkaJSNonRetriableError('injected: fetch during a handler');
      }
      return fetch.call(this, nodeId);
    };
    const sent: string[] = [];
    const publishing = (async () => {
      for (let i = 0; i < 300; i++) {
        const batch = [0, 1, 2].map((j) => message(`k${(i * 3 + j) % 17}`, `m${i}-${j}`));
        sent.push(...batch.map((m) => m.value as string));
        await producer.publish(topic, batch);
        if (i === 50 || i === 130 || i === 210) armed = true;
        await sleep(20);
      }
    })();
    await publishing;
    await until(() => sent.every((v) => live.has(v)), 'every message applied', 60_000);
    await sleep(2_000);
    const twice = [...live].filter(([, n]) => n > 1);
    expect({ crashes, restartsLogged: log.restarts() >= 1, missing: sent.filter((v) => !live.has(v)).length, twice }).toEqual({
      crashes: 3,
      restartsLogged: true,
      missing: 0,
      twice: [],
    });
  }, 120_000);
});
