import { describe, expect, it } from 'vitest';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { MAX_EXACT_UNITS, USD_SCALE } from '../../src/aggregate/fixed-point.js';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { allTopics, defaultTopics } from '../../src/bus/topics.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startAggregation } from '../../src/pipeline/aggregation.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { BusRefusal } from '../../src/pipeline/refusals.js';
import { defaultValueLimits, ValueLimits } from '../../src/pipeline/value-limits.js';
import type { DeadLetter, NormalizedEvent, OpenInterestEvent } from '../../src/schema/events.js';
import { liquidation, openInterest as oiOf } from '../support/events.js';

const openInterest = (usd: number) => oiOf('BTCUSDT', T, usd);
import { ScriptedBus } from '../support/scripted-bus.js';

const topics = defaultTopics();
const T = 1_760_000_000_000;
const log = silentLogger();

/** An ingestor whose parser hands out `events` for every frame, on an embedded bus that collects what is published. */
async function ingest(events: NormalizedEvent[], limits?: ValueLimits) {
  const bus = new MemoryBus();
  await bus.start();
  const published = new Map<string, unknown[]>();
  await bus.subscribe({ topics: allTopics(topics), groupId: 'reader' }, async ({ topic, messages }) => {
    published.set(topic, [...(published.get(topic) ?? []), ...messages.map((m) => m.value)]);
  });
  const metrics = createMetrics();
  const ingestor = new Ingestor({ bus, topics, metrics, log, parserFor: () => () => ({ ok: true, events }), publishRaw: false, batchSize: 100, lingerMs: 5, maxBuffered: 1_000, limits });
  return { ingestor, published, metrics };
}

describe('value bounds (config limits)', () => {
  it('defaults are stated once, in the schema: $10B per liquidation, $100B of open interest per market; the config can lower them, not lift them past $100B', () => {
    expect(defaultValueLimits()).toEqual({ maxNotionalUsd: 10_000_000_000, maxOpenInterestUsd: 100_000_000_000 });
    expect(loadConfig({ env: {} }).limits).toEqual(defaultValueLimits());
    expect(loadConfig({ env: { LIQSTREAM_LIMITS__MAX_NOTIONAL_USD: '5000000' } }).limits.maxNotionalUsd).toBe(5_000_000);
    expect(() => loadConfig({ env: { LIQSTREAM_LIMITS__MAX_NOTIONAL_USD: '1e12' } })).toThrow('config error: limits.maxNotionalUsd: Too big: expected number to be <=100000000000');
  });

  it('the ingestor dead-letters each event over a bound, naming it, and publishes the frame\'s other events', async () => {
    const events = [liquidation('a', T, 1_000.0001), liquidation('b', T, 1e40), liquidation('c', T, 10_000_000_000), openInterest(2e11), openInterest(5e9)];
    const { ingestor, published, metrics } = await ingest(events);
    ingestor.handleFrame({ recv: T, venue: 'bybit-linear', frame: '{"the":"frame"}' });
    await ingestor.flush();
    expect((published.get(topics.liquidations) as NormalizedEvent[]).map((e) => (e as { id: string }).id)).toEqual(['a', 'c']);
    expect((published.get(topics.openInterest) as OpenInterestEvent[]).map((e) => e.oiUsd)).toEqual([5e9]);
    expect((published.get(topics.deadLetter) as DeadLetter[]).map((d) => [d.reason, d.frame])).toEqual([
      ['liquidation of $1e+40 (bybit-linear BTCUSDT) exceeds limits.maxNotionalUsd ($10000000000)', '{"the":"frame"}'],
      ['open interest of $200000000000 (bybit-linear BTCUSDT) exceeds limits.maxOpenInterestUsd ($100000000000)', '{"the":"frame"}'],
    ]);
    expect((await metrics.deadLettersTotal.get()).values[0]?.value).toBe(2);
    expect((await metrics.badFramesTotal.get()).values).toEqual([]);
  });

  it('a funding rate past 100% per interval (no venue’s cap comes near) is dead-lettered; the frame’s sane one goes on', async () => {
    const funding = (rate: number): NormalizedEvent => ({ type: 'funding', venue: 'bybit-linear', symbol: 'BTCUSDT', base: 'BTC', rate, intervalHours: 8, ratePerHour: rate / 8, eventTime: T, receiveTime: T, source: 'test' });
    const { ingestor, published } = await ingest([funding(1e300), funding(-0.04), funding(-1.5)]);
    ingestor.handleFrame({ recv: T, venue: 'bybit-linear', frame: '{"the":"frame"}' });
    await ingestor.flush();
    expect((published.get(topics.openInterest) as { rate: number }[]).map((e) => e.rate)).toEqual([-0.04]);
    expect((published.get(topics.deadLetter) as DeadLetter[]).map((d) => d.reason)).toEqual([
      'funding rate 1e+300 (bybit-linear BTCUSDT) exceeds 1 (100%) per interval',
      'funding rate -1.5 (bybit-linear BTCUSDT) exceeds 1 (100%) per interval',
    ]);
  });

  it('applies configured bounds, and to events made outside frames (polled open interest)', async () => {
    const { ingestor, published } = await ingest([liquidation('a', T, 600)], { maxNotionalUsd: 500, maxOpenInterestUsd: 1_000 });
    ingestor.handleFrame({ recv: T, venue: 'bybit-linear', frame: '{}' });
    ingestor.handleEvent(openInterest(1_001));
    ingestor.handleEvent(openInterest(1_000));
    await ingestor.flush();
    expect(published.get(topics.liquidations)).toBeUndefined();
    expect((published.get(topics.openInterest) as OpenInterestEvent[]).map((e) => e.oiUsd)).toEqual([1_000]);
    const letters = published.get(topics.deadLetter) as DeadLetter[];
    expect(letters.map((d) => d.reason)).toEqual([
      'liquidation of $600 (bybit-linear BTCUSDT) exceeds limits.maxNotionalUsd ($500)',
      'open interest of $1001 (bybit-linear BTCUSDT) exceeds limits.maxOpenInterestUsd ($1000)',
    ]);
    expect(JSON.parse(letters[1]!.frame)).toEqual(openInterest(1_001));
  });

  it('the consumer refuses a bus message over a bound (another producer), dead-lettered with the bound named', async () => {
    const bus = new ScriptedBus();
    const { aggregator } = await startAggregation({ bus, topics, groupId: 'g', metrics: createMetrics(), log, limits: { maxNotionalUsd: 1_000_000, maxOpenInterestUsd: 1e9 } });
    bus.assign([{ topic: topics.liquidations, partition: 0, start: 0, live: 0, end: 0, partitions: 1 }]);
    await bus.deliver(topics.liquidations, 0, [liquidation('a', T, 1_000.0001), liquidation('b', T, 1_000_000.0001), liquidation('c', T, 1_000_000)]);
    expect(aggregator.totalsSnapshot()).toMatchObject({ usd: 1_001_000.0001, count: 2 });
    const refused = bus.published.get(topics.deadLetter)!.map((m) => BusRefusal.parse(m.value));
    expect(refused.map((r) => r.reason)).toEqual(['liquidation of $1000000.0001 (bybit-linear BTCUSDT) exceeds limits.maxNotionalUsd ($1000000)']);
  });
});

