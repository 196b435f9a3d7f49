import { describe, expect, it } from 'vitest';
import { idHash, idHashB } from '../../src/aggregate/id-hash.js';
import type { BusMessage } from '../../src/bus/bus.js';
import { idHashesOf, markIdHashes } from '../../src/pipeline/checked-batches.js';
import { eventMessage } from '../../src/pipeline/messages.js';
import { binanceFrames } from '../support/fixtures.js';
import { liquidation } from '../support/events.js';
import { testPipeline } from '../support/pipeline.js';

/**
 * Each liquidation's id hashed once per process on the embedded bus (docs/benchmarks.md, issue 22 §5): the ingestor's
 * RecentIds hashes it, and the hash travels beside the batch to the aggregator's SeenIds.
 */
describe('an id hashed once on the embedded bus', () => {
  it('the ingestor hands each liquidation id hash beside its batch, the one the filter computes; 0, 0 for other messages', async () => {
    const p = await testPipeline();
    const seen: { messages: BusMessage[]; hashes: Int32Array | undefined }[] = [];
    await p.bus.subscribe({ topics: [p.topics.liquidations, p.topics.openInterest], groupId: 'hashes' }, async ({ messages }) => void seen.push({ messages, hashes: idHashesOf(messages) }));
    const { usdm } = binanceFrames();
    for (const [i, frame] of usdm.entries()) await p.ingestor.handleFrame({ venue: 'binance-usdm', recv: 1_760_130_900_000 + i, frame });
    await p.ingestor.handleEvent({ type: 'open_interest', venue: 'binance-usdm', symbol: 'BTCUSDT', base: 'BTC', oiBase: 1, oiUsd: 100_000, markPrice: 100_000, eventTime: 1_760_130_900_000, receiveTime: 1_760_130_900_000, source: 'test' });
    await p.ingestor.flush();
    let liquidations = 0;
    for (const { messages, hashes } of seen) {
      expect(hashes).toBeDefined();
      messages.forEach((m, i) => {
        const e = m.value as { type: string; id?: string };
        if (e.type === 'liquidation') {
          liquidations += 1;
          expect([hashes![2 * i], hashes![2 * i + 1]]).toEqual([idHash(e.id!), idHashB]);
        } else expect([hashes![2 * i], hashes![2 * i + 1]]).toEqual([0, 0]);
      });
    }
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
});
