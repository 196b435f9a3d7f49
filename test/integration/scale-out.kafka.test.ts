import { describe, expect, inject, it } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { allTopics } from '../../src/bus/topics.js';
import { unique } from '../bus/bus-contract.js';
import { MIN, aggregatorConfig, marketMinutes, metricsOf, publishEvents, readTopics, serviceProcesses, sumOf, testTopics, untilSettled } from '../support/aggregator-fixture.js';
import type { Sample } from '../support/prom-text.js';
import { until } from '../support/until.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

const brokers = inject('kafkaBrokers');
const { started, onCleanup } = serviceProcesses();

/** Per label set, the sum over processes (what Prometheus's `sum by` gives). */
function summed(processes: Sample[][], name: string, keep: (s: Sample) => boolean = () => true): Record<string, number> {
  const out: Record<string, number> = {};
  for (const samples of processes)
    for (const s of samples.filter((x) => x.name === name && keep(x))) {
      const k = JSON.stringify(Object.entries(s.labels).sort());
      out[k] = (out[k] ?? 0) + s.value;
    }
  return out;
}

describe('two aggregators in one group', () => {
  it('give the totals and the cascade one aggregator gives, with one aggregates record per minute, also after the active detector is killed', async () => {
    const topics = testTopics();
    const refTopics = { ...topics, aggregates: `${topics.aggregates}-ref`, cascades: `${topics.cascades}-ref`, partials: `${topics.partials}-ref` };
    const group = unique('scale-g');
    const config = aggregatorConfig(brokers, topics, group);
    const refConfig = aggregatorConfig(brokers, refTopics, `${group}-ref`);
    const bus = new KafkaBus({ ...TEST_KAFKA, brokers: [brokers], partitions: 3 });
    onCleanup(() => bus.close());
    await bus.start([...allTopics(topics), refTopics.aggregates, refTopics.cascades, refTopics.partials]);

    const ref = await started(['aggregate', '--config', refConfig]);
    const a = await started(['aggregate', '--config', config]);
    const b = await started(['aggregate', '--config', config]);
    onCleanup(async () => void [a, b].forEach((p) => p.child.kill('SIGKILL')));
    // The second member's join moves partitions away from the first: wait for that before any data.
    await until(() => (a.logs().match(/"msg":"partitions assigned/g) ?? []).length >= 2, 'rebalance after the second member joined', 30_000);

    const base = Math.floor(Date.now() / MIN) * MIN - 100 * MIN;
    const events = marketMinutes(base, 0, 80, new Set([65, 66, 67]));
    await publishEvents(bus, topics.liquidations, events);

    await until(async () => sumOf(await metricsOf(ref.metricsUrl), 'liqstream_liquidations_total') === events.length, 'reference consumed all', 30_000);
    await until(
      async () => sumOf(await metricsOf(a.metricsUrl), 'liqstream_liquidations_total') + sumOf(await metricsOf(b.metricsUrl), 'liqstream_liquidations_total') === events.length,
      'the group consumed all',
      30_000,
    );
    const outputs = [topics.aggregates, topics.cascades, refTopics.aggregates, refTopics.cascades];
    const readerGroup = unique('scale-reader');
    const reader = await readTopics(bus, outputs, readerGroup);
    // Both groups' inputs applied and committed, their partials merged and every record read: nothing more can come
    // (a record published twice, a cascade signal after minute 78's record) and the detector's metrics are final.
    const inputs = [topics.liquidations, topics.openInterest, topics.gaps];
    const settled = () =>
      untilSettled(brokers, [{ groupId: group, inputs, partials: topics.partials }, { groupId: `${group}-ref`, inputs, partials: refTopics.partials }], [{ groupId: readerGroup, topics: outputs }], 45_000);
    const lastClosed = base + 78 * MIN;
    await until(
      () => [topics.aggregates, refTopics.aggregates].every((t) => reader.get(t)!.some((m) => (m.value as { minute: number }).minute === lastClosed)),
      'both aggregate streams up to minute 78',
      30_000,
    );
    await settled();

    const [ma, mb, mr] = [await metricsOf(a.metricsUrl), await metricsOf(b.metricsUrl), await metricsOf(ref.metricsUrl)];
    // Each member counted only its partitions: the sum over the group is the single aggregator's count.
    expect(sumOf(ma, 'liqstream_liquidations_total')).toBeGreaterThan(0);
    expect(sumOf(mb, 'liqstream_liquidations_total')).toBeGreaterThan(0);
    expect(summed([ma, mb], 'liqstream_liquidations_total')).toEqual(summed([mr], 'liqstream_liquidations_total'));
    const day = (s: Sample) => s.labels.window === '24h';
    expect(summed([ma, mb], 'liqstream_liquidations_window_usd', day)).toEqual(summed([mr], 'liqstream_liquidations_window_usd', day));
    // One market view: one record per minute, equal to the reference's; the cascade once; one active detector.
    const values = (t: string) => reader.get(t)!.map((m) => JSON.stringify(m.value));
    expect(values(topics.aggregates)).toHaveLength(79);
    expect(values(topics.aggregates)).toEqual(values(refTopics.aggregates));
    const starts = (t: string) => reader.get(t)!.map((m) => m.value as { phase: string; start: number }).filter((c) => c.phase === 'start');
    expect(starts(topics.cascades).map((c) => (c.start - base) / MIN)).toEqual([65]);
    expect(starts(refTopics.cascades).map((c) => (c.start - base) / MIN)).toEqual([65]);
    expect(sumOf(ma, 'liqstream_cascade_active') + sumOf(mb, 'liqstream_cascade_active')).toBe(1);
    expect(summed([ma, mb], 'liqstream_cascade_usd')).toEqual(summed([mr], 'liqstream_cascade_usd'));

    // Failover: kill -9 the member that runs the active detector; the other takes over its partitions and the detector.
    const [active, standby] = sumOf(ma, 'liqstream_cascade_active') === 1 ? [a, b] : [b, a];
    const activeCounted = sumOf(active === a ? ma : mb, 'liqstream_liquidations_total');
    active.child.kill('SIGKILL');
    const more = marketMinutes(base, 80, 100, new Set());
    await publishEvents(bus, topics.liquidations, more);
    const total = events.length + more.length;
    await until(async () => sumOf(await metricsOf(ref.metricsUrl), 'liqstream_liquidations_total') === total, 'reference consumed the rest', 30_000);
    await until(async () => activeCounted + sumOf(await metricsOf(standby.metricsUrl), 'liqstream_liquidations_total') === total, 'the survivor consumed the rest', 45_000);
    await until(
      () => [topics.aggregates, refTopics.aggregates].every((t) => reader.get(t)!.some((m) => (m.value as { minute: number }).minute === base + 98 * MIN)),
      'both aggregate streams up to minute 98',
      30_000,
    );
    await settled();
    expect(values(topics.aggregates)).toHaveLength(99);
    expect(values(topics.aggregates)).toEqual(values(refTopics.aggregates));
    const ends = (t: string) => reader.get(t)!.map((m) => m.value as { phase: string }).filter((c) => c.phase === 'end');
    expect(ends(topics.cascades)).toHaveLength(1);
    expect(ends(topics.cascades)).toEqual(ends(refTopics.cascades));
    expect(sumOf(await metricsOf(standby.metricsUrl), 'liqstream_cascade_active')).toBe(0);
  });
});