describe('the exact range of sums', () => {
  it('sums stay exact integers of 1/10,000 USD up to 2^53 - 1 units; a liquidation that would pass it is refused and counted, never rounded in', async () => {
    const metrics = createMetrics();
    const aggregator = new Aggregator({ clock: 'watermark' });
    registerAggregatorMetrics(metrics.registry, aggregator);
    // 90 liquidations of $10B (the default bound) and one of $719,925,474.0991 reach 2^53 - 1 units exactly.
    for (let i = 0; i < 90; i++) expect(aggregator.apply(liquidation(`big${i}`, T + i, 10_000_000_000))).toBe(true);
    const rest = (MAX_EXACT_UNITS - 90 * 10_000_000_000 * USD_SCALE) / USD_SCALE;
    expect(rest).toBe(719_925_474.0991);
    expect(aggregator.apply(liquidation('rest', T + 90, rest))).toBe(true);
    expect(aggregator.totalsSnapshot().usd).toBe(900_719_925_474.0991);
    // One more ten-thousandth of a dollar would round: refused, and the total is still exact.
    expect(aggregator.apply(liquidation('over', T + 91, 0.0001))).toBe(false);
    expect(aggregator.apply(liquidation('nan', T + 92, Number.NaN))).toBe(false);
    expect(aggregator.totalsSnapshot()).toMatchObject({ usd: 900_719_925_474.0991, count: 91 });
    expect(aggregator.windowTotalUsd('24h')).toBe(900_719_925_474.0991);
    const counter = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'liqstream_out_of_range_liquidations_total')!;
    expect(counter.values).toEqual([{ labels: { venue: 'bybit-linear' }, value: 2 }]);
  });

  it('replay shares (--workers) that together pass the range fail the replay instead of being merged', () => {
    const share = () => {
      const a = new Aggregator({ clock: 'watermark' });
      for (let i = 0; i < 50; i++) a.apply(liquidation(`big${i}`, T + i, 10_000_000_000));
      return a.replayState();
    };
    const merged = new Aggregator({ clock: 'watermark' });
    merged.mergeReplayState(share());
    expect(() => merged.mergeReplayState(share())).toThrow("the replay's shares together pass the exact range of a sum ($900719925474.0991): its totals could not be exact");
    expect(merged.totalsSnapshot().usd).toBe(500_000_000_000);
  });

  it('USD counters are sums of units: 0.1 + 0.2 is 0.3, in liqstream_liquidations_usd_total, ADL and vault alike', async () => {
    const metrics = createMetrics();
    const aggregator = new Aggregator({ clock: 'watermark' });
    registerAggregatorMetrics(metrics.registry, aggregator);
    for (const kind of ['liquidation', 'adl', 'vault'] as const) {
      aggregator.apply(liquidation(`${kind}1`, T, 0.1, { kind }));
      aggregator.apply(liquidation(`${kind}2`, T, 0.2, { kind }));
    }
    const json = await metrics.registry.getMetricsAsJSON();
    const value = (name: string) => json.find((m) => m.name === name)!.values.find((v) => v.labels.side === 'long')?.value;
    expect([value('liqstream_liquidations_usd_total'), value('liqstream_adl_usd_total'), value('liqstream_vault_usd_total')]).toEqual([0.3, 0.3, 0.3]);
    expect(aggregator.windowTotalUsd('1m')).toBe(0.3);
  });
});
