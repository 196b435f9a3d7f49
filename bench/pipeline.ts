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

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('settleMemory needs node --expose-gc');
  gc();
}

/**
 * Frames → parse → bus → consume → aggregator, as in a live process. Latency is from handing a
 * frame to the ingestor to the aggregator applying its event, for every 64th event.
 */
export async function runPipeline(bus: Bus, topics: TopicNames, frames: readonly RawFrame[], opts: PipelineOptions): Promise<PipelineFigures> {
  const log = silentLogger();
  const metrics = createMetrics();
  const aggregator = new Aggregator();
  // One parser per venue for the pipeline, another for the latency samples (a parser may keep state per frame it reads).
  const parsers = new Map<VenueId, FrameParser>();
  const samplers = new Map<VenueId, FrameParser>();
  const parserOf = (venue: VenueId, of: Map<VenueId, FrameParser>): FrameParser => {
    let p = of.get(venue);
    if (!p) of.set(venue, (p = opts.parserOf(venue)));
    return p;
  };
  const sentAt = new Map<string, number>();
  // The sampled events' event times: a number looked up per event, the id (a new string, hashed whole) only on a match.
  // An id looked up per liquidation was 2.6% of a mix run's profile: the bench's cost, not the pipeline's.
  const sampledTimes = new Map<number, number>();
  const latencies: number[] = [];
  const rss: number[] = [];
  const heap: number[] = [];
  let applied = 0;
  let liquidations = 0;
  await bus.start(allTopics(topics));
  const sub = await consumeEvents(bus, topics, `bench-${Date.now()}`, { metrics, log, fromBeginning: true }, (e) => {
    aggregator.apply(e);
    applied += 1;
    if (e.type === 'liquidation') {
      liquidations += 1;
      const t0 = sampledTimes.has(e.eventTime) ? sentAt.get(e.id) : undefined;
      if (t0 !== undefined) {
        latencies.push(performance.now() - t0);
        sentAt.delete(e.id);
        const left = sampledTimes.get(e.eventTime)! - 1;
        if (left === 0) sampledTimes.delete(e.eventTime);
        else sampledTimes.set(e.eventTime, left);
      }
    }
  });
  const ingestor = new Ingestor({ bus, topics, metrics, log, parserFor: (venue) => parserOf(venue, parsers), publishRaw: false, batchSize: opts.batchSize, lingerMs: 5, maxBuffered: opts.maxBuffered });
  const quarter = Math.floor(frames.length / 4);
  const sample = () => {
    if (opts.settleMemory) fullGc();
    rss.push(rssMiB());
    heap.push(process.memoryUsage().heapUsed / 2 ** 20);
  };
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    if (i % 64 === 0) {
      const r = parserOf(frame.venue, samplers)(frame.frame, frame.recv);
      const first = r.ok ? r.events.find((e) => e.type === 'liquidation') : undefined;
      if (first && !sentAt.has(first.id)) {
        sentAt.set(first.id, performance.now());
        sampledTimes.set(first.eventTime, (sampledTimes.get(first.eventTime) ?? 0) + 1);
      }
    }
    const pending = ingestor.handleFrame(frame);
    if (pending) await pending;
    if (i > 0 && i % quarter === 0) sample();
  }
  await ingestor.flush();
  while (applied < ingestor.stats.events) await new Promise((r) => setTimeout(r, 1));
  const seconds = (performance.now() - t0) / 1000;
  sample();
  await sub.close();
  await bus.close();
  latencies.sort((a, b) => a - b);
  return {
    events: applied,
    eventsPerSecond: applied / seconds,
    liquidations,
    liquidationsPerSecond: liquidations / seconds,
    frames: frames.length,
    framesPerSecond: frames.length / seconds,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    rssMiB: rss,
    heapMiB: heap,
  };
}
