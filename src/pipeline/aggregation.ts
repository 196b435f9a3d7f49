import { Aggregator, type AggregatorOptions } from '../aggregate/aggregator.js';
import { MINUTE } from '../aggregate/minute-series.js';
import { PartitionWatermark } from '../aggregate/partition-watermark.js';
import type { Bus, Subscription } from '../bus/bus.js';
import type { TopicNames } from '../bus/topics.js';
import type { CascadeParams } from '../cascade/detector.js';
import { CascadeTracker } from '../cascade/tracker.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { NormalizedEvent } from '../schema/events.js';
import { AssignmentProgress } from './assignment-progress.js';
import { consumeEvents, type AppliedBatch } from './consume.js';

export interface Aggregation {
  aggregator: Aggregator;
  tracker: CascadeTracker;
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

/**
 * The consuming half of the pipeline, shared by `run`, `aggregate` and `replay`: bus → aggregator →
 * cascade tracker, with closed-minute aggregates and cascade records published back to the bus
 * before the batch's offsets are committed.
 *
 * Minutes close on the per-partition watermark of the liquidations topic (PartitionWatermark), and
 * not at all while a partition is still re-reading what an earlier member applied: once every
 * partition is past its committed offset, the minutes the earlier member must have published (those
 * closed by the event time it had reached on every partition) step the detector without being
 * published again, and the rest are published as usual.
 */
export async function startAggregation(o: {
  bus: Bus;
  topics: TopicNames;
  groupId: string;
  metrics: Metrics;
  log: Logger;
  fromBeginning?: boolean;
  aggregator?: Partial<AggregatorOptions> & Partial<AggregationTiming>;
  cascade?: Partial<CascadeParams>;
  onEvent?: (event: NormalizedEvent) => void;
  onConsumed?: (count: number) => void;
  /** Wall clock for partition idleness (tests pass their own). */
  wallClock?: () => number;
}): Promise<Aggregation> {
  const latenessMs = o.aggregator?.latenessMs ?? 5_000;
  const wallClock = o.wallClock ?? Date.now;
  const tracker = new CascadeTracker(o.metrics, o.log, o.cascade);
  const aggregator: Aggregator = new Aggregator(o.metrics, { ...o.aggregator, latenessMs, onMinuteClosed: tracker.onMinuteClosed });
  const watermark = new PartitionWatermark(o.aggregator?.idleMs ?? 10_000);
  const progress = new AssignmentProgress();
  let rebuilt = true;

  const afterBatch = async (batch: AppliedBatch): Promise<void> => {
    const key = AssignmentProgress.key(batch.topic, batch.partition);
    progress.advanced(key, batch.nextOffset, batch.replayed ? batch.newestEventTime : -Infinity);
    if (batch.topic === o.topics.liquidations) watermark.delivered(key, batch.newestEventTime, !progress.backlog(key), wallClock());
    if (progress.rebuilding()) return;
    if (!rebuilt) {
      rebuilt = true;
      const reached = progress.replayedWatermark(o.topics.liquidations);
      if (reached !== undefined) {
        const through = Math.floor((reached - latenessMs) / MINUTE) * MINUTE - MINUTE;
        tracker.publishedThrough = Math.max(tracker.publishedThrough, through);
      }
    }
    aggregator.closeThrough(watermark.current(wallClock()));
    const [aggregates, cascades] = tracker.drain();
    if (aggregates.length) await o.bus.publish(o.topics.aggregates, aggregates);
    if (cascades.length) await o.bus.publish(o.topics.cascades, cascades);
  };

  const subscription = await consumeEvents(
    o.bus,
    o.topics,
    o.groupId,
    {
      metrics: o.metrics,
      log: o.log,
      fromBeginning: o.fromBeginning,
      onConsumed: o.onConsumed,
      rewindMs: o.aggregator?.rewindMs,
      sessionTimeoutMs: o.aggregator?.sessionTimeoutMs,
      heartbeatIntervalMs: o.aggregator?.heartbeatIntervalMs,
      onAssigned: (partitions) => {
        progress.assign(partitions);
        rebuilt = !progress.rebuilding();
        const liquidations = partitions.filter((p) => p.topic === o.topics.liquidations);
        watermark.assign(
          liquidations.map((p) => ({ key: AssignmentProgress.key(p.topic, p.partition), backlog: p.start < p.end })),
          wallClock(),
        );
        o.log.info({ partitions: partitions.map((p) => `${p.topic}:${p.partition} ${p.start}/${p.live}/${p.end}`) }, 'partitions assigned (start/live/end)');
      },
      afterBatch,
    },
    (event, replayed) => {
      o.onEvent?.(event);
      aggregator.apply(event, replayed);
    },
  );
  return { aggregator, tracker, subscription, status: () => (progress.warming() ? 'warming' : 'ok') };
}
