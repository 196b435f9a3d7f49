import type { Aggregator, AggregatorOptions } from '../aggregate/aggregator.js';
import type { Bus } from '../bus/bus.js';
import type { TopicNames } from '../bus/topics.js';
import type { CascadeParams } from '../cascade/detector.js';
import type { CascadeTracker } from '../cascade/tracker.js';
import { EarlyWarning, type EarlyWarningParams } from '../cascade/early-warning.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import { registerEarlyWarningMetrics } from '../sinks/prometheus/early-warning-metrics.js';
import { afterBatch, backpressure, type Sink } from '../sinks/sink.js';
import { topicsSink } from '../sinks/topics/topics-sink.js';
import { startAggregation, type Aggregation, type AggregationTiming } from './aggregation.js';
import { startDetection, type Detection } from './detection.js';
import { Ingestor, type IngestOptions } from './ingest.js';
import type { ValueLimits } from './value-limits.js';

/** The state a sink may read (read-only views), given to the sink factory once the stages exist. */
export interface StageState {
  aggregator: Aggregator;
  tracker: CascadeTracker;
  /** Per-coin early warning, fed every applied event (docs/cascades.md, "Early warning"). */
  warnings: EarlyWarning;
}

export interface ConsumeSpec {
  groupId: string;
  aggregator: Partial<AggregatorOptions> & Partial<AggregationTiming>;
  cascade?: Partial<CascadeParams>;
  earlyWarning?: Partial<EarlyWarningParams>;
  /** How long the detector waits for a silent partition's share (aggregator.mergeIdleMs on Kafka). */
  mergeIdleMs?: number;
  /**
   * Detection in this process, fed the partials directly: the embedded bus (a publish from inside a
   * delivery would wait on itself) and every replay. Otherwise partials go through the partials topic
   * and one member of `<groupId>-detect` detects for the group.
   */
  direct: boolean;
  fromBeginning?: boolean;
  /** Venues whose per-venue counters start at 0. */
  venues?: readonly string[];
  onConsumed?: (count: number) => void;
  /** The outputs beside the aggregates and cascades topics (always written), built from the state they read. */
  sinks?: (state: StageState) => Sink[];
}

export interface StageGraph {
  bus: Bus;
  topics: TopicNames;
  metrics: Metrics;
  log: Logger;
  /** Frames in: parse, validate, publish (to `ingest.bus`, e.g. a disk spill, else `bus`). */
  ingest?: Omit<IngestOptions, 'bus' | 'topics' | 'metrics' | 'log' | 'limits'> & { bus?: Bus };
  /** Events out: aggregation, detection and the sinks. */
  consume?: ConsumeSpec;
  /** The largest value one event may carry (config `limits`), checked where events enter and leave the bus. */
  limits?: ValueLimits;
}

export interface Stages {
  ingestor?: Ingestor;
  aggregation?: Aggregation;
  detection?: Detection;
  sinks: Sink[];
  /** Flushes what was ingested, then stops consuming and ends the sinks' batch (the bus stays the caller's). */
  close(): Promise<void>;
  /**
   * Closes the sinks. Separate from `close`: a replay's outputs outlive its stages (the live page keeps
   * serving the final figures during --linger), so whoever holds them closes them.
   */
  closeSinks(): Promise<void>;
}

/**
 * The stage graph, wired in one place for every mode: ingest → bus → aggregation → detection → sinks.
 * `run` has both halves, `connect` only `ingest`, `aggregate` only `consume`, a replay both on a bus of
 * its own. Which halves and sinks a mode has is the composition's choice (src/service); how they
 * connect is decided here.
 */
