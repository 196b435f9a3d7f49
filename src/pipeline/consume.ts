import type { AssignedPartition, Bus, BusMessage, Subscription } from '../bus/bus.js';
import type { TopicNames } from '../bus/topics.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { NormalizedEvent, eventTimeOf, type VenueId } from '../schema/events.js';
import { compileValidator } from '../schema/validator.js';
import { VENUES } from '../venues/registry.js';
import { idHashesOf, validBusValue, wasChecked } from './checked-batches.js';
import { busRefusalMessage } from './refusals.js';
import { defaultValueLimits, valueLimitBreach, type ValueLimits } from './value-limits.js';

const normalizedEvent = compileValidator(NormalizedEvent);

/**
 * Venue ids no module registers that one consumer counts (a newer connector's venues). Every venue id becomes
 * metric labels and per-venue state, so ids beyond these are refused like invalid messages: whoever can write
 * to the topic cannot grow them without bound.
 */
export const MAX_UNREGISTERED_VENUES = 16;

/** What a handled batch was: its partition, how far it read, and the newest event time in it. */
export interface AppliedBatch {
  topic: string;
  partition: number;
  nextOffset: number | undefined;
  replayed: boolean;
  /** Newest event time among the batch's valid events (-Infinity without any). */
  newestEventTime: number;
  /** The same per venue (source) in the batch: each source's own clock within the partition. */
  newestByVenue: Map<VenueId, number>;
}

/**
 * Reads normalized events from the bus and hands each valid one to `apply`. The batch's offsets
 * are committed by the bus only after this handler returns, i.e. after the events were applied.
 * A message that fails validation is counted, logged and published to the dead-letter topic with
 * where it was read (topic, partition, offset), never applied; the batch is committed only after
 * that publish, so a refusal is never lost. Refusals in a re-read were dead-lettered by the member
 * that first read them. So is a valid event of one venue id too many beyond MAX_UNREGISTERED_VENUES, and one
 * over a value bound (`limits`: the connector dead-letters those, another producer may not have).
 * A batch the ingestor of this process marked as checked (checked-batches.ts) is not validated a second time.
 */
export function consumeEvents(
  bus: Bus,
  topics: TopicNames,
  groupId: string,
  deps: {
    metrics: Metrics;
    log: Logger;
    fromBeginning?: boolean;
    limits?: ValueLimits;
    onConsumed?: (count: number) => void;
    /** Runs after a batch was applied and before its offsets are committed (e.g. publish derived records). */
    afterBatch?: (batch: AppliedBatch) => Promise<void>;
    onAssigned?: (partitions: AssignedPartition[]) => void;
    rewindMs?: number;
    sessionTimeoutMs?: number;
    heartbeatIntervalMs?: number;
  },
  apply: (event: NormalizedEvent, replayed: boolean, topic: string, partition: number, idHashA: number, idHashB: number) => void,
): Promise<Subscription> {
  const limits = deps.limits ?? defaultValueLimits();
  const registered = new Set<VenueId>(VENUES);
  const unregistered = new Set<VenueId>();
  const counts = (venue: VenueId): boolean => {
    if (registered.has(venue) || unregistered.has(venue)) return true;
    if (unregistered.size >= MAX_UNREGISTERED_VENUES) return false;
    unregistered.add(venue);
    return true;
  };
  return bus.subscribe(
    {
      topics: [topics.liquidations, topics.openInterest, topics.gaps],
      groupId,
      fromBeginning: deps.fromBeginning ?? false,
      rewindMs: deps.rewindMs,
      onAssigned: deps.onAssigned,
      sessionTimeoutMs: deps.sessionTimeoutMs,
      heartbeatIntervalMs: deps.heartbeatIntervalMs,
    },
    async ({ topic, partition, messages, replayed = false, nextOffset }) => {
      let newestEventTime = -Infinity;
      const newestByVenue = new Map<VenueId, number>();
      const refused: BusMessage[] = [];
      // Events the ingestor of this process checked after their last change are not checked twice.
      const checked = wasChecked(messages);
      // And the hash of each liquidation's id it computed (0, 0 where none: the aggregator's filter hashes those).
      const hashes = idHashesOf(messages);
      // A batch holds runs of one venue's events (a frame's, a block's): its checks and its newest event time are
      // kept per run and written to the map when the venue changes, not looked up and set per event.
      let runVenue: VenueId | undefined;
      let runCounts: boolean | undefined;
      let runNewest = -Infinity;
      const endRun = (): void => {
        if (runVenue !== undefined && runNewest > (newestByVenue.get(runVenue) ?? -Infinity)) newestByVenue.set(runVenue, runNewest);
      };
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i]!;
        const event = checked || validBusValue(m.value) ? (m.value as NormalizedEvent) : undefined;
        const breach = event === undefined ? undefined : valueLimitBreach(event, limits);
        if (event !== undefined && event.venue !== runVenue) {
          endRun();
          runVenue = event.venue;
          runNewest = -Infinity;
          runCounts = undefined;
        }
        // counts() answers the same for a venue until the process ends (it only adds): asked once per run, and
        // only for an event within the bounds, as before (a refused event takes no unregistered venue's place).
        if (event !== undefined && breach === undefined && (runCounts ??= counts(event.venue))) {
          apply(event, replayed, topic, partition, hashes === undefined ? 0 : hashes[2 * i]!, hashes === undefined ? 0 : hashes[2 * i + 1]!);
          if (event.type !== 'gap') {
            const t = eventTimeOf(event);
            if (t > newestEventTime) newestEventTime = t;
            if (t > runNewest) runNewest = t;
          }
          continue;
        }
        if (!replayed) deps.metrics.invalidBusMessagesTotal.inc({ topic });
        const reason = breach ?? (event
          ? `venue ${event.venue} is not registered and ${MAX_UNREGISTERED_VENUES} unregistered venue ids are already counted`
          : normalizedEvent.explain(m.value));
        deps.log.error({ topic, partition, offset: m.offset, key: m.key, value: JSON.stringify(m.value)?.slice(0, 512), reason }, 'invalid message on bus');
        if (!replayed) refused.push(busRefusalMessage({ topic, partition }, m, reason));
      }
      endRun();
      if (refused.length) await bus.publish(topics.deadLetter, refused);
      await deps.afterBatch?.({ topic, partition, nextOffset, replayed, newestEventTime, newestByVenue });
      // Re-read messages were consumed by an earlier member; counting them here would double the count.
      if (!replayed) deps.onConsumed?.(messages.length);
    },
  );
}
