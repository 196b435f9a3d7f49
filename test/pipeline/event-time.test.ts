import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { defaultTopics } from '../../src/bus/topics.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startAggregation } from '../../src/pipeline/aggregation.js';
import { startDetection } from '../../src/pipeline/detection.js';
import type { LiquidationEvent } from '../../src/schema/events.js';
import { totalsView } from '../../src/web/totals-view.js';
import { liquidation } from '../support/events.js';
import { ScriptedBus } from '../support/scripted-bus.js';

const MIN = 60_000;
const topics = defaultTopics();
const L = topics.liquidations;

const liq = (id: string, eventTime: number, usd: number) => liquidation(id, eventTime, usd);

async function pipeline(opts: { idleMs?: number; latenessMs?: number; wall?: { now: number }; rewindMs?: number } = {}) {
  const bus = new ScriptedBus();
  const metrics = createMetrics();
  const wall = opts.wall ?? { now: 0 };
  const common = { bus, topics, groupId: 'g', metrics, log: silentLogger(), wallClock: () => wall.now };
  // The detector merges partials as soon as every partition has reported (idle partitions never, here).
  const detection = await startDetection({ ...common, cascade: { floorUsd: 50_000_000 }, idleMs: Infinity, direct: true });
  const aggregation = await startAggregation({
    ...common,
    // Live: the aggregator's clock is the test's wall clock (windows end at max(wall, newest event)).
    aggregator: { latenessMs: opts.latenessMs ?? 5_000, idleMs: opts.idleMs ?? 10_000, retainMinutes: Infinity, rewindMs: opts.rewindMs, clock: () => wall.now },
    partials: detection.accept,
  });
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    (await metrics.registry.getMetricsAsJSON())
      .find((m) => m.name === name)
      ?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
  const minutes = () => bus.values(topics.aggregates) as { minute: number; usd: number; count: number }[];
  return { bus, aggregation, metric, minutes, wall };
}

