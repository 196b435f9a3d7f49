import { describe, expect, inject, it } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { unique } from '../bus/bus-contract.js';
import { aggregatorConfig, marketMinutes, MIN, publishEvents, readTopics, serviceProcesses, testTopics } from '../support/aggregator-fixture.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const brokers = inject('kafkaBrokers');
const { started, onCleanup } = serviceProcesses();

describe('two aggregator groups on one cluster, each with its own liquidations and aggregates topics and the default partials topic', () => {
  it("each group's detector merges only its own partials: every minute record equals that group's own events", async () => {
    const groups = [0, 1].map(() => {
      // No partials topic in the configuration: each group gets its own, derived from its group id.
      const { partials: _partials, ...topics } = testTopics();
      return { topics, group: unique('partials-g') };
    });
    const bus = new KafkaBus({ ...TEST_KAFKA, brokers: [brokers], partitions: 3 });
    onCleanup(() => bus.close());
    await bus.start(groups.flatMap((g) => [g.topics.liquidations, g.topics.aggregates]));
    for (const g of groups) await started(['aggregate', '--config', aggregatorConfig(brokers, g.topics, g.group)]);

    const base = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
    // Different events per group: the second group's are 10 times the first's (ids differ with the amount).
    const events = [marketMinutes(base, 0, 6, new Set()), marketMinutes(base, 0, 6, new Set()).map((e) => ({ ...e, id: `${e.id}x10`, notionalUsd: e.notionalUsd * 10, qty: e.qty * 10 }))];
    await Promise.all(groups.map((g, i) => publishEvents(bus, g.topics.liquidations, events[i]!)));

    const records = await readTopics(bus, groups.map((g) => g.topics.aggregates));
    // Minutes 0–4 close once minute 5's events have moved the watermark past them.
    const minutes = (i: number) => (records.get(groups[i]!.topics.aggregates) ?? []).map((m) => m.value as { minute: number; usd: number; count: number });
    await until(() => groups.every((_, i) => minutes(i).filter((m) => m.minute >= base && m.minute < base + 5 * MIN).length === 5), 'minutes 0–4 published by both groups', 60_000);
    for (const i of [0, 1]) {
      const own = minutes(i).filter((m) => m.minute >= base && m.minute < base + 5 * MIN);
      const expected = [0, 1, 2, 3, 4].map((k) => {
        const inMinute = events[i]!.filter((e) => e.eventTime >= base + k * MIN && e.eventTime < base + (k + 1) * MIN);
        return { minute: base + k * MIN, usd: inMinute.reduce((a, e) => a + e.notionalUsd, 0), count: inMinute.length };
      });
      expect(own.map((m) => ({ minute: m.minute, usd: m.usd, count: m.count })).sort((a, b) => a.minute - b.minute)).toEqual(expected);
    }
  });
});
