import { Aggregator, defaultAggregatorOptions, type AggregatorOptions } from '../aggregate/aggregator.js';
import { AGGREGATOR_DEFAULTS } from '../aggregate/settings.js';
import { toUnits } from '../aggregate/fixed-point.js';
import type { MinutePartial } from '../aggregate/minute-partials.js';
import { MINUTE, MinuteSeries, type MinuteBucket } from '../aggregate/minute-series.js';
import { PartitionWatermark } from '../aggregate/partition-watermark.js';
import type { AssignedPartition, Bus, BusMessage, Subscription } from '../bus/bus.js';
import type { TopicNames } from '../bus/topics.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { countedAsLiquidation, type LiquidationEvent, type NormalizedEvent } from '../schema/events.js';
import { marketOf } from '../venues/market.js';
import { AssignmentProgress } from './assignment-progress.js';
import { consumeEvents, type AppliedBatch } from './consume.js';
import { messageHeaders } from './messages.js';
import { registerAggregatorMetrics } from '../sinks/prometheus/aggregator-metrics.js';
import type { ValueLimits } from './value-limits.js';

export interface Aggregation {
  aggregator: Aggregator;
  subscription: Subscription;
  /** `warming` until every assigned partition has been read up to the log end seen at assignment. */
  status(): 'warming' | 'ok';
}

