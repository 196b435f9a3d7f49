import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { idHash, idHashB } from '../../src/aggregate/id-hash.js';
import type { BusMessage } from '../../src/bus/bus.js';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { allTopics, defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { venueModule } from '../../src/venues/registry.js';
import { idHashesOf, markIdHashes } from '../../src/pipeline/checked-batches.js';
import { eventMessage } from '../../src/pipeline/messages.js';
import { defiLiquidation, retraction } from '../support/defi-events.js';
import { binanceFrames } from '../support/fixtures.js';
import { liquidation } from '../support/events.js';
import { testPipeline } from '../support/pipeline.js';

/**
 * Each liquidation's id hashed once per process on the embedded bus (docs/benchmarks.md, issue 22 §5): the ingestor's
 * RecentIds hashes it, and the hash travels beside the batch to the aggregator's SeenIds.
 */
describe('an id hashed once on the embedded bus', () => {
  it('the ingestor hands each liquidation id hash beside its batch, the one the filter computes; 0, 0 (or nothing, for a batch without one) for other messages', async () => {
    const p = await testPipeline();
    const seen: { messages: BusMessage[]; hashes: Int32Array | undefined }[] = [];
    await p.bus.subscribe({ topics: [p.topics.liquidations, p.topics.openInterest], groupId: 'hashes' }, async ({ messages }) => void seen.push({ messages, hashes: idHashesOf(messages) }));
    const { usdm } = binanceFrames();
    for (const [i, frame] of usdm.entries()) await p.ingestor.handleFrame({ venue: 'binance-usdm', recv: 1_760_130_900_000 + i, frame });
    await p.ingestor.handleEvent({ type: 'open_interest', venue: 'binance-usdm', symbol: 'BTCUSDT', base: 'BTC', oiBase: 1, oiUsd: 100_000, markPrice: 100_000, eventTime: 1_760_130_900_000, receiveTime: 1_760_130_900_000, source: 'test' });
    await p.ingestor.flush();
    let liquidations = 0;
    // A batch with no liquidation (the open interest's) has no hashes beside it: the filter never sees its messages.
    for (const { messages, hashes } of seen)
      messages.forEach((m, i) => {
        const e = m.value as { type: string; id?: string };
        const pair = hashes === undefined ? [0, 0] : [hashes[2 * i], hashes[2 * i + 1]];
        if (e.type === 'liquidation') {
          liquidations += 1;
          expect(pair).toEqual([idHash(e.id!), idHashB]);
        } else expect(pair).toEqual([0, 0]);
      });
    expect(liquidations).toBe(usdm.length);
    expect(p.applied.filter((e) => e.type === 'liquidation')).toHaveLength(usdm.length);
    await p.close();
  });

  it("the aggregator's filter takes the hash handed over: two ids given one hash are one liquidation; a hand-over of another length is not read", async () => {
    const p = await testPipeline();
    const t = 1_760_130_900_000;
    const [a, b, c, d] = [1, 2, 3, 4].map((n) => liquidation(`bybit-linear:ETHUSDT:${n}`, t + n, 100));
    const one = [eventMessage(a!), eventMessage(b!)];
    markIdHashes(one, Int32Array.of(7, 9, 7, 9));
    await p.bus.publish(p.topics.liquidations, one);
    expect(await p.metricValue('liqstream_duplicate_liquidations_total', { venue: 'bybit-linear' })).toBe(1);
    const other = [eventMessage(c!), eventMessage(d!)];
    markIdHashes(other, Int32Array.of(5, 5, 5, 5, 5, 5));
    await p.bus.publish(p.topics.liquidations, other);
    expect(await p.metricValue('liqstream_duplicate_liquidations_total', { venue: 'bybit-linear' })).toBe(1);
    await p.close();
  });

  it('property: any mix of frames, bad frames, open interest, gaps, retractions and flushes from two ingestors: each hash handed over is its own message\'s, and the filter answers as when it hashes', async () => {
    const { usdm } = binanceFrames();
    const frame = (n: number) => usdm[0]!.replace(/"T":\d+/, `"T":${1_698_871_323_061 + n}`);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('frame' as const), ing: fc.integer({ min: 0, max: 1 }), n: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constantFrom('bad' as const, 'oi' as const, 'gap' as const, 'retraction' as const, 'flush' as const), ing: fc.integer({ min: 0, max: 1 }), n: fc.constant(0) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.array(op, { maxLength: 60 }), async (batchSize, ops) => {
        const bus = new MemoryBus();
        const topics = defaultTopics();
        await bus.start();
        const handed = new Aggregator();
        const hashing = new Aggregator();
        let liquidations = 0;
        await bus.subscribe({ topics: allTopics(topics), groupId: 'check' }, async ({ messages }) => {
          const hashes = idHashesOf(messages);
          messages.forEach((m, i) => {
            const e = m.value as NormalizedEvent;
            const pair = hashes === undefined ? [0, 0] : [hashes[2 * i], hashes[2 * i + 1]];
            if (typeof e !== 'object' || e === null || !('type' in e) || !('id' in e) || e.type !== 'liquidation') return void expect(pair).toEqual([0, 0]);
            liquidations += 1;
            expect(pair).toEqual([idHash(e.id), idHashB]);
            expect(handed.apply(e, false, pair[0], pair[1])).toBe(hashing.apply(e));
          });
        });
        const ingestors = [0, 1].map(
          () =>
            new Ingestor({ bus, topics, metrics: createMetrics(), log: silentLogger(), parserFor: (v) => venueModule(v).parser({}, { log: silentLogger() }), publishRaw: true, batchSize, lingerMs: 5, maxBuffered: 10_000 }),
        );
        for (const [i, o] of ops.entries()) {
          const ing = ingestors[o.ing]!;
          const recv = 1_760_130_900_000 + i;
          if (o.kind === 'frame') await ing.handleFrame({ venue: 'binance-usdm', recv, frame: frame(o.n) });
          else if (o.kind === 'bad') await ing.handleFrame({ venue: 'binance-usdm', recv, frame: '{"e":"forceOrder"' });
          else if (o.kind === 'oi')
            await ing.handleEvent({ type: 'open_interest', venue: 'binance-usdm', symbol: 'BTCUSDT', base: 'BTC', oiBase: 1, oiUsd: 9_910, markPrice: 9_910, eventTime: recv, receiveTime: recv, source: 'test' });
          else if (o.kind === 'gap') await ing.gap('binance-usdm', recv - 10, recv, 'test');
          // On the liquidations topic, between liquidations: the hashes of a batch must skip it.
          else if (o.kind === 'retraction') await ing.handleEvent(retraction(defiLiquidation(i, recv, 100)));
          else await ing.flush();
        }
        for (const ing of ingestors) await ing.close();
        expect(handed.replayState()).toEqual(hashing.replayState());
        expect(liquidations).toBe(ops.filter((o, i) => o.kind === 'frame' && ops.findIndex((p) => p.kind === 'frame' && p.ing === o.ing && p.n === o.n) === i).length);
        await bus.close();
      }),
      { numRuns: 60 },
    );
  });
});
