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
  /** Called after each batch of minutes: a sink that buffers writes them out here (the caller awaits it before committing). */
  flush?(): Promise<void>;
  close?(): Promise<void> | void;
}

/** Flushes every sink in turn, so outputs keep their order. */
export async function flushAll(sinks: readonly Sink[]): Promise<void> {
  for (const sink of sinks) await sink.flush?.();
}
