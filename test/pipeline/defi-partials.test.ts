import { describe, expect, it } from 'vitest';
import { MinuteMerger, type MinutePartial } from '../../src/aggregate/minute-partials.js';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { minuteView } from '../../src/cascade/tracker.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startAggregation } from '../../src/pipeline/aggregation.js';
import { eventMessage } from '../../src/pipeline/messages.js';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { defiLiquidation, retraction } from '../support/defi-events.js';

const T = Date.UTC(2025, 9, 10, 21, 0);
const M = 60_000;

describe('DeFi in the minute partials (aggregates topic)', () => {
  it('a retraction read after its minute was published is carried by the next partial as defiRetracted: Σ defi − Σ defiRetracted = the events not retracted (a late one and its retraction in neither)', async () => {
    const bus = new MemoryBus();
    const topics = defaultTopics();
    await bus.start();
    const partials: MinutePartial[] = [];
    const aggregation = await startAggregation({
      bus, topics, groupId: 'g', metrics: createMetrics(), log: silentLogger(), fromBeginning: true,
      aggregator: { clock: 'watermark', latenessMs: 1_000 },
      partials: async (messages) => void partials.push(...messages.map((m) => m.value as MinutePartial)),
    });
    const send = (events: NormalizedEvent[]) => bus.publish(topics.liquidations, events.map(eventMessage));
    const a = defiLiquidation(1, T + 1_000, 1_000.0001);
    const b = defiLiquidation(2, T + 2_000, 250, { venue: 'morpho-blue', chain: 'base' });
    const c = defiLiquidation(3, T + 3 * M + 1_000, 42);
    await send([a, b]);
    await send([defiLiquidation(10, T + 2 * M, 1), defiLiquidation(11, T + 2 * M, 1, { venue: 'morpho-blue' })]); // minutes 0 and 1 close
    await send([retraction(a), c]); // a's minute was published with it
    await send([retraction(c)]); // c's minute is still open
    const late = defiLiquidation(5, T + 5_000, 77); // minute 0 is closed: in no record, and neither is its retraction
    await send([late, defiLiquidation(12, T + 6 * M, 1), defiLiquidation(13, T + 6 * M, 1, { venue: 'morpho-blue' })]); // minutes to 4 close
    await send([retraction(late)]);
    await send([defiLiquidation(15, T + 8 * M, 1), defiLiquidation(16, T + 8 * M, 1, { venue: 'morpho-blue' })]); // minutes to 6 close
    await aggregation.subscription.close();

    const merger = new MinuteMerger(0);
    for (const p of partials) merger.add(p, 0);
    const records = merger.ready(1).map((m) => minuteView(m.bucket));
    const net = (protocol: string) =>
      records.reduce((s, r) => s + Math.round(((r.defi?.[protocol]?.longUsd ?? 0) - (r.defiRetracted?.[protocol]?.longUsd ?? 0)) * 10_000), 0) / 10_000;
    expect(records[0]!.defi).toEqual({ 'aave-v3': { longUsd: 1_000.0001, shortUsd: 0, count: 1 }, 'morpho-blue': { longUsd: 250, shortUsd: 0, count: 1 } });
    expect(records.flatMap((r) => (r.defiRetracted ? [[(r.minute - T) / M, r.defiRetracted]] : []))).toEqual([[1, { 'aave-v3': { longUsd: 1_000.0001, shortUsd: 0, count: 1 } }]]); // the next partial after it
    expect(records.find((r) => r.minute === T + 3 * M)!.defi).toBeUndefined(); // c taken back before its minute closed
    expect([net('aave-v3'), net('morpho-blue')]).toEqual([2, 252]); // the 1-dollar ticks of minutes 2 and 6, and b
    expect(records.every((r) => r.usd === 0 && Object.keys(r.byVenue).length === 0)).toBe(true); // no perps figure has DeFi in it
  });
});
