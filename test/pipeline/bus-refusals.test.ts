import { describe, expect, it } from 'vitest';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startAggregation } from '../../src/pipeline/aggregation.js';
import { MAX_UNREGISTERED_VENUES } from '../../src/pipeline/consume.js';
import { BusRefusal } from '../../src/pipeline/refusals.js';
import { liquidation } from '../support/events.js';
import { ScriptedBus } from '../support/scripted-bus.js';

const topics = defaultTopics();
const valid = liquidation('bybit-linear:BTCUSDT:1:Sell:100:1', 1_760_000_000_000, 100);

describe('a bus message the consumer refuses', () => {
  it('is counted and dead-lettered with the reason and where it was read, and the rest of the batch is applied', async () => {
    const bus = new ScriptedBus();
    const metrics = createMetrics();
    const { aggregator } = await startAggregation({ bus, topics, groupId: 'g', metrics, log: silentLogger() });
    bus.assign([{ topic: topics.liquidations, partition: 2, start: 40, live: 40, end: 40, partitions: 3 }]);
    await bus.deliver(topics.liquidations, 2, [valid, { ...valid, id: 'x', notionalUsd: -5 }, 'not an event']);

    expect(aggregator.totalsSnapshot()).toMatchObject({ usd: 100, count: 1 });
    expect((await metrics.invalidBusMessagesTotal.get()).values).toEqual([expect.objectContaining({ labels: { topic: topics.liquidations }, value: 2 })]);
    const letters = bus.published.get(topics.deadLetter)!;
    expect(letters.map((m) => [m.key, m.headers?.type])).toEqual([
      [topics.liquidations, 'bus-refusal'],
      [topics.liquidations, 'bus-refusal'],
    ]);
    const [first, second] = letters.map((m) => BusRefusal.parse(m.value));
    expect(first).toMatchObject({ topic: topics.liquidations, partition: 2, offset: 41, key: 'k', value: JSON.stringify({ ...valid, id: 'x', notionalUsd: -5 }) });
    expect(first!.reason).toMatch(/notionalUsd/);
    expect(second).toMatchObject({ partition: 2, offset: 42, value: 'not an event' });
  });

  it('is not dead-lettered again when a re-read after a restart meets it', async () => {
    const bus = new ScriptedBus();
    const metrics = createMetrics();
    await startAggregation({ bus, topics, groupId: 'g', metrics, log: silentLogger() });
    bus.assign([{ topic: topics.liquidations, partition: 0, start: 0, live: 2, end: 2, partitions: 3 }]);
    await bus.deliver(topics.liquidations, 0, [valid, 'not an event'], true);
    expect(bus.published.get(topics.deadLetter)).toBeUndefined();
  });
});

describe('venue ids no module registers', () => {
  it('are counted up to MAX_UNREGISTERED_VENUES; further ones are refused, so bus writers cannot grow the metric labels without bound', async () => {
    const bus = new ScriptedBus();
    const metrics = createMetrics();
    const { aggregator } = await startAggregation({ bus, topics, groupId: 'g', metrics, log: silentLogger() });
    bus.assign([{ topic: topics.liquidations, partition: 0, start: 0, live: 0, end: 0, partitions: 1 }]);
    const others = Array.from({ length: MAX_UNREGISTERED_VENUES + 50 }, (_, i) => liquidation(`z${i}`, 1_760_000_000_000 + i, 10, { venue: `zeta-${i}` }));
    await bus.deliver(topics.liquidations, 0, [...others, valid, { ...others[0]!, id: 'z-again' }]);

    const byVenue = aggregator.totalsSnapshot().byVenue;
    expect(Object.keys(byVenue).sort()).toEqual(['bybit-linear', ...others.slice(0, MAX_UNREGISTERED_VENUES).map((e) => e.venue)].sort());
    expect(byVenue['zeta-0']).toMatchObject({ count: 2 });
    const series = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'liqstream_liquidations_total')!.values;
    expect(new Set(series.map((v) => v.labels.venue)).size).toBe(MAX_UNREGISTERED_VENUES + 1);
    expect((await metrics.invalidBusMessagesTotal.get()).values).toEqual([expect.objectContaining({ value: 50 })]);
    const refused = bus.published.get(topics.deadLetter)!.map((m) => BusRefusal.parse(m.value));
    expect(refused).toHaveLength(50);
    expect(refused[0]!.reason).toBe(`venue zeta-${MAX_UNREGISTERED_VENUES} is not registered and ${MAX_UNREGISTERED_VENUES} unregistered venue ids are already counted`);
  });
});
