import { describe, expect, it } from 'vitest';
import type { Bus, BusMessage, ConsumedBatch, SubscribeOptions, Subscription } from '../../src/bus/bus.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Ingestor } from '../../src/pipeline/ingest.js';

/** The first publish fails (spill at twice its limit, or in `run` the aggregator threw); later ones hang (a slow broker). */
class FailOnceThenHangBus implements Bus {
  readonly kind = 'embedded' as const;
  calls = 0;
  async start(): Promise<void> {}
  publish(_topic: string, _messages: BusMessage[]): Promise<void> {
    this.calls += 1;
    return this.calls === 1 ? Promise.reject(new Error('aggregator threw')) : new Promise(() => {});
  }
  subscribe(_o: SubscribeOptions, _h: (b: ConsumedBatch) => Promise<void>): Promise<Subscription> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

const gap = (i: number) => ({ type: 'gap' as const, venue: 'binance-usdm' as const, from: i, to: i + 1, reason: 'test' });

describe('Ingestor back-pressure after a failed publish', () => {
  it('still makes callers wait while maxBuffered messages are unaccepted, after one publish has failed', async () => {
    const ing = new Ingestor({
      bus: new FailOnceThenHangBus(),
      topics: defaultTopics(),
      metrics: createMetrics(),
      log: silentLogger(),
      parserFor: () => undefined,
      publishRaw: false,
      batchSize: 10,
      lingerMs: 1_000,
      maxBuffered: 30,
    });
    for (let i = 0; i < 10; i++) void ing.handleEvent(gap(i)); // one batch: its publish fails
    await ing.flush().catch(() => {});
    // Then the bus stops answering. Before the fix the flush chain stayed rejected for good
    // (Promise.all over a rejected predecessor rejects at once), so the back-pressure promise resolved
    // immediately and a source that awaited it went on reading: memory without bound.
    let wait: void | Promise<void> = undefined;
    let n = 10;
    while (wait === undefined) wait = ing.handleEvent(gap(n++));
    expect(ing.pending).toBeGreaterThanOrEqual(30);
    const outcome = await Promise.race([wait.then(() => 'resolved'), new Promise((r) => setTimeout(() => r('waiting'), 200))]);
    expect(outcome).toBe('waiting');
  });
});

describe('Ingestor gap for frames dropped while full, at shutdown', () => {
  it('publishes the open drop gap when closed while the bus is still full', async () => {
    const published: { topic: string; value: unknown }[] = [];
    const bus: Bus = {
      kind: 'kafka',
      start: async () => {},
      publish: async (topic, messages) => {
        for (const m of messages) published.push({ topic, value: m.value });
      },
      subscribe: () => Promise.reject(new Error('not used')),
      close: async () => {},
    };
    const topics = defaultTopics();
    const ing = new Ingestor({ bus, topics, metrics: createMetrics(), log: silentLogger(), parserFor: () => undefined, publishRaw: false, batchSize: 10, lingerMs: 1_000, maxBuffered: 100, isFull: () => true });
    for (let i = 0; i < 3; i++) void ing.handleFrame({ venue: 'binance-usdm', recv: 1_000 + i, frame: '{}' });
    expect(ing.stats.dropped).toBe(3);
    const before = Date.now();
    // Before the fix shutdown called flush(), which keeps the gap open while full: it was never
    // published, so three dropped frames left no trace on the gaps topic.
    await ing.close();
    const gaps = published.filter((p) => p.topic === topics.gaps).map((p) => p.value as { from: number; to: number; reason: string; venue: string });
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ venue: 'binance-usdm', from: 1_000, reason: 'bus spill full: frames dropped' });
    expect(gaps[0]!.to).toBeGreaterThanOrEqual(before);
  });
});
