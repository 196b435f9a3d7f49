import { Aggregator, type AggregatorOptions } from '../aggregate/aggregator.js';
import type { Bus, Subscription } from '../bus/bus.js';
import type { TopicNames } from '../bus/topics.js';
import type { CascadeParams } from '../cascade/detector.js';
import { CascadeTracker } from '../cascade/tracker.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { NormalizedEvent } from '../schema/events.js';
import { consumeEvents } from './consume.js';

export interface Aggregation {
  aggregator: Aggregator;
  tracker: CascadeTracker;
  subscription: Subscription;
}

/**
 * The consuming half of the pipeline, shared by `run`, `aggregate` and `replay`: bus → aggregator →
 * cascade tracker, with closed-minute aggregates and cascade records published back to the bus
 * before the batch's offsets are committed.
 */
export async function startAggregation(o: {
  bus: Bus;
  topics: TopicNames;
  groupId: string;
  metrics: Metrics;
  log: Logger;
  fromBeginning?: boolean;
  aggregator?: Partial<AggregatorOptions>;
  cascade?: Partial<CascadeParams>;
  onEvent?: (event: NormalizedEvent) => void;
  onConsumed?: (count: number) => void;
}): Promise<Aggregation> {
  const tracker = new CascadeTracker(o.metrics, o.log, o.cascade);
  const aggregator: Aggregator = new Aggregator(o.metrics, { ...o.aggregator, onMinuteClosed: tracker.onMinuteClosed });
  const subscription = await consumeEvents(
    o.bus,
    o.topics,
    o.groupId,
    {
      metrics: o.metrics,
      log: o.log,
      fromBeginning: o.fromBeginning,
      onConsumed: o.onConsumed,
      afterBatch: async () => {
        const [aggregates, cascades] = tracker.drain();
        if (aggregates.length) await o.bus.publish(o.topics.aggregates, aggregates);
        if (cascades.length) await o.bus.publish(o.topics.cascades, cascades);
      },
    },
    (event) => {
      o.onEvent?.(event);
      aggregator.apply(event);
    },
  );
  return { aggregator, tracker, subscription };
}
