import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { toUnits } from '../../src/aggregate/fixed-point.js';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { allTopics } from '../../src/bus/topics.js';
import { unique } from '../bus/bus-contract.js';
import { MIN, aggregatorConfig, marketMinutes, metricsOf, publishEvents, type serviceProcesses, sumOf, testTopics, untilCommitted } from './aggregator-fixture.js';
import { startServiceProcess } from './service-process.js';
import { until } from './until.js';
import { TEST_KAFKA } from './kafka-test-options.js';

/** What a store holds: rows, distinct ids and the exact USD sum in 1/10,000 units. */
export interface StoredTotals {
  n: number;
  ids: number;
  usdUnits: number;
}

/**
 * `liqstream aggregate` on Kafka writing a history store (`store` config, which must not write while
 * running), through a graceful stop, a kill -9 with rows applied and offsets committed but not stored, and
 * a restart: the store ends with every liquidation once and the exact sum (the restart re-reads
 * aggregator.rebuildMs; the store's key keeps what was stored once). The same scenario for every store.
 */
export async function killedAggregatorScenario(brokers: string, processes: ReturnType<typeof serviceProcesses>, store: Record<string, unknown>, stored: () => Promise<StoredTotals>): Promise<void> {
  const { started, onCleanup } = processes;
  const topics = testTopics();
  const group = unique('store-g');
  const file = aggregatorConfig(brokers, topics, group);
  writeFileSync(file, stringify({ ...parse(readFileSync(file, 'utf8')), store: { enabled: true, ...store } }));
  const bus = new KafkaBus({ ...TEST_KAFKA, brokers: [brokers], partitions: 3 });
  onCleanup(() => bus.close());
  await bus.start(allTopics(topics));

  const base = Math.floor(Date.now() / MIN) * MIN - 100 * MIN;
  const events = marketMinutes(base, 0, 60, new Set());
  const half = events.filter((e) => e.eventTime < base + 30 * MIN);
  const consumed = async (p: { metricsUrl: string }, n: number) =>
    until(async () => sumOf(await metricsOf(p.metricsUrl), 'liqstream_liquidations_total') === n, `${n} consumed`, 30_000);

  // 1. The first half, stored by a graceful stop.
  const first = await started(['aggregate', '--config', file]);
  await publishEvents(bus, topics.liquidations, half);
  await consumed(first, half.length);
  expect(await first.stop()).toBe(0);
  expect(await stored()).toMatchObject({ n: half.length, ids: half.length });

  // 2. The second half, applied and its offsets committed, then kill -9 before the store writes it.
  const second = await startServiceProcess(['aggregate', '--config', file]);
  onCleanup(async () => second.child.kill('SIGKILL'));
  await until(async () => (await fetch(`${second.metricsUrl}/healthz`)).status === 200, 'second healthy', 60_000);
  await publishEvents(bus, topics.liquidations, events.filter((e) => !half.includes(e)));
  await consumed(second, events.length - half.length);
  await untilCommitted(brokers, group, [topics.liquidations]);
  second.child.kill('SIGKILL');
  await new Promise((r) => second.child.once('exit', r));
  expect(await stored()).toMatchObject({ n: half.length });

  // 3. A restart re-reads both halves (aggregator.rebuildMs): the first is already stored, the second is not.
  const third = await started(['aggregate', '--config', file]);
  await until(async () => (await fetch(`${third.metricsUrl}/healthz`)).status === 200, 'restarted healthy', 60_000);
  // The process serves the store it writes: what is stored (the first half) is on /api/history.
  const api = (await (await fetch(`${third.metricsUrl}/api/history/minutes?step=1d`)).json()) as { rows: { count: number }[] };
  expect(api.rows.reduce((a, r) => a + r.count, 0)).toBeGreaterThanOrEqual(half.length);
  // Stopped right at ready: ready says every assigned partition has been read to its end, so every re-read event has
  // reached the store by now. (Under load, 1 run in about 5 beside a CPU burner, the store missed a whole partition's
  // re-read, 540 or 660 of 720: the consumer applied that partition's batch while it was still subscribing, before the
  // sinks were attached; they now are before it consumes: test/pipeline/sinks-before-consuming.test.ts.)
  expect(await third.stop()).toBe(0);
  expect(await stored()).toEqual({ n: events.length, ids: events.length, usdUnits: events.reduce((s, e) => s + toUnits(e.notionalUsd), 0) });
}
