import { afterAll, describe, expect, inject, it } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import type { BusMessage } from '../../src/bus/bus.js';
import { allTopics, TopicNames } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { startAggregation } from '../../src/pipeline/aggregation.js';
import { eventMessage } from '../../src/pipeline/messages.js';
import type { GapEvent } from '../../src/schema/events.js';
import { unique } from '../bus/bus-contract.js';
import { MIN, marketMinutes, publishEvents, testTopics, untilCommitted } from '../support/aggregator-fixture.js';
import { parsePromText } from '../support/prom-text.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const brokers = [inject('kafkaBrokers')];
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

/** An in-process aggregator (as `aggregate` runs it) in `groupId`, with a 6 s session as the CLI tests use. */
async function aggregator(topics: TopicNames, groupId: string, partials: (m: BusMessage[]) => Promise<void> = async () => {}) {
  const bus = new KafkaBus({ ...TEST_KAFKA, brokers, partitions: 3 });
  await bus.start(allTopics(topics));
  const metrics = createMetrics();
  const aggregation = await startAggregation({
    bus,
    topics,
    groupId,
    metrics,
    log: silentLogger(),
    partials,
    aggregator: { rewindMs: 26 * 60 * MIN, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, idleMs: 500, latenessMs: 1_000 },
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await aggregation.subscription.close();
    await bus.close();
  };
  cleanup.push(close);
  return { metrics, aggregation, close };
}

async function total(metrics: Metrics, name: string): Promise<number> {
  return parsePromText(await metrics.registry.metrics())
    .filter((s) => s.name === name)
    .reduce((a, s) => a + s.value, 0);
}

async function publisher(topics: TopicNames) {
  const bus = new KafkaBus({ ...TEST_KAFKA, brokers, partitions: 3 });
  cleanup.push(() => bus.close());
  await bus.start(allTopics(topics));
  return bus;
}

const gap = (from: number, seconds: number): GapEvent => ({ type: 'gap', venue: 'bybit-linear', from, to: from + seconds * 1_000, reason: 'spill full' });

describe('lifetime counters across rejoins', () => {
  it('counts what was written while the group was away to partitions that had no committed offset (the sparse gaps topic)', async () => {
    const topics = TopicNames.parse(testTopics());
    const groupId = unique('no-commit-g');
    const first = await aggregator(topics, groupId);
    await until(() => first.aggregation.status() === 'ok', 'first aggregator ready', 30_000);
    await first.close();

    // Written while no member is running, to partitions nothing was ever committed on.
    const bus = await publisher(topics);
    const now = Math.floor(Date.now() / MIN) * MIN;
    await bus.publish(topics.gaps, [eventMessage(gap(now - 5 * MIN, 30))]);
    const liquidations = marketMinutes(now - 10 * MIN, 0, 1, new Set()).slice(0, 5);
    await publishEvents(bus, topics.liquidations, liquidations);
    const usd = liquidations.reduce((a, e) => a + e.notionalUsd, 0);

    const second = await aggregator(topics, groupId);
    // Summed over both processes: under load, a consumer that was restarting when it was closed can still
    // read a little after close() resolved; what matters is that each record is counted exactly once.
    const both = async (name: string) => (await total(first.metrics, name)) + (await total(second.metrics, name));
    await until(async () => (await both('liqstream_liquidations_total')) === 5 && (await both('liqstream_gaps_total')) === 1, 'the gap and 5 liquidations counted', 60_000);
    await until(() => second.aggregation.status() === 'ok', 'second aggregator ready', 60_000);
    // Nothing counted again later: the group committed both topics to their end (no rejoin reads any of it as new);
    // then a second for a late read of the closed first member, which nothing commits.
    await untilCommitted(brokers[0]!, groupId, [topics.liquidations, topics.gaps], 60_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await both('liqstream_liquidations_total')).toBe(5);
    expect(await both('liqstream_gaps_total')).toBe(1);
    expect(await both('liqstream_gap_seconds_total')).toBe(30);
    expect(await both('liqstream_liquidations_usd_total')).toBe(usd);
    expect(second.aggregation.aggregator.windowUsd('bybit-linear', 'long', '24h') + second.aggregation.aggregator.windowUsd('bybit-linear', 'short', '24h')).toBe(usd);
    await second.close();

    // The next start rebuilds the same windows and counts none of it again.
    const third = await aggregator(topics, groupId);
    await until(() => third.aggregation.status() === 'ok', 'third aggregator ready', 30_000);
    expect(third.aggregation.aggregator.windowUsd('bybit-linear', 'long', '24h') + third.aggregation.aggregator.windowUsd('bybit-linear', 'short', '24h')).toBe(usd);
    for (const name of ['liqstream_liquidations_total', 'liqstream_gaps_total', 'liqstream_gap_seconds_total']) expect(await total(third.metrics, name)).toBe(0);
  }, 240_000);

  it('counts a batch once when the member expired while applying it and its commit was refused (as under a frozen broker)', async () => {
    const topics = TopicNames.parse(testTopics());
    const groupId = unique('expired-g');
    // The first minute partials after arming take longer than the 6 s session: the broker expires the
    // member, as it does when it was frozen itself, and the batch's commit is refused.
    let armed = false;
    let stalled = 0;
    const member = await aggregator(topics, groupId, async () => {
      if (!armed || stalled > 0) return;
      stalled += 1;
      await new Promise((r) => setTimeout(r, 9_000));
    });
    await until(() => member.aggregation.status() === 'ok', 'aggregator ready', 30_000);
    const bus = await publisher(topics);
    const base = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;
    const phases = [marketMinutes(base, 0, 6, new Set()), marketMinutes(base, 6, 12, new Set()), marketMinutes(base, 12, 18, new Set())];
    const counted = () => total(member.metrics, 'liqstream_liquidations_total');

    await publishEvents(bus, topics.liquidations, phases[0]!);
    await until(async () => (await counted()) === phases[0]!.length, 'phase 1 counted', 30_000);
    armed = true;
    await bus.publish(topics.gaps, [eventMessage(gap(base + 7 * MIN, 30))]);
    await publishEvents(bus, topics.liquidations, phases[1]!);
    await until(() => stalled === 1, 'the member stalled', 30_000);
    await new Promise((r) => setTimeout(r, 9_500)); // the stall, then the refused commit and the rejoin
    await publishEvents(bus, topics.liquidations, phases[2]!);

    const all = phases.flat();
    const usd = all.reduce((a, e) => a + e.notionalUsd, 0);
    const windows = () => member.aggregation.aggregator.windowUsd('bybit-linear', 'long', '24h') + member.aggregation.aggregator.windowUsd('bybit-linear', 'short', '24h');
    await until(async () => windows() === usd && member.aggregation.status() === 'ok', 'every phase in the rebuilt windows', 45_000);
    // Anything counted twice would be counted by now: the group committed both topics to their end (after the rejoin's
    // reads), so no member reads any of it as new again.
    await untilCommitted(brokers[0]!, groupId, [topics.liquidations, topics.gaps], 45_000);
    expect(await counted()).toBe(all.length);
    expect(await total(member.metrics, 'liqstream_liquidations_usd_total')).toBe(usd);
    expect(await total(member.metrics, 'liqstream_gaps_total')).toBe(1);
    expect(await total(member.metrics, 'liqstream_gap_seconds_total')).toBe(30);
    expect(await total(member.metrics, 'liqstream_duplicate_liquidations_total')).toBe(0);
  });
});
