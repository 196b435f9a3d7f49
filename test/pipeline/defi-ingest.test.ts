import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { allTopics, defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import type { DeadLetter, LiquidationEvent, NormalizedEvent } from '../../src/schema/events.js';
import { defiLiquidation, retraction } from '../support/defi-events.js';

const topics = defaultTopics();
const T = Date.UTC(2025, 9, 10, 21, 0);

/** Publishes each event as a parser's output and collects what the bus got, per topic, with keys. */
async function ingested(events: NormalizedEvent[]) {
  const bus = new MemoryBus();
  await bus.start();
  const published = new Map<string, { key: string; value: unknown }[]>();
  await bus.subscribe({ topics: allTopics(topics), groupId: 'reader' }, async ({ topic, messages }) => {
    published.set(topic, [...(published.get(topic) ?? []), ...messages.map((m) => ({ key: m.key!, value: m.value }))]);
  });
  const ingestor = new Ingestor({ bus, topics, metrics: createMetrics(), log: silentLogger(), parserFor: () => (frame) => ({ ok: true, events: JSON.parse(frame) as NormalizedEvent[] }), publishRaw: false, batchSize: 100, lingerMs: 5, maxBuffered: 1_000, limits: { maxNotionalUsd: 1_000_000, maxOpenInterestUsd: 1e9 } });
  for (const e of events) ingestor.handleFrame({ recv: T, venue: e.venue, frame: JSON.stringify([e]) });
  await ingestor.flush();
  return published;
}

describe('ingest of on-chain liquidations and retractions', () => {
  it('a retraction goes to the liquidations topic under its event key (its partition, after it)', async () => {
    const e = defiLiquidation(1, T, 500);
    const published = await ingested([e, retraction(e)]);
    expect(published.get(topics.liquidations)!.map((m) => [m.key, (m.value as { type: string }).type])).toEqual([
      ['aave-v3:WBTC/USDC', 'liquidation'],
      ['aave-v3:WBTC/USDC', 'retraction'],
    ]);
    expect(published.get(topics.gaps)).toBeUndefined();
  });

  it('debt repaid, collateral seized and a retraction’s event are bounded like the notional: over it, dead-lettered', async () => {
    const e = defiLiquidation(1, T, 500);
    const debt: LiquidationEvent = { ...e, id: 'x', onchain: { ...e.onchain!, debtUsd: 1e30 } };
    const huge: LiquidationEvent = { ...e, id: 'y', notionalUsd: 1e12 };
    const published = await ingested([debt, retraction(huge), e]);
    expect(published.get(topics.liquidations)!.map((m) => (m.value as { id: string }).id)).toEqual([e.id]);
    expect((published.get(topics.deadLetter)!.map((m) => (m.value as DeadLetter).reason))).toEqual([
      'on-chain liquidation with debt $1e+30, collateral $500 (aave-v3 ethereum) exceeds limits.maxNotionalUsd ($1000000)',
      'liquidation of $1000000000000 (aave-v3 WBTC/USDC) exceeds limits.maxNotionalUsd ($1000000)',
    ]);
  });
});