describe('minutes close on the per-partition event-time watermark', () => {
  it('property: any interleaving of per-partition batches closes the same minutes with the same contents', async () => {
    const partitionEvents = fc.array(fc.record({ t: fc.integer({ min: 0, max: 30 * MIN }), back: fc.integer({ min: 0, max: 4_000 }), usd: fc.integer({ min: 1, max: 1_000 }) }), {
      minLength: 1,
      maxLength: 40,
    });
    await fc.assert(
      fc.asyncProperty(fc.tuple(partitionEvents, partitionEvents, partitionEvents), fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), async (raw, picks) => {
        // Each partition is in event-time order up to 4 s of disorder (less than the 5 s lateness).
        const perPartition = raw.map((list, p) =>
          [...list].sort((a, b) => a.t - b.t).map(({ t, back, usd }, i) => liq(`${p}-${i}`, Math.max(0, t - back), usd)),
        );
        // Reference: every minute that ends 5 s before the slowest partition's newest event, from all events.
        const reached = Math.min(...perPartition.map((events) => Math.max(...events.map((e) => e.eventTime))));
        const closable = Math.floor((reached - 5_000) / MIN) * MIN - MIN;
        const all = perPartition.flat();
        const first = Math.floor(Math.min(...all.map((e) => e.eventTime)) / MIN) * MIN;
        const expected: { minute: number; usd: number; count: number }[] = [];
        for (let m = first; m <= closable; m += MIN) {
          const inMinute = all.filter((e) => e.eventTime >= m && e.eventTime < m + MIN);
          expected.push({ minute: m, usd: inMinute.reduce((s, e) => s + e.notionalUsd, 0), count: inMinute.length });
        }

        const { bus, minutes } = await pipeline();
        bus.assign(perPartition.map((events, partition) => ({ topic: L, partition, start: 0, live: 0, end: events.length, partitions: 3 })));
        // Batches of 1–7 events per partition, handed over in the order the picks choose.
        const batches = perPartition.map((events, p) => {
          const out: LiquidationEvent[][] = [];
          for (let i = 0, k = p; i < events.length; k++) {
            const size = 1 + ((picks[k % picks.length] ?? 0) % 7);
            out.push(events.slice(i, i + size));
            i += size;
          }
          return out;
        });
        let k = 0;
        while (batches.some((b) => b.length)) {
          const open = batches.map((b, p) => [b, p] as const).filter(([b]) => b.length);
          const [b, p] = open[(picks[k++ % picks.length] ?? 0) % open.length]!;
          await bus.deliver(L, p, b.shift()!);
        }
        expect(minutes().map(({ minute, usd, count }) => ({ minute, usd, count }))).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('a backlog on one partition holds the minutes back until that partition has caught up', async () => {
    const { bus, minutes } = await pipeline();
    bus.assign([0, 1].map((partition) => ({ topic: L, partition, start: 0, live: 0, end: 2, partitions: 2 })));
    await bus.deliver(L, 0, [liq('a', 10_000, 1), liq('b', 10 * MIN, 1)]);
    expect(minutes()).toEqual([]);
    await bus.deliver(L, 1, [liq('c', 20_000, 2), liq('d', 10 * MIN, 2)]);
    expect(minutes()[0]).toMatchObject({ minute: 0, usd: 3, count: 2 });
    expect(minutes().map((m) => m.minute)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((m) => m * MIN));
  });

  it('an idle partition (nothing for idleMs of wall time) stops holding the watermark; what it sends later for a closed minute is late', async () => {
    const wall = { now: 1_000 };
    const { bus, minutes, metric, aggregation } = await pipeline({ wall });
    bus.assign([0, 1].map((partition) => ({ topic: L, partition, start: 0, live: 0, end: 0, partitions: 2 })));
    await bus.deliver(L, 1, [liq('p1-a', 10_000, 5)]);
    await bus.deliver(L, 0, [liq('p0-a', 3 * MIN, 7)]);
    expect(minutes()).toEqual([]); // partition 1 (at 0:10) still holds minute 0 open
    wall.now += 9_999;
    await bus.deliver(L, 0, [liq('p0-b', 3 * MIN + 1_000, 7)]);
    expect(minutes()).toEqual([]);
    wall.now += 1;
    await bus.deliver(L, 0, [liq('p0-c', 3 * MIN + 2_000, 7)]);
    expect(minutes().map((m) => [m.minute, m.usd, m.count])).toEqual([
      [0, 5, 1],
      [MIN, 0, 0],
    ]);
    // Partition 1 wakes up with an event of the closed minute 0: counted as late, kept in totals, record unchanged.
    await bus.deliver(L, 1, [liq('p1-b', 20_000, 11)]);
    expect(await metric('liqstream_late_liquidations_total', { venue: 'bybit-linear' })).toBe(1);
    expect(aggregation.aggregator.totalsSnapshot().usd).toBe(5 + 7 * 3 + 11);
    expect(minutes().filter((m) => m.minute === 0)).toEqual([expect.objectContaining({ usd: 5, count: 1 })]);
  });

  it('drops a liquidation id already seen, on any partition, and counts the copy', async () => {
    const { bus, metric, aggregation } = await pipeline();
    bus.assign([0, 1].map((partition) => ({ topic: L, partition, start: 0, live: 0, end: 0, partitions: 2 })));
    await bus.deliver(L, 0, [liq('same', 10_000, 100), liq('other', 11_000, 1)]);
    await bus.deliver(L, 1, [liq('same', 10_000, 100)]);
    expect(aggregation.aggregator.totalsSnapshot()).toMatchObject({ usd: 101, count: 2 });
    expect(await metric('liqstream_liquidations_total', { venue: 'bybit-linear', side: 'long', fidelity: 'complete' })).toBe(2);
    expect(await metric('liqstream_duplicate_liquidations_total', { venue: 'bybit-linear' })).toBe(1);
    expect(aggregation.aggregator.windowUsd('bybit-linear', 'long', '24h')).toBe(101);
  });
});

describe('restart: re-read history rebuilds state without counting or publishing it again', () => {
  // 80 minutes, $1M each, except $100M in minute 65; the crashed member had applied minutes 0–60.
  const history = Array.from({ length: 80 }, (_, m) => liq(`m${m}`, m * MIN + 1_000, m === 65 ? 100_000_000 : 1_000_000));

  it('rebuilds windows and minutes from the re-read, closes nothing before it is done, and counts only first reads', async () => {
    const { bus, minutes, metric, aggregation } = await pipeline();
    bus.assign([{ topic: L, partition: 0, start: 0, live: 61, end: 80, partitions: 1 }]);
    expect(aggregation.status()).toBe('warming');
    await bus.deliver(L, 0, history.slice(0, 30), true);
    expect(minutes()).toEqual([]); // still below the committed offset: nothing closes from half a history
    await bus.deliver(L, 0, history.slice(30, 61), true);
    expect(minutes()).toHaveLength(59);
    await bus.deliver(L, 0, history.slice(61));
    expect(aggregation.status()).toBe('ok');
    // Rebuilt minutes are reported again (the detector keeps the first report of each; here it is fresh):
    // 79:01 closes up to 77, and the fresh detector has the whole history, so it finds the cascade.
    expect(minutes().map((m) => m.minute / MIN)).toEqual(Array.from({ length: 78 }, (_, i) => i));
    const cascades = bus.values(topics.cascades) as { phase: string; start: number }[];
    expect(cascades.filter((c) => c.phase === 'start')).toEqual([expect.objectContaining({ start: 65 * MIN })]);
    // Lifetime counters count only what this member applied first; windows hold everything.
    expect(await metric('liqstream_liquidations_total', { venue: 'bybit-linear', side: 'long', fidelity: 'complete' })).toBe(19);
    expect(aggregation.aggregator.windowUsd('bybit-linear', 'long', '24h')).toBe(79 * 1_000_000 + 100_000_000);
  });

  it('without the re-read the 24 h window holds only what came after the restart and the cascade is missed (what the rebuild fixes)', async () => {
    const { bus, aggregation } = await pipeline();
    bus.assign([{ topic: L, partition: 0, start: 61, live: 61, end: 80, partitions: 1 }]);
    await bus.deliver(L, 0, history.slice(61));
    expect(bus.values(topics.cascades)).toEqual([]);
    expect(aggregation.aggregator.windowUsd('bybit-linear', 'long', '24h')).toBe(18 * 1_000_000 + 100_000_000);
  });
});

describe('a partition that has delivered nothing yet', () => {
  it('holds the minutes for idleMs after assignment (its first batch may be next), then stops holding them', async () => {
    const wall = { now: 0 };
    const { bus, minutes } = await pipeline({ wall });
    bus.assign([0, 1].map((partition) => ({ topic: L, partition, start: 0, live: 0, end: 0, partitions: 2 })));
    await bus.deliver(L, 0, [liq('a', 10_000, 1), liq('b', 5 * MIN, 1)]);
    expect(minutes()).toEqual([]);
    await bus.deliver(L, 1, [liq('c', 20_000, 2), liq('d', 5 * MIN, 2)]);
    expect(minutes()[0]).toMatchObject({ minute: 0, usd: 3, count: 2 });
    // Partition 0 keeps delivering; partition 1 falls silent. (Were both silent for idleMs, each would get
    // idleMs again at the next delivery: see the burst test below.)
    wall.now += 5_000;
    await bus.deliver(L, 0, [liq('e0', 7 * MIN, 1)]);
    wall.now += 5_000;
    await bus.deliver(L, 0, [liq('e', 8 * MIN, 1)]);
    expect(minutes().map((m) => m.minute / MIN)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('every partition silent for longer than idleMs, then a burst on all of them', () => {
  it('the first partition’s batch closes nothing the next ones hold: each partition has idleMs again, as at assignment', async () => {
    // Found by the scale-out Kafka test on a loaded host: its reference aggregator was assigned > 10 s before the
    // test published 80 minutes at once, and the first partition's batch closed minutes 0–7 with its events alone.
    const wall = { now: 0 };
    const { bus, minutes, metric } = await pipeline({ wall });
    bus.assign([0, 1, 2].map((partition) => ({ topic: L, partition, start: 0, live: 0, end: 0, partitions: 3 })));
    wall.now += 60_000;
    const burst = (partition: number) => Array.from({ length: 9 }, (_, m) => liq(`p${partition}-${m}`, m * MIN + 20_000 + partition, partition + 1));
    await bus.deliver(L, 0, burst(0));
    await bus.deliver(L, 1, burst(1));
    expect(minutes()).toEqual([]); // partition 2 (nothing yet) may be next
    await bus.deliver(L, 2, burst(2));
    expect(minutes().map((m) => [m.minute / MIN, m.usd, m.count])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((m) => [m, 6, 3]));
    expect((await metric('liqstream_late_liquidations_total', { venue: 'bybit-linear' })) ?? 0).toBe(0);
    // The same after a silence that follows deliveries (a broker outage mid-stream).
    wall.now += 60_000;
    const later = (partition: number) => [liq(`q${partition}`, 9 * MIN + 20_000 + partition, 10 * (partition + 1)), liq(`r${partition}`, 11 * MIN, 1)];
    await bus.deliver(L, 2, later(2));
    await bus.deliver(L, 0, later(0));
    expect(minutes().map((m) => m.minute / MIN)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await bus.deliver(L, 1, later(1));
    expect(minutes().slice(8).map((m) => [m.minute / MIN, m.usd, m.count])).toEqual([
      [8, 6, 3],
      [9, 60, 3],
    ]);
    // A partition that stays silent while the others deliver stops holding them idleMs after the burst began.
    wall.now += 5_000;
    await bus.deliver(L, 0, [liq('s0', 12 * MIN, 1)]);
    await bus.deliver(L, 1, [liq('s1', 12 * MIN, 1)]);
    expect(minutes().at(-1)!.minute / MIN).toBe(9); // partition 2, at 11:00, holds minute 10
    wall.now += 5_000;
    await bus.deliver(L, 0, [liq('t0', 13 * MIN, 1)]);
    expect(minutes().at(-1)!.minute / MIN).toBe(10); // partition 1, at 12:00, holds minute 11
    expect((await metric('liqstream_late_liquidations_total', { venue: 'bybit-linear' })) ?? 0).toBe(0);
  });
});

describe('a rebalance', () => {
  it('rebuilds the state for the partitions now assigned only (a moved partition leaves this member’s windows), counters kept', async () => {
    const { bus, aggregation, metric } = await pipeline({ rewindMs: 93_600_000 });
    bus.assign([0, 1].map((partition) => ({ topic: L, partition, start: 0, live: 0, end: 0, partitions: 2 })));
    await bus.deliver(L, 0, [liq('a', 10_000, 3)]);
    await bus.deliver(L, 1, [liq('b', 20_000, 4)]);
    expect(aggregation.aggregator.windowUsd('bybit-linear', 'long', '24h')).toBe(7);
    // Partition 1 moved away; partition 0 is re-read from the start (its one event is below the committed offset).
    bus.assign([{ topic: L, partition: 0, start: 0, live: 1, end: 1, partitions: 2 }]);
    await bus.deliver(L, 0, [liq('a', 10_000, 3)], true);
    expect(aggregation.aggregator.windowUsd('bybit-linear', 'long', '24h')).toBe(3);
    expect(await metric('liqstream_liquidations_total', { venue: 'bybit-linear', side: 'long', fidelity: 'complete' })).toBe(2);
  });
});

describe('lower bounds', () => {
  it('travel from the events through the partials to the aggregates and cascade records, and the gauges', async () => {
    const { bus, minutes, metric } = await pipeline();
    bus.assign([0, 1].map((partition) => ({ topic: L, partition, start: 0, live: 0, end: 0, partitions: 2 })));
    const sampled = (id: string, eventTime: number, usd: number) => liquidation(id, eventTime, usd, { venue: 'binance-usdm', fidelity: 'sampled' });
    // Partition 0: a complete venue, $1 every minute; partition 1: a sampled one, only in minutes 0 and 16.
    await bus.deliver(L, 0, Array.from({ length: 17 }, (_, m) => liq(`c${m}`, m * MIN + 10_000, 1)));
    await bus.deliver(L, 1, [sampled('s0', 20_000, 2), sampled('s16', 16 * MIN + 20_000, 60_000_000)]);
    await bus.deliver(L, 0, [liq('end0', 20 * MIN, 1)]);
    await bus.deliver(L, 1, [sampled('end1', 20 * MIN, 1)]);
    // An inferred venue in the last minute: its total is an estimate, which the lower-bound flag alone cannot say.
    await bus.deliver(L, 2, [liquidation('inf20', 20 * MIN, 1, { venue: 'hyperliquid', fidelity: 'inferred' })]);
    const records = minutes() as unknown as Record<string, unknown>[];
    expect(records[0]).toEqual({
      type: 'minute',
      minute: 0,
      usd: 3,
      count: 2,
      lowerBound: true,
      byVenue: {
        'bybit-linear': { longUsd: 1, shortUsd: 0, count: 1, lowerBound: false },
        'binance-usdm': { longUsd: 2, shortUsd: 0, count: 1, lowerBound: true },
      },
      openInterestUsd: null,
    });
    expect(records[1]).toMatchObject({ minute: MIN, usd: 1, lowerBound: false, byVenue: { 'bybit-linear': { lowerBound: false } } });
    const start = (bus.values(topics.cascades) as { phase: string; start: number; lowerBound: boolean }[]).find((c) => c.phase === 'start');
    expect(start).toMatchObject({ start: 16 * MIN, lowerBound: true, byVenue: { 'binance-usdm': { lowerBound: true }, 'bybit-linear': { lowerBound: false } } });
    expect(await metric('liqstream_cascade_lower_bound')).toBe(1);
    expect(await metric('liqstream_lower_bound', { venue: 'binance-usdm' })).toBe(1);
    expect(await metric('liqstream_lower_bound', { venue: 'bybit-linear' })).toBe(0);
    expect(await metric('liqstream_estimate', { venue: 'hyperliquid' })).toBe(1);
    expect(await metric('liqstream_estimate', { venue: 'binance-usdm' })).toBe(0);
  });
});

describe('live windows and per-source lateness', () => {
  it('live windows end at the wall clock: a quiet minute reads 0 in the gauges and the API, not the last busy minute', async () => {
    const wall = { now: 10 * MIN };
    const { bus, aggregation, metric } = await pipeline({ wall });
    bus.assign([{ topic: L, partition: 0, start: 0, live: 0, end: 0, partitions: 1 }]);
    await bus.deliver(L, 0, [liq('a', 10 * MIN - 1_000, 40)]);
    const a = aggregation.aggregator;
    expect([a.windowUsd('bybit-linear', 'long', '1m'), await metric('liqstream_liquidations_window_total_usd', { window: '1m' })]).toEqual([40, 40]);
    wall.now += 61_000; // a minute with nothing from any feed
    expect(a.windowUsd('bybit-linear', 'long', '1m')).toBe(0);
    expect(a.windowUsd('bybit-linear', 'long', '5m')).toBe(40);
    expect(await metric('liqstream_liquidations_window_total_usd', { window: '1m' })).toBe(0);
    expect(await metric('liqstream_liquidations_window_usd', { venue: 'bybit-linear', side: 'long', window: '1m' })).toBe(0);
    const view = totalsView(a, wall.now);
    expect([view.windows['1m']!.usd, view.windows['5m']!.usd, view.windowsEnd, view.asOf]).toEqual([0, 40, wall.now, 10 * MIN - 1_000]);
    // An event ahead of the wall clock (a venue clock running fast) still counts in "last 1m".
    await bus.deliver(L, 0, [liq('b', wall.now + 3_000, 2)]);
    expect(a.windowUsd('bybit-linear', 'long', '1m')).toBe(2);
  });

  it('a replay (clock: watermark) keeps its windows where its events are, whatever the wall clock says', () => {
    const a = new Aggregator({ clock: 'watermark' });
    a.apply(liq('old', Date.UTC(2025, 9, 10, 21, 15), 5));
    expect([a.windowUsd('bybit-linear', 'long', '1m'), a.windowEnd()]).toEqual([5, Date.UTC(2025, 9, 10, 21, 15)]);
  });

  it('a venue lagging another in the same partition holds the minute until it has passed it: its share is in the record, not late', async () => {
    const { bus, minutes, metric } = await pipeline();
    bus.assign([{ topic: L, partition: 0, start: 0, live: 0, end: 0, partitions: 1 }]);
    const lagging = (id: string, t: number, usd: number) => liquidation(id, t, usd, { venue: 'hyperliquid', symbol: 'BTC' });
    // Bybit is live; Hyperliquid's events reach the bus 8 s behind it (more than the 5 s lateness).
    await bus.deliver(L, 0, [liq('a1', 10_000, 1), lagging('h1', 2_000, 10)]);
    await bus.deliver(L, 0, [liq('a2', 66_000, 1), lagging('h2', 58_000, 10)]);
    expect(minutes()).toEqual([]); // the old per-partition clock (66 s) closed minute 0 here
    await bus.deliver(L, 0, [liq('a3', 68_000, 1), lagging('h3', 59_500, 10)]);
    await bus.deliver(L, 0, [liq('a4', 74_000, 1), lagging('h4', 66_000, 10)]);
    expect(minutes().map((m) => [m.minute, m.usd, m.count])).toEqual([[0, 31, 4]]);
    expect(await metric('liqstream_late_liquidations_total', { venue: 'hyperliquid' })).toBeUndefined();
  });
});
