import { describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Ingestor } from '../../src/pipeline/ingest.js';

/** A bus whose publishes are accepted at once and become durable only when the test says (SpillingBus.progress). */
function slowBus() {
  const state = { accepted: 0, durable: 0, full: false };
  const bus: Bus = {
    kind: 'kafka',
    start: async () => {},
    publish: async () => {
      state.accepted += 1;
    },
    subscribe: () => Promise.reject(new Error('not used')),
    close: async () => {},
  };
  return { state, bus };
}

const gap = (venue: string, from: number) => ({ type: 'gap' as const, venue, from, to: from + 10, reason: 'test' });

describe('Ingestor.openSince: from when on a venue’s data would be lost by a kill -9', () => {
  it('is the first receive time buffered or not yet durable, per venue; an open drop gap; undefined once all is durable', async () => {
    const { state, bus } = slowBus();
    const ing = new Ingestor({
      bus,
      topics: defaultTopics(),
      metrics: createMetrics(),
      log: silentLogger(),
      parserFor: () => () => ({ ok: true, events: [] }),
      publishRaw: false,
      batchSize: 1_000,
      lingerMs: 1_000,
      maxBuffered: 10_000,
      spill: {
        get full() {
          return state.full;
        },
        fullReason: 'test',
        progress: () => ({ accepted: state.accepted, durable: state.durable }),
        onLoss: () => {},
      },
    });
    expect(ing.openSince('binance-usdm')).toBeUndefined();
    void ing.handleEvent(gap('binance-usdm', 1_000));
    void ing.handleEvent(gap('binance-usdm', 2_000));
    void ing.handleEvent(gap('binance-coinm', 1_500));
    expect(ing.openSince('binance-usdm')).toBe(1_000); // buffered
    await ing.flush();
    expect(state.accepted).toBe(1);
    void ing.handleEvent(gap('binance-usdm', 3_000));
    await ing.flush();
    expect(ing.openSince('binance-usdm')).toBe(1_000); // accepted, not durable
    expect(ing.openSince('binance-coinm')).toBe(1_500);
    state.durable = 1;
    expect(ing.openSince('binance-usdm')).toBe(3_000); // the first flush is durable, the second not
    expect(ing.openSince('binance-coinm')).toBeUndefined();
    state.durable = 2;
    expect(ing.openSince('binance-usdm')).toBeUndefined();
    // A frame that yields no message at all (publishRaw off, no events) leaves nothing pending.
    void ing.handleFrame({ venue: 'binance-usdm', recv: 3_500, frame: '{}' });
    await ing.flush();
    expect(ing.openSince('binance-usdm')).toBeUndefined();
    // Frames dropped while the bus is full: the open drop gap is not safe either.
    state.full = true;
    void ing.handleFrame({ venue: 'binance-usdm', recv: 4_000, frame: '{}' });
    expect(ing.openSince('binance-usdm')).toBe(4_000);
  });
});
