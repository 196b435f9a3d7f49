import type { MinuteBucket } from '../aggregate/minute-series.js';
import type { CascadeSignal } from '../cascade/detector.js';
import type { NormalizedEvent } from '../schema/events.js';

/**
 * An output of the topology: it is told what the pipeline produced and keeps it somewhere (a store,
 * a topic, a page). Calls are synchronous and cheap (a sink buffers); `flush` makes everything told
 * so far durable and `close` flushes and frees the sink. A sink never changes what it is given.
 *
 * - `onEvents`: normalized events after the aggregator's duplicate filter (liquidations of every
 *   kind, open-interest samples, gaps), in the order applied.
 * - `onMinuteClosed`: one closed event-time minute (all venues, empty minutes included) with the
 *   all-venue open interest at its end, in minute order.
 * - `onCascade`: a finished cascade episode (phase `end`).
 */
export interface Sink {
  onEvents(events: readonly NormalizedEvent[]): void;
  onMinuteClosed(minute: MinuteBucket, oiUsd: number | undefined): void;
  onCascade(episode: CascadeSignal): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