export interface AggregationTiming {
  /** A minute closes once every partition's event time is this far past its end. */
  latenessMs: number;
  /** A partition that delivered nothing for this long (wall time) stops holding the watermark back. */
  idleMs: number;
  /** Kafka: on assignment, re-read this far back (record time) to rebuild windows and the detector. */
  rewindMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

/** All partials share one key, so they stay in order on one partition and one detector reads them all. */
const PARTIAL_KEY = 'all';

/**
 * The consuming half of the pipeline, shared by `run`, `aggregate` and `replay`: bus → aggregator,
 * and for every closed minute one partial per assigned partition (its share of the minute) handed to
 * `partials` before the batch's offsets are committed; the detection stage merges them (detection.ts).
 *
 * Minutes close on the per-partition watermark of the liquidations topic (PartitionWatermark), and
 * not at all while a partition is still re-reading what an earlier member applied, so no minute is
 * closed from half of its history. After a restart or rebalance the rebuilt minutes are reported
 * again: the detection stage keeps the first report of each (minute, partition) and ignores minutes
 * it has merged. Not reporting them was tried; guessing which ones the earlier member had reported
 * can skip one it had not (a crash while a partition was still catching up), and the merge would
 * then complete that minute without the partition.
 */
export async function startAggregation(o: {
  bus: Bus;
  topics: TopicNames;
  groupId: string;
  metrics: Metrics;
  log: Logger;
  fromBeginning?: boolean;
  /** Bounds on one event's values; a bus message over them is refused (consumeEvents). */
  limits?: ValueLimits;
  aggregator?: Partial<AggregatorOptions> & Partial<AggregationTiming>;
  /** Where the minute partials go (the partials topic, or the detection stage in process); none in a replay. */
  partials?: (messages: BusMessage[]) => Promise<void>;
  onEvent?: (event: NormalizedEvent) => void;
  onConsumed?: (count: number) => void;
  /**
   * Called with the aggregator before anything is consumed: where the events' sinks are attached. A Kafka
   * consumer applies batches while subscribing (its join and assignment settle after the first fetch), so a sink
   * attached once this function returns misses those.
   */
  beforeConsuming?: (aggregator: Aggregator) => void;
  /** After each applied batch: a wait for the sinks that are behind (Sink.backpressure), if any. */
  backpressure?: () => Promise<void> | undefined;
  /** Venues whose per-venue counters start at 0 (see registerAggregatorMetrics). */
  venues?: readonly string[];
  /** Wall clock for partition idleness (tests pass their own). */
  wallClock?: () => number;
}): Promise<Aggregation> {
  const latenessMs = o.aggregator?.latenessMs ?? AGGREGATOR_DEFAULTS.latenessMs;
  const wallClock = o.wallClock ?? Date.now;
  let watermark = new PartitionWatermark(o.aggregator?.idleMs ?? AGGREGATOR_DEFAULTS.idleMs);
  const progress = new AssignmentProgress();
  let assigned: AssignedPartition[] = [];
  /** Each liquidation partition's own minutes, and the partition each symbol's open interest comes from. */
  const partitionMinutes = new Map<string, MinuteSeries>();
  const oiPartitionOf = new Map<string, string>();
  /** Each liquidation partition's lending (DeFi) minutes, apart from the perps', and the partition each lending event came from. */
  const partitionDefi = new Map<string, MinuteSeries>();
  const defiPartitionOf = new Map<string, { key: string; eventTime: number }>();
  /**
   * Lending liquidations that arrived after their minute was closed: in no published minute (the rule for late
   * events), so their retractions take nothing from the topic's figures either. Bounded: the newest 10,000.
   */
  const lateDefi = new Set<string>();
  /** Per partition: liquidations of closed minutes its retractions took back since its last partial. */
  const defiRetracted = new Map<string, MinuteBucket['byVenue']>();
  /** The partition of the message being applied (a retraction's, for defiRetracted). */
  let reading = '';
  let readingTopic: string | undefined;
  let readingPartition: number | undefined;
  let readingReplayed = false;
  const seriesOf = (map: Map<string, MinuteSeries>, key: string): MinuteSeries => {
    let series = map.get(key);
    if (!series) map.set(key, (series = new MinuteSeries(o.aggregator?.retainMinutes ?? defaultAggregatorOptions().retainMinutes)));
    return series;
  };
  let pending: BusMessage[] = [];

  const onMinuteClosed = (bucket: { minute: number }): void => {
    // A closed minute's partial is published: a later retraction cannot change it, so its events are forgotten here.
    for (const [id, where] of defiPartitionOf) if (where.eventTime < bucket.minute + MINUTE) defiPartitionOf.delete(id);
    if (!o.partials) return;
    const oiByPartition = new Map<string, number>();
    for (const [symbolKey, v] of aggregator.closedOpenInterest()) {
      const key = oiPartitionOf.get(symbolKey);
      if (key !== undefined) oiByPartition.set(key, (oiByPartition.get(key) ?? 0) + v.units);
    }
    for (const p of assigned) {
      if (p.topic !== o.topics.liquidations && p.topic !== o.topics.openInterest) continue;
      const key = AssignmentProgress.key(p.topic, p.partition);
      const own = partitionMinutes.get(key)?.get(bucket.minute);
      const defi = partitionDefi.get(key)?.get(bucket.minute);
      const value: MinutePartial = {
        type: 'minute-partial',
        minute: bucket.minute,
        topic: p.topic,
        partition: p.partition,
        partitions: p.partitions,
        units: own?.units ?? 0,
        count: own?.count ?? 0,
        byVenue: structuredClone(own?.byVenue ?? {}),
        oiUnits: p.topic === o.topics.openInterest ? (oiByPartition.get(key) ?? null) : null,
        ...(defi && defi.count > 0 ? { defi: structuredClone(defi.byVenue) } : {}),
        ...(defiRetracted.has(key) ? { defiRetracted: defiRetracted.get(key)! } : {}),
      };
      defiRetracted.delete(key);
      pending.push({ key: PARTIAL_KEY, value, headers: messageHeaders('minute-partial') });
    }
  };
  // A retraction takes its liquidation out of the partition's DeFi minute it went into (until that minute is closed).
  const onRetracted = (e: LiquidationEvent, units: number): void => {
    if (lateDefi.delete(e.id)) return;
    const where = defiPartitionOf.get(e.id);
    defiPartitionOf.delete(e.id);
    if (where) return void partitionDefi.get(where.key)?.remove(e.eventTime, e.venue, e.side, units);
    // A re-read retraction was reported by the member that first read it.
    if (readingReplayed) return;
    // Its minute was closed and published with it: the partition's next partial says what to subtract.
    let taken = defiRetracted.get(reading);
    if (!taken) defiRetracted.set(reading, (taken = {}));
    const v = (taken[e.venue] ??= { long: 0, short: 0, count: 0 });
    v[e.side] += units;
    v.count += 1;
  };
  const aggregator: Aggregator = new Aggregator({ ...o.aggregator, latenessMs, onMinuteClosed, onRetracted });
  registerAggregatorMetrics(o.metrics.registry, aggregator, o.venues);
  o.beforeConsuming?.(aggregator);

  const afterBatch = async (batch: AppliedBatch): Promise<void> => {
    const behind = o.backpressure?.();
    if (behind) await behind;
    const key = AssignmentProgress.key(batch.topic, batch.partition);
    progress.advanced(key, batch.nextOffset);
    if (batch.topic === o.topics.liquidations) {
      const caughtUp = !progress.backlog(key);
      watermark.delivered(key, batch.newestEventTime, caughtUp, wallClock());
      // Each venue in the partition is a source of its own: one that lags the others (a slower feed,
      // node fills seconds behind a WebSocket) holds the minutes until it has passed them, while it
      // keeps delivering, instead of having its share arrive late for minutes the faster venue closed.
      for (const [venue, t] of batch.newestByVenue) watermark.delivered(`${key}|${venue}`, t, caughtUp, wallClock());
    }
    if (progress.rebuilding()) return;
    aggregator.closeThrough(watermark.current(wallClock()));
    const out = pending;
    pending = [];
    if (out.length) await o.partials!(out);
  };

  const subscription = await consumeEvents(
    o.bus,
    o.topics,
    o.groupId,
    {
      metrics: o.metrics,
      log: o.log,
      fromBeginning: o.fromBeginning,
      limits: o.limits,
      onConsumed: o.onConsumed,
      rewindMs: o.aggregator?.rewindMs,
      sessionTimeoutMs: o.aggregator?.sessionTimeoutMs,
      heartbeatIntervalMs: o.aggregator?.heartbeatIntervalMs,
      onAssigned: (partitions) => {
        if (assigned.length > 0 && o.aggregator?.rewindMs !== undefined) {
          // Everything assigned is re-read from rewindMs back: rebuild from nothing (see resetState).
          aggregator.resetState();
          partitionMinutes.clear();
          oiPartitionOf.clear();
          partitionDefi.clear();
          defiPartitionOf.clear();
          defiRetracted.clear();
          lateDefi.clear();
          watermark = new PartitionWatermark(o.aggregator?.idleMs ?? AGGREGATOR_DEFAULTS.idleMs);
        }
        assigned = partitions;
        progress.assign(partitions);
        const liquidations = partitions.filter((p) => p.topic === o.topics.liquidations);
        watermark.assign(
          liquidations.map((p) => ({ key: AssignmentProgress.key(p.topic, p.partition), backlog: p.start < p.end })),
          wallClock(),
        );
        o.log.info({ partitions: partitions.map((p) => `${p.topic}:${p.partition} ${p.start}/${p.live}/${p.end}`) }, 'partitions assigned (start/live/end)');
      },
      afterBatch,
    },
    (event, replayed, topic, partition, idHashA, idHashB) => {
      // The partition's key once per run of its events (a batch), not a new string to hash per event.
      if (topic !== readingTopic || partition !== readingPartition) {
        reading = AssignmentProgress.key(topic, partition);
        readingTopic = topic;
        readingPartition = partition;
      }
      readingReplayed = replayed;
      if (!aggregator.apply(event, replayed, idHashA, idHashB)) return;
      // After the duplicate filter: views fed from here (the live page, a report's lists) see each event once.
      o.onEvent?.(event);
      if (!o.partials) return;
      const key = reading;
      // Lending (DeFi) liquidations are kept apart from the perps' minutes and so from the cascade detector.
      const liquidation = event.type === 'liquidation' && countedAsLiquidation(event);
      if (liquidation && marketOf(event) === 'perp') seriesOf(partitionMinutes, key).add(event.eventTime, event.venue, event.side, toUnits(event.notionalUsd), event.fidelity);
      else if (liquidation && event.eventTime < (aggregator.closedBefore ?? -Infinity)) {
        lateDefi.add(event.id);
        if (lateDefi.size > 10_000) lateDefi.delete(lateDefi.values().next().value!);
      } else if (liquidation) {
        seriesOf(partitionDefi, key).add(event.eventTime, event.venue, event.side, toUnits(event.notionalUsd), event.fidelity);
        defiPartitionOf.set(event.id, { key, eventTime: event.eventTime });
      } else if (event.type === 'open_interest') oiPartitionOf.set(`${event.venue}|${event.symbol}`, key);
    },
  );
  return { aggregator, subscription, status: () => (progress.warming() ? 'warming' : 'ok') };
}
