import { Aggregator } from '../src/aggregate/aggregator.js';
import type { Bus } from '../src/bus/bus.js';
import { allTopics, type TopicNames } from '../src/bus/topics.js';
import { silentLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics/metrics.js';
import { consumeEvents } from '../src/pipeline/consume.js';
import { Ingestor } from '../src/pipeline/ingest.js';
import type { RawFrame, VenueId } from '../src/schema/events.js';
import type { FrameParser } from '../src/venues/venue.js';
import { percentile, rssMiB } from './stats.js';

export interface PipelineFigures {
  events: number;
  eventsPerSecond: number;
  liquidations: number;
  liquidationsPerSecond: number;
  frames: number;
  framesPerSecond: number;
  latencyMs: { p50: number; p99: number };
  /** RSS and live heap at 25, 50, 75 and 100% of the frames; after a full GC when `settleMemory` was set. */
  rssMiB: number[];
  heapMiB: number[];
}

export interface PipelineOptions {
  /** A new parser of `venue` (called once per venue per run, and once more for the latency samples). */
  parserOf: (venue: VenueId) => FrameParser;
  batchSize: number;
  maxBuffered: number;
  /**
   * Force a full GC before each RSS sample (needs --expose-gc), to see what is retained rather than
   * what V8 has not collected yet. The collections do work the run would otherwise do later, so a
   * run with this set is for memory figures, not for its rate.
   */
  settleMemory?: boolean;
}

/** A latency sample: the first liquidation of every 64th frame, and when its frame was handed to the ingestor. */
export interface Sample {
  id: string;
  eventTime: number;
  /** Milliseconds on a clock two processes of this host share (performance.timeOrigin + performance.now()). */
  sentAt: number;
}

/** The host's clock in milliseconds with performance.now()'s resolution, the same in every process. */
export const hostNow = (): number => performance.timeOrigin + performance.now();

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('settleMemory needs node --expose-gc');
  gc();
}

/** The connect side's counts of one run, and its memory at 25, 50 and 75% of the frames (`memory` takes the last). */
export interface ConnectFigures {
  events: number;
  rssMiB: number[];
  heapMiB: number[];
  /** Takes one more memory sample (after the run, once the aggregator side has caught up). */
  memory(): void;
}

/**
 * The connect side: frames → parse → ingestor → bus. Every 64th frame's first liquidation is handed to `sample`
 * before its frame goes in (another parser reads it: a parser may keep state per frame it reads).
 */
export async function connectSide(bus: Bus, topics: TopicNames, frames: readonly RawFrame[], opts: PipelineOptions, sample: (s: Sample) => void): Promise<ConnectFigures> {
  const parsers = new Map<VenueId, FrameParser>();
  const samplers = new Map<VenueId, FrameParser>();
  const parserOf = (venue: VenueId, of: Map<VenueId, FrameParser>): FrameParser => {
    let p = of.get(venue);
    if (!p) of.set(venue, (p = opts.parserOf(venue)));
    return p;
  };
  const sampled = new Set<string>();
  const rss: number[] = [];
  const heap: number[] = [];
  const memory = () => {
    if (opts.settleMemory) fullGc();
    rss.push(rssMiB());
    heap.push(process.memoryUsage().heapUsed / 2 ** 20);
  };
  const ingestor = new Ingestor({ bus, topics, metrics: createMetrics(), log: silentLogger(), parserFor: (venue) => parserOf(venue, parsers), publishRaw: false, batchSize: opts.batchSize, lingerMs: 5, maxBuffered: opts.maxBuffered });
  const quarter = Math.floor(frames.length / 4);
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    if (i % 64 === 0) {
      const r = parserOf(frame.venue, samplers)(frame.frame, frame.recv);
      const first = r.ok ? r.events.find((e) => e.type === 'liquidation') : undefined;
      if (first && !sampled.has(first.id)) {
        sampled.add(first.id);
        sample({ id: first.id, eventTime: first.eventTime, sentAt: hostNow() });
      }
    }
    const pending = ingestor.handleFrame(frame);
    if (pending) await pending;
    if (i > 0 && i % quarter === 0) memory();
  }
  await ingestor.flush();
  return { events: ingestor.stats.events, rssMiB: rss, heapMiB: heap, memory };
}

