import type { Aggregator } from '../../aggregate/aggregator.js';
import type { CascadeSignal } from '../../cascade/detector.js';
import type { Logger } from '../../log.js';
import type { NormalizedEvent } from '../../schema/events.js';
import type { Sink } from '../sink.js';
import type { StoreConfig } from './config.js';
import { StoreSink } from './store-sink.js';

/** Rows per table handed to the store, and written: new to a Parquet store, acknowledged by QuestDB (which keeps each key once). */
export interface BackfillStats {
  received: Record<string, number>;
  written: Record<string, number>;
  kind: StoreConfig['kind'];
}

export interface Backfill {
  /**
   * The replay's sink: every event its aggregator applied (after its duplicate filter), and its wait for a writer
   * that is behind (StoreSink.backpressure; QuestDB's sink has a bounded buffer of its own).
   */
  readonly sink: Sink;
  /** After the replay: its minutes and cascade episodes, then the last commit. */
  finish(aggregator: Aggregator, cascades: Omit<CascadeSignal, 'type' | 'phase'>[]): Promise<BackfillStats>;
  /** Ends the writer without the replay's minutes (a failed replay): what was received is committed. */
  abort(): Promise<void>;
}

/**
 * A replay writing the store (`replay --store`, `store import`). Events are stored as the replay
 * applies them; minutes and episodes once it has read everything, from the same series the report
 * is built from, so the store's `minutes` and `cascades` are the report's.
 */
export async function openBackfill(config: StoreConfig, log: Logger): Promise<Backfill> {
  const sink = config.kind === 'questdb' ? (await import('../questdb/questdb-sink.js')).QuestDbSink.open(config.questdb, log) : await StoreSink.open(config, log, { bySizeOnly: true, thread: true });
  return {
    sink: { name: 'store', onEvent: (event: NormalizedEvent) => sink.onEvent(event), ...(sink instanceof StoreSink && { backpressure: () => sink.backpressure() }) },
    async finish(aggregator, cascades) {
      const minutes = aggregator.minutes.withData().sort((a, b) => a.minute - b.minute);
      const oi = aggregator.openInterestAt(minutes);
      minutes.forEach((m, i) => sink.onMinuteClosed(m, oi[i]));
      for (const c of cascades) sink.onCascade({ ...c, type: 'cascade', phase: 'end' });
      await sink.close();
      return { received: sink.stats.received, written: sink.stats.written, kind: config.kind };
    },
    abort: () => sink.close(),
  };
}
