import type { MinuteBucket } from '../aggregate/minute-series.js';
import type { CascadeSignal } from '../cascade/detector.js';
import type { NormalizedEvent } from '../schema/events.js';

/**
 * An output of the pipeline: it is told what the state stages decided and does its own side effects
 * (publishing, serving, writing). State stays in the aggregator and the cascade tracker; a sink
 * never changes it. Every hook is optional: a sink implements what it outputs.
 */
export interface Sink {
  readonly name: string;
  /** Every event the aggregator applied, after the duplicate filter (each liquidation once). */
  onEvent?(event: NormalizedEvent): void;
  /** A whole minute closed by the detection stage (all partitions merged), with all-venue open interest in USD. */
  onMinuteClosed?(bucket: MinuteBucket, openInterestUsd: number | undefined): void;
  /** A cascade signal (start, update, end) from the detector, after the minute that produced it. */
  onCascade?(signal: CascadeSignal): void;
  /**
   * After each batch of minutes: a sink that must be written before the batch's offsets are committed
   * (a topic) writes here, and the caller awaits it. A sink with its own cadence (the history store,
   * idempotent by key) leaves it out.
   */
  afterBatch?(): Promise<void>;
  /**
   * After each batch of events the consumer applied: a sink whose writer is too far behind returns a promise that
   * the consumer awaits before its next batch (on the embedded bus the wait reaches the producer: a replay reads
   * on once it resolves). The sink bounds it on a live pipeline (the history store: store.maxWaitMs).
   */
  backpressure?(): Promise<void> | undefined;
  close?(): Promise<void> | void;
}

/** Ends a batch on every sink in turn, so outputs keep their order. */
export async function afterBatch(sinks: readonly Sink[]): Promise<void> {
  for (const sink of sinks) await sink.afterBatch?.();
}

/** The sinks' waits after a batch of events; undefined when none is behind (no await, no microtask per batch). */
export function backpressure(sinks: readonly Sink[]): Promise<void> | undefined {
  let waits: Promise<void>[] | undefined;
  for (const sink of sinks) {
    const wait = sink.backpressure?.();
    if (wait) (waits ??= []).push(wait);
  }
  return waits && Promise.all(waits).then(() => undefined);
}