/** The aggregator side of a run: bus → consume → aggregator, counting what it applied and timing the samples. */
export interface AggregatorSide {
  readonly applied: number;
  readonly liquidations: number;
  /** A sample from the connect side, to time when its event is applied. */
  expect(s: Sample): void;
  /** The sampled latencies so far, sorted. */
  latencies(): number[];
  close(): Promise<void>;
}

export async function aggregatorSide(bus: Bus, topics: TopicNames): Promise<AggregatorSide> {
  const aggregator = new Aggregator();
  const sentAt = new Map<string, number>();
  // The sampled events' event times: a number looked up per event, the id (a new string, hashed whole) only on a match.
  // An id looked up per liquidation was 2.6% of a mix run's profile: the bench's cost, not the pipeline's.
  const sampledTimes = new Map<number, number>();
  const latencies: number[] = [];
  let applied = 0;
  let liquidations = 0;
  const sub = await consumeEvents(bus, topics, `bench-${Date.now()}`, { metrics: createMetrics(), log: silentLogger(), fromBeginning: true }, (e, _replayed, _topic, _partition, idHashA, idHashB) => {
    aggregator.apply(e, false, idHashA, idHashB);
    applied += 1;
    if (e.type === 'liquidation') {
      liquidations += 1;
      const t0 = sampledTimes.has(e.eventTime) ? sentAt.get(e.id) : undefined;
      if (t0 !== undefined) {
        latencies.push(hostNow() - t0);
        sentAt.delete(e.id);
        const left = sampledTimes.get(e.eventTime)! - 1;
        if (left === 0) sampledTimes.delete(e.eventTime);
        else sampledTimes.set(e.eventTime, left);
      }
    }
  });
  return {
    get applied() {
      return applied;
    },
    get liquidations() {
      return liquidations;
    },
    expect(s) {
      sentAt.set(s.id, s.sentAt);
      sampledTimes.set(s.eventTime, (sampledTimes.get(s.eventTime) ?? 0) + 1);
    },
    latencies: () => latencies.sort((a, b) => a - b),
    close: () => sub.close(),
  };
}

/** Waits until the aggregator side has applied `events`, then the run's figures from `t0` (hostNow()). */
export async function figuresOf(side: AggregatorSide, events: number, frames: number, t0: number): Promise<Omit<PipelineFigures, 'rssMiB' | 'heapMiB'>> {
  while (side.applied < events) await new Promise((r) => setTimeout(r, 1));
  const seconds = (hostNow() - t0) / 1000;
  const latencies = side.latencies();
  return {
    events: side.applied,
    eventsPerSecond: side.applied / seconds,
    liquidations: side.liquidations,
    liquidationsPerSecond: side.liquidations / seconds,
    frames,
    framesPerSecond: frames / seconds,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
  };
}

/**
 * Frames → parse → bus → consume → aggregator, as in a live process (`liqstream run`). Latency is from handing a
 * frame to the ingestor to the aggregator applying its event, for every 64th frame's first liquidation.
 */
export async function runPipeline(bus: Bus, topics: TopicNames, frames: readonly RawFrame[], opts: PipelineOptions): Promise<PipelineFigures> {
  await bus.start(allTopics(topics));
  const side = await aggregatorSide(bus, topics);
  const t0 = hostNow();
  const connect = await connectSide(bus, topics, frames, opts, (s) => side.expect(s));
  const figures = await figuresOf(side, connect.events, frames.length, t0);
  connect.memory();
  await side.close();
  await bus.close();
  return { ...figures, rssMiB: connect.rssMiB, heapMiB: connect.heapMiB };
}
