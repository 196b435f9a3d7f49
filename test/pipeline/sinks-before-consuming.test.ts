import { describe, expect, it } from 'vitest';
import type { ConsumedBatch, SubscribeOptions, Subscription } from '../../src/bus/bus.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startStages } from '../../src/pipeline/stages.js';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { eventMessage } from '../../src/pipeline/messages.js';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { liquidation } from '../support/events.js';
import { ScriptedBus } from '../support/scripted-bus.js';
import { until } from '../support/until.js';

const topics = defaultTopics();
const T0 = 1_760_000_000_000;

/**
 * As kafkajs does: the consumer runs (fetches, hands batches over) while subscribe() still waits for the join
 * and the assignment to settle, so a batch can be applied before subscribe() resolves. Under load a restarted
 * aggregator's whole re-read of a partition came in that window (test/store/store-aggregate.kafka.test.ts, 540 of 720).
 */
class EarlyBatchBus extends ScriptedBus {
  constructor(
    private readonly early: (bus: ScriptedBus) => Promise<void>,
    private readonly topic = topics.liquidations,
  ) {
    super();
  }

  override async subscribe(options: SubscribeOptions, handler: (batch: ConsumedBatch) => Promise<void>): Promise<Subscription> {
    const subscription = await super.subscribe(options, handler);
    if (options.topics.includes(this.topic)) await this.early(this);
    return subscription;
  }
}

describe('the sinks of the consuming stages', () => {
  it('get the events of a batch applied before subscribe() resolved (a re-read at restart): each event once, none missing', async () => {
    const events = Array.from({ length: 6 }, (_, i) => liquidation(`early-${i}`, T0 + i * 1_000, 100 + i));
    const bus = new EarlyBatchBus(async (b) => {
      b.assign([{ topic: topics.liquidations, partition: 0, start: 0, live: 6, end: 6, partitions: 1 }]);
      await b.deliver(topics.liquidations, 0, events, true);
    });
    const seen: NormalizedEvent[] = [];
    const stages = await startStages({
      bus,
      topics,
      metrics: createMetrics(),
      log: silentLogger(),
      consume: { groupId: 'g', aggregator: {}, direct: true, sinks: () => [{ name: 'probe', onEvent: (e) => void seen.push(e) }] },
    });
    expect(stages.aggregation!.aggregator.totalsSnapshot()).toMatchObject({ count: 0 }); // re-read: rebuilds, counts nothing
    expect(seen.map((e) => (e as { id: string }).id)).toEqual(events.map((e) => e.id));
    expect(stages.aggregation!.status()).toBe('ok');
    await stages.close();
  });
});

describe('the minute sinks', () => {
  it('get the minutes detection closed while its consumer was still subscribing (before the sinks could be built)', async () => {
    const minute = Math.floor(T0 / 60_000) * 60_000;
    const partial = { type: 'minute-partial', minute, topic: topics.liquidations, partition: 0, partitions: 1, units: 70_000, count: 1, byVenue: { 'bybit-linear': { long: 70_000, short: 0, count: 1 } }, oiUnits: null };
    const bus = new EarlyBatchBus(async (b) => {
      b.assign([{ topic: topics.partials, partition: 0, start: 0, live: 0, end: 0, partitions: 1 }]);
      await b.deliver(topics.partials, 0, [partial, { ...partial, minute: minute + 60_000 }]);
    }, topics.partials);
    const closed: number[] = [];
    const stages = await startStages({
      bus,
      topics,
      metrics: createMetrics(),
      log: silentLogger(),
      consume: { groupId: 'g', aggregator: {}, direct: false, sinks: () => [{ name: 'probe', onMinuteClosed: (b) => void closed.push(b.minute) }] },
    });
    // Both merged (one partition, each reported) and published on the aggregates topic, and given to the sink.
    expect(bus.values(topics.aggregates)).toHaveLength(2);
    expect(closed).toEqual([minute, minute + 60_000]);
    await stages.close();
  });
});

describe('a sink that is behind (Sink.backpressure)', () => {
  it('holds the consumer after the batch until it resolves; on the embedded bus the publisher (a replay) waits too', async () => {
    const bus = new MemoryBus();
    await bus.start();
    let release!: () => void;
    let behind: Promise<void> | undefined = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    let asked = 0;
    const stages = await startStages({
      bus,
      topics,
      metrics: createMetrics(),
      log: silentLogger(),
      consume: {
        groupId: 'g',
        aggregator: {},
        direct: true,
        sinks: () => [{ name: 'slow', onEvent: (e) => void seen.push((e as { id: string }).id), backpressure: () => (asked++, behind) }],
      },
    });
    let published = false;
    const first = bus.publish(topics.liquidations, [eventMessage(liquidation('bp-1', T0, 10))]).then(() => (published = true));
    // Applied and handed to the sink (waited for, not slept for: a loaded host can outlast a fixed 50 ms), then held.
    await until(() => seen.length > 0 && asked > 0, 'the event handed to the sink');
    // Held: the publish has not returned.
    expect(seen).toEqual(['bp-1']);
    expect(asked).toBe(1);
    expect(published).toBe(false);
    behind = undefined;
    release();
    await first;
    await bus.publish(topics.liquidations, [eventMessage(liquidation('bp-2', T0 + 1, 10))]);
    expect(seen).toEqual(['bp-1', 'bp-2']);
    expect(asked).toBe(2);
    await stages.close();
  });
});

describe('a stop while a sink holds the consumer (review)', () => {
  it('stages.close() (SIGTERM) ends the wait: the last flush is applied and handed to the sink once, and close returns promptly', async () => {
    const bus = new MemoryBus();
    await bus.start();
    const seen: string[] = [];
    let asked = 0;
    const metrics = createMetrics();
    const stages = await startStages({
      bus,
      topics,
      metrics,
      log: silentLogger(),
      ingest: { parserFor: () => undefined, publishRaw: false, batchSize: 1_000, lingerMs: 60_000, maxBuffered: 100_000 },
      consume: {
        groupId: 'g',
        aggregator: {},
        direct: true,
        // A writer that is behind and does not catch up while the process stops (a live store waits up to
        // store.maxWaitMs, which may be longer than the 30 s the CLI gives a stop).
        sinks: () => [{ name: 'stuck', onEvent: (e) => void seen.push((e as { id: string }).id), backpressure: () => (asked++, new Promise<void>(() => {})) }],
      },
    });
    await stages.ingestor!.handleEvent(liquidation('stop-1', T0, 10));
    await stages.ingestor!.handleEvent(liquidation('stop-2', T0 + 1, 20));
    const closed = await Promise.race([stages.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2_000))]);
    expect(closed).toBe(true);
    expect(seen).toEqual(['stop-1', 'stop-2']);
    expect(asked).toBeLessThanOrEqual(1);
    expect(stages.aggregation!.aggregator.totalsSnapshot()).toMatchObject({ count: 2 });
  });
});
