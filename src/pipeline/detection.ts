import { toUsd } from '../aggregate/fixed-point.js';
import { MinuteMerger, MinutePartial } from '../aggregate/minute-partials.js';
import { AGGREGATOR_DEFAULTS } from '../aggregate/settings.js';
import type { Bus, BusMessage, Subscription } from '../bus/bus.js';
import type { TopicNames } from '../bus/topics.js';
import type { CascadeParams } from '../cascade/detector.js';
import { CascadeTracker } from '../cascade/tracker.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { compileValidator } from '../schema/validator.js';
import { flushAll, type Sink } from '../sinks/sink.js';
import { registerCascadeMetrics } from '../sinks/prometheus/cascade-metrics.js';
import { topicsSink } from '../sinks/topics/topics-sink.js';
import { busRefusalMessage } from './refusals.js';

const minutePartial = compileValidator(MinutePartial);

export interface Detection {
  tracker: CascadeTracker;
  /** Embedded bus: the aggregator hands its partials straight here (a publish from inside a delivery would wait on itself). */
  accept(partials: BusMessage[]): Promise<void>;
  subscription: Subscription | undefined;
}

/**
 * The global stage: merges the aggregators' per-partition minute partials into whole minutes and
 * runs the cascade detector over them; publishes the aggregates and cascade records. On Kafka every
 * aggregator runs it in group `<groupId>-detect`, and all partials share one key, so exactly one
 * member (the one assigned that key's partition) is the active detector; the others are standbys
 * that take over on a rebalance, rebuilding the detector's history by re-reading the partials.
 */
export async function startDetection(o: {
  bus: Bus;
  topics: TopicNames;
  groupId: string;
  metrics: Metrics;
  log: Logger;
  cascade?: Partial<CascadeParams>;
  idleMs?: number;
  rewindMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  wallClock?: () => number;
  /** In process (embedded bus, tests): no subscription; partials come through `accept`. */
  direct?: boolean;
  /** Where closed minutes and cascade signals go, in this order; by default the aggregates and cascades topics. */
  sinks?: readonly Sink[];
}): Promise<Detection> {
  const wallClock = o.wallClock ?? Date.now;
  const tracker = new CascadeTracker(o.cascade);
  const sinks = o.sinks ?? [topicsSink(o.bus, o.topics)];
  registerCascadeMetrics(o.metrics.registry, tracker);
  // In process, partitions report every minute; the composition passes aggregator.mergeIdleMs for a group.
  const idleMs = o.idleMs ?? AGGREGATOR_DEFAULTS.idleMs;
  let merger = new MinuteMerger(idleMs);

  const handle = async (where: { topic: string; partition: number }, messages: BusMessage[], replayed: boolean): Promise<void> => {
    const refused: BusMessage[] = [];
    for (const m of messages) {
      if (minutePartial.is(m.value)) merger.add(m.value, wallClock());
      else if (!replayed) {
        o.metrics.invalidBusMessagesTotal.inc({ topic: where.topic });
        refused.push(busRefusalMessage(where, m, minutePartial.explain(m.value)));
      }
    }
    if (refused.length) await o.bus.publish(o.topics.deadLetter, refused);
    for (const { bucket, oiUnits } of merger.ready(wallClock())) {
      // Minutes completed by re-read partials were merged and published by the detector before this one.
      if (replayed) tracker.publishedThrough = Math.max(tracker.publishedThrough, bucket.minute);
      const oiUsd = oiUnits === undefined ? undefined : toUsd(oiUnits);
      const signals = tracker.onMinuteClosed(bucket, oiUsd);
      if (!tracker.publishes(bucket.minute)) continue;
      for (const sink of sinks) sink.onMinuteClosed?.(bucket, oiUsd);
      for (const signal of signals) {
        if (signal.phase !== 'update') o.log.warn({ cascade: signal }, `cascade ${signal.phase}`);
        for (const sink of sinks) sink.onCascade?.(signal);
      }
    }
    await flushAll(sinks);
  };

  const subscription =
    o.direct
      ? undefined
      : await o.bus.subscribe(
          {
            topics: [o.topics.partials],
            groupId: `${o.groupId}-detect`,
            rewindMs: o.rewindMs,
            sessionTimeoutMs: o.sessionTimeoutMs,
            heartbeatIntervalMs: o.heartbeatIntervalMs,
            onAssigned: (partitions) => {
              merger = new MinuteMerger(idleMs);
              tracker.reset();
              o.log.info({ partitions: partitions.map((p) => `${p.topic}:${p.partition}`) }, 'detector partitions assigned');
            },
          },
          async ({ topic, partition, messages, replayed = false }) => handle({ topic, partition }, messages, replayed),
        );
  return { tracker, subscription, accept: (partials) => handle({ topic: o.topics.partials, partition: 0 }, partials, false) };
}
