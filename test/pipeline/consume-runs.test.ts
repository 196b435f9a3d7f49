import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { consumeEvents, MAX_UNREGISTERED_VENUES, type AppliedBatch } from '../../src/pipeline/consume.js';
import { defaultValueLimits } from '../../src/pipeline/value-limits.js';
import type { LiquidationEvent } from '../../src/schema/events.js';
import { VENUES } from '../../src/venues/registry.js';
import { liquidation } from '../support/events.js';
import { ScriptedBus } from '../support/scripted-bus.js';

const topics = defaultTopics();
const T = 1_760_000_000_000;

/**
 * The consumer keeps a batch's checks and newest event time per run of one venue's events: the same applied events,
 * and the same newest time per venue (in first-seen order), as asking and updating per event.
 */
describe('consumeEvents, per run of one venue', () => {
  it('property: applies what a per-event check applies and hands afterBatch the per-event newest time of each venue, in the same order', async () => {
    // Two registered venues and more unregistered ones than are counted; events over the bound among them.
    const venues = ['binance-usdm', 'bybit-linear', ...Array.from({ length: MAX_UNREGISTERED_VENUES + 3 }, (_, i) => `zeta-${i}`)];
    const item = fc.record({ venue: fc.integer({ min: 0, max: venues.length - 1 }), t: fc.integer({ min: 0, max: 100_000 }), over: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(item, { maxLength: 40 }), { minLength: 1, maxLength: 6 }), async (batches) => {
        const bus = new ScriptedBus();
        const applied: string[] = [];
        const seen: [string, number][][] = [];
        await consumeEvents(
          bus,
          topics,
          'g',
          { metrics: createMetrics(), log: silentLogger(), afterBatch: async (b: AppliedBatch) => void seen.push([...b.newestByVenue]) },
          (e) => void applied.push((e as LiquidationEvent).id),
        );
        bus.assign([{ topic: topics.liquidations, partition: 0, start: 0, live: 0, end: 0, partitions: 1 }]);
        // The per-event reference: which venues count (registered, or among the first unregistered within bounds).
        const registered = new Set<string>(VENUES);
        const unregistered = new Set<string>();
        const expectedApplied: string[] = [];
        const expectedSeen: [string, number][][] = [];
        let n = 0;
        for (const batch of batches) {
          const events = batch.map((x) => liquidation(`e${n++}`, T + x.t, x.over ? defaultValueLimits().maxNotionalUsd * 2 : 100, { venue: venues[x.venue]! }));
          const newest = new Map<string, number>();
          for (const e of events) {
            if (e.notionalUsd > defaultValueLimits().maxNotionalUsd) continue;
            const counts = registered.has(e.venue) || unregistered.has(e.venue) || (unregistered.size < MAX_UNREGISTERED_VENUES && !!unregistered.add(e.venue));
            if (!counts) continue;
            expectedApplied.push(e.id);
            if (e.eventTime > (newest.get(e.venue) ?? -Infinity)) newest.set(e.venue, e.eventTime);
          }
          expectedSeen.push([...newest]);
          await bus.deliver(topics.liquidations, 0, events);
        }
        expect(applied).toEqual(expectedApplied);
        expect(seen).toEqual(expectedSeen);
      }),
      { numRuns: 150 },
    );
  });
});