export async function startStages(g: StageGraph): Promise<Stages> {
  const { bus, topics, metrics, log } = g;
  let detection: Detection | undefined;
  let aggregation: Aggregation | undefined;
  let sinks: Sink[] = [];
  let stopping = false;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  if (g.consume) {
    const c = g.consume;
    const warnings = new EarlyWarning(c.earlyWarning);
    registerEarlyWarningMetrics(metrics.registry, warnings);
    // The composition's sinks are built once the aggregator exists, before its consumer starts (below). Detection's
    // consumer may close minutes while it is still subscribing, before then: those wait here for them, in order.
    let outputs: Sink[] | undefined;
    const held: ((sink: Sink) => void)[] = [];
    const toOutputs = (call: (sink: Sink) => void) => (outputs ? outputs.forEach(call) : void held.push(call));
    const minuteSinks: Sink[] = [
      topicsSink(bus, topics),
      // Steps the early warning as detection closes each whole minute (all partitions in), after the topics.
      {
        name: 'early-warning',
        onMinuteClosed: (bucket) => {
          for (const change of warnings.closeThrough(bucket.minute))
            log.warn({ base: change.base, minute: new Date(change.minute).toISOString(), ...change.parts }, change.phase === 'start' ? 'early warning: a cascade may be starting' : 'early warning over');
        },
      },
      {
        name: 'outputs',
        onMinuteClosed: (bucket, oi) => toOutputs((s) => s.onMinuteClosed?.(bucket, oi)),
        onCascade: (signal) => toOutputs((s) => s.onCascade?.(signal)),
        afterBatch: () => afterBatch(outputs ?? []),
      },
    ];
    detection = await startDetection({
      bus,
      topics,
      groupId: c.groupId,
      metrics,
      log,
      cascade: c.cascade,
      idleMs: c.mergeIdleMs,
      rewindMs: c.aggregator.rewindMs,
      sessionTimeoutMs: c.aggregator.sessionTimeoutMs,
      heartbeatIntervalMs: c.aggregator.heartbeatIntervalMs,
      direct: c.direct,
      sinks: minuteSinks,
    });
    const { accept, tracker } = detection;
    let eventSinks: Sink[] = [];
    aggregation = await startAggregation({
      bus,
      topics,
      groupId: c.groupId,
      metrics,
      log,
      fromBeginning: c.fromBeginning,
      limits: g.limits,
      aggregator: c.aggregator,
      venues: c.venues,
      onConsumed: c.onConsumed,
      partials: c.direct ? accept : (messages) => bus.publish(topics.partials, messages),
      onEvent: (event) => {
        warnings.onEvent(event);
        for (const sink of eventSinks) sink.onEvent!(event);
      },
      // Until the stages close: a stop ends the waits (the sinks' close stores what they hold), or a writer behind
      // held the last flush, and the stop, for as long as it waits (store.maxWaitMs, past the CLI's 30 s).
      backpressure: () => {
        const wait = stopping ? undefined : backpressure(eventSinks);
        return wait && Promise.race([wait, stopped]);
      },
      // Before the first batch: a Kafka consumer applies batches while its subscribe() still waits for the
      // assignment to settle, and sinks attached after it missed them (under load, a restarted aggregator's
      // whole re-read of a partition: the store got 540 of 720 rows).
      beforeConsuming: (aggregator) => {
        sinks = c.sinks?.({ aggregator, tracker, warnings }) ?? [];
        eventSinks = sinks.filter((s) => s.onEvent);
        outputs = sinks.filter((s) => s.onMinuteClosed || s.onCascade || s.afterBatch);
        for (const call of held.splice(0)) outputs.forEach(call);
      },
    });
  }
  const ingestor = g.ingest ? new Ingestor({ ...g.ingest, bus: g.ingest.bus ?? bus, topics, metrics, log, limits: g.limits }) : undefined;
  return {
    ingestor,
    aggregation,
    detection,
    sinks,
    close: async () => {
      stopping = true;
      stop();
      // A failed flush was counted and logged where it failed; the rest must still close.
      await ingestor?.close().catch(() => {});
      await aggregation?.subscription.close();
      await detection?.subscription?.close();
      await afterBatch(sinks);
    },
    closeSinks: async () => {
      // Each sink closes whatever another's close does (a store's last commit can fail on a full disk).
      for (const sink of sinks)
        await Promise.resolve()
          .then(() => sink.close?.())
          .catch((err: unknown) => log.error({ sink: sink.name, err }, 'a sink failed to close'));
    },
  };
}
