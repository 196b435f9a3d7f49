import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Aggregator } from '../aggregate/aggregator.js';
import type { Bus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';
import { allTopics, defaultTopics, type TopicNames } from '../bus/topics.js';
import type { Logger } from '../log.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { cascadeEpisodes } from '../cascade/episodes.js';
import type { CascadeParams, CascadeSignal } from '../cascade/detector.js';
import type { EarlyWarningParams } from '../cascade/early-warning.js';
import type { ValueLimits } from '../pipeline/value-limits.js';
import { eventTimeOf, type VenueId } from '../schema/events.js';
import type { FrameParser, VenueMetadata } from '../venues/venue.js';
import { reportMarks } from '../report/marks.js';
import { NotableLiquidations } from '../report/notable.js';
import { startStages, type StageState } from '../pipeline/stages.js';
import type { Sink } from '../sinks/sink.js';
import { manifestGaps } from './manifests.js';
import { mergeOrderedRuns } from './merge.js';
import { createPacer, type Speed } from './pacer.js';
import { BAD_LINES_LOGGED, namingFile, ReplayInputError, SLICE_MARGIN_MS, sliceEnd, type FileCounts } from './input-files.js';
import { readRecording, readRecordingBatches, syntheticMarks, type RecordingItem } from './recording.js';
import { venueOwner, type ReplayParts, type Share, type WorkerOptions, type WorkerTiming } from './shares.js';

export { BAD_LINES_LOGGED, ReplayInputError, SLICE_MARGIN_MS } from './input-files.js';

/** A source that also reads its items in batches (a `--workers` thread's fed frames, feed.ts). */
export type BatchedSource = ((path: string) => AsyncIterable<RecordingItem>) & { batches(path: string): AsyncIterable<RecordingItem[]> };

/** A source's items in batches: the recording reader's own chunks, a batched source's, or one item a batch for any other source. */
async function* batchesOf(source: (path: string) => AsyncIterable<RecordingItem>, path: string): AsyncGenerator<RecordingItem[]> {
  if (source === readRecording) yield* readRecordingBatches(path);
  else if ('batches' in source) yield* (source as BatchedSource).batches(path);
  else for await (const item of source(path)) yield [item];
}

export interface ReplayOptions {
  files: string[];
  speed: Speed;
  log: Logger;
  /** Defaults to the embedded bus. With Kafka, pass topics of the replay's own (see docs/replay.md). */
  bus?: Bus;
  topics?: TopicNames;
  /** Market metadata per venue (e.g. COIN-M contract sizes) when the recording does not carry it. */
  metadata?: Record<VenueId, VenueMetadata>;
  /** Reads one input file; defaults to recording format v1. */
  source?: (path: string) => AsyncIterable<RecordingItem>;
  /** Parser overrides per venue (e.g. Hyperliquid node fills instead of WebSocket frames). */
  parsers?: Record<VenueId, FrameParser>;
  metrics?: Metrics;
  cascade?: Partial<CascadeParams>;
  earlyWarning?: Partial<EarlyWarningParams>;
  /** The largest value one event may carry (config `limits`); defaults to the config's. */
  limits?: ValueLimits;
  /** Largest share of a file's lines that may be invalid before the replay fails (default 0.1). */
  maxBadShare?: number;
  /** Outputs beside the report, built from the replay's state once it exists (the live page, a store). */
  sinks?: (state: StageState) => Sink[];
  /** Keep only events whose event time is in [from, to) (ms); gaps that overlap it. */
  from?: number;
  to?: number;
  /** Replays in `count` worker threads (speed max, embedded bus; see docs/replay.md). */
  workers?: WorkerOptions;
  /**
   * The input is the history store's rows of this event-time range (liqstream report), not recordings:
   * the report's `input` says so and has no `synthetic` marks (docs/history.md).
   */
  store?: StoreInput;
}

/** What `input.store` of a report built from the history store says: the range read and the rows of each table. */
export interface StoreInput {
  from: string;
  to: string;
  rows: { liquidations: number; openInterest: number; gaps: number };
  /** Files the store could not read (not their table's), when there were any: the report's figures are then lower bounds. */
  leftOutFiles?: number;
}

export interface ReplayResult {
  report: ReplayReport;
  aggregator: Aggregator;
  metrics: Metrics;
  /** With `workers`: each worker's wall time and events applied. */
  workers?: WorkerTiming[];
}

export type ReplayReport = ReturnType<typeof buildReport>;

function buildReport(files: string[], parts: ReplayParts, episodes: CascadeSignal[], store?: StoreInput) {
  const { aggregator, stats } = parts;
  const openInterestUsd: Record<string, number> = {};
  for (const [venue, v] of [...aggregator.openInterestByVenue()].sort(([a], [b]) => (a < b ? -1 : 1))) openInterestUsd[venue] = v.usd;
  const totals = aggregator.totalsSnapshot();
  const fidelity = Object.fromEntries(Object.entries(aggregator.fidelity).sort(([a], [b]) => (a < b ? -1 : 1)));
  const cascades = episodes.map(({ type: _t, phase: _p, ...episode }) => episode);
  return {
    version: 1,
    input: {
      files: files.map((f) => basename(f)),
      frames: stats.frames,
      badFrames: stats.badFrames,
      /** Entries refused one by one in frames whose other entries counted (each dead-lettered). */
      badEntries: stats.badEntries,
      badLines: parts.badLines,
      // Copies dropped by either filter: the ingestor's ring of recent ids, or (further behind) the aggregator's.
      // Which one drops a copy depends on what else passed in between, so with workers only the sum is the same.
      duplicates: stats.duplicates + [...aggregator.metricsView.duplicates().values()].reduce((a, b) => a + b, 0),
      ...(store ? { store } : {}),
    },
    eventTime: { first: parts.firstEventTime ?? null, last: aggregator.watermark || null },
    totals,
    fidelity,
    /** `≥` lower bound, `≈` estimate, per venue, on the sum and per episode: what people are shown. */
    marks: reportMarks(totals, fidelity, cascades),
    openInterestUsd,
    cascades,
    /** The 50 symbols with the most liquidated USD, and the 20 largest liquidations. */
    bySymbol: parts.notable.bySymbol(),
    largest: parts.notable.largest(),
    // Only present when an input was generated (liqstream simulate): a report of real data stays as it was.
    ...(store ? {} : optionalSynthetic(files)),
  };
}

function optionalSynthetic(files: string[]): { synthetic?: ReturnType<typeof syntheticMarks> } {
  const marks = syntheticMarks(files);
  return marks.length ? { synthetic: marks } : {};
}

/**
 * Replays recorded frames through the same parsers, bus and aggregator as a live run. Everything
 * downstream runs on event time, so the report is identical at any speed and on either bus, and
 * with any number of worker threads.
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  // The workers read each file more than once (a sample to plan the threads, then the replay, again on a restart):
  // a pipe or FIFO would give its lines to the first read only (a report of 0 frames, or a hang). One thread reads those.
  const workers = options.workers !== undefined && options.workers.count > 1 ? options.workers : undefined;
  const unseekable = workers ? options.files.filter((f) => !statSync(f, { throwIfNoEntry: false })?.isFile()) : [];
  if (unseekable.length > 0) options.log.warn({ files: unseekable.slice(0, 5), workers: workers!.count }, 'replay: --workers reads regular files only; these are not, so one thread reads them all');
  const threads = workers && unseekable.length === 0 ? await (await import('./workers.js')).replayInWorkers(options, workers) : undefined;
  const parts = threads?.parts ?? (await replayParts(options));
  const report = replayReport(options, parts);
  return { report, aggregator: parts.aggregator, metrics: parts.metrics, ...(threads ? { workers: threads.timings } : {}) };
}

/** Fails on input that cannot be what the user meant; else the report. */
export function replayReport(options: ReplayOptions, parts: ReplayParts): ReplayReport {
  checkFiles(options, parts.perFile);
  return buildReport(options.files, parts, cascadeEpisodes(parts.aggregator, options.cascade), options.store);
}

/**
 * The replay of `share` (all of the input without one): the aggregator and the counts a report is
 * built from. A share owns whole venues, so each venue's frames stay in order in one aggregator.
 */
export async function replayParts(options: ReplayOptions, share?: Share): Promise<ReplayParts> {
  const { log } = options;
  const metrics = options.metrics ?? createMetrics();
  const bus = options.bus ?? new MemoryBus();
  const topics = options.topics ?? defaultTopics();
  let firstEventTime: number | undefined;
  let consumed = 0;
  await bus.start(allTopics(topics));
  const notable = new NotableLiquidations();
  const groupId = `liqstream-replay-${process.pid}-${Date.now()}`;
  const parsers = new Map<VenueId, FrameParser>();
  // The venue modules (every parser and its schemas) load with the first frame: a replay that reads
  // none, or a CLI start, does not pay for them.
  let modules: typeof import('../venues/registry.js').VENUE_MODULES | undefined;
  const parserFor = (venue: VenueId): FrameParser | undefined => {
    let p = parsers.get(venue);
    if (!p) {
      const module = modules?.[venue];
      p = options.parsers?.[venue] ?? module?.parser(options.metadata?.[venue] ?? {}, { log });
      if (p && (options.from !== undefined || options.to !== undefined)) p = withinEventTime(p, options.from ?? -Infinity, options.to ?? Infinity);
      if (p) parsers.set(venue, p);
    }
    return p;
  };
  const stages = await startStages({
    bus,
    topics,
    metrics,
    log,
    limits: options.limits,
    // Events read back from the store were kept or dropped as history when they were first parsed.
    ingest: { parserFor, snapshotsFor: (venue) => (options.store ? undefined : modules?.[venue]?.snapshots), publishRaw: false, batchSize: 2_000, lingerMs: 50, maxBuffered: 20_000 },
    consume: {
      groupId,
      fromBeginning: true,
      aggregator: { clock: 'watermark', retainMinutes: Infinity },
      cascade: options.cascade,
      earlyWarning: options.earlyWarning,
      // Live cascade signals and gauges as in `run` (the report's cascades come from the full series).
      direct: true,
      onConsumed: (n) => (consumed += n),
      sinks: (state) => [
        {
          name: 'report',
          onEvent: (event) => {
            if (event.type === 'liquidation' && (firstEventTime === undefined || event.eventTime < firstEventTime)) firstEventTime = event.eventTime;
            notable.add(event);
          },
        },
        ...(options.sinks?.(state) ?? []),
      ],
    },
  });
  const ingestor = stages.ingestor!;
  const { aggregator } = stages.aggregation!;

  const pace = createPacer(options.speed);
  const source = options.source ?? readRecording;
  const owns = share ? venueOwner(share) : () => true;
  let badLines = 0;
  const perFile = options.files.map((): FileCounts => ({ frames: 0, bad: 0, cut: 0 }));
  // The gaps `record` wrote in the manifests, applied as a live run applies its gaps: when the replay
  // reaches the gap's end (when the connection came back), by one share only, so they count once.
  const gaps = !share || share.index === 0 ? manifestGaps(options.files, log, options.from, options.to) : [];
  const gapsUntil = async (recv: number): Promise<void> => {
    while (gaps.length > 0 && gaps[0]!.to <= recv) {
      const { venue, from, to, reason } = gaps.shift()!;
      const pending = ingestor.gap(venue, from, to, reason);
      if (pending) await pending;
    }
  };
  const sources = options.files.map((file) => namingFile(file, batchesOf(source, file)));
  // A worker fed by the reader (feed.ts) sees only its venues' frames: the reader, which sees them all, ends the read.
  const pastSlice = share?.fed ? () => false : sliceEnd(options.to);
  reading: for await (const { source: file, items } of mergeOrderedRuns(sources, (i) => (i.ok ? i.frame.recv : -Infinity))) {
    const counts = perFile[file]!;
    for (const item of items) {
      if (!item.ok) {
        // Every share reads every line: the first counts the bad ones.
        if (share && share.index !== 0) continue;
        badLines += 1;
        counts.bad += 1;
        if (item.cut) counts.cut += 1;
        // The first few of each file, with file and line; the rest are counted (see below).
        if (counts.bad <= BAD_LINES_LOGGED)
          log.warn({ file: options.files[file], line: item.line, reason: item.reason, text: item.text.slice(0, 256) }, 'bad recording line');
        continue;
      }
      const mine = owns(item.frame.venue);
      if (mine) counts.frames += 1;
      // With an event-time slice, frames well before it go at full speed and reading stops well after it
      // (receive time trails event time by far less than the margin; input-files.ts says when).
      if (pastSlice(item.frame.recv)) break reading;
      if (gaps.length > 0 && gaps[0]!.to <= item.frame.recv) await gapsUntil(item.frame.recv);
      if (!mine) continue;
      if (options.from === undefined || item.frame.recv >= options.from - SLICE_MARGIN_MS) {
        const paced = pace(item.frame.recv);
        if (paced) await paced;
      }
      modules ??= (await import('../venues/registry.js')).VENUE_MODULES;
      const pending = ingestor.handleFrame(item.frame);
      if (pending) await pending;
    }
  }
  await gapsUntil(Infinity);
  await ingestor.flush();
  // With Kafka the consumer runs on its own schedule: wait until it has applied everything published. The
  // 120 s count from its last progress, not from here: a store's backpressure may hold it to a slow writer's
  // pace long after the last frame, while it still moves.
  await consumerCaughtUp(() => consumed, ingestor.stats.events, STALLED_CONSUMER_MS);
  await stages.close();
  await bus.close();
  return { aggregator, notable, metrics, stats: ingestor.stats, badLines, perFile, firstEventTime };
}

/** How long a replay's consumer may apply nothing before the replay gives up on it. */
const STALLED_CONSUMER_MS = 120_000;

/** Waits until `consumed()` reaches `published`; refuses once it has not moved for `stalledMs`. */
export async function consumerCaughtUp(consumed: () => number, published: number, stalledMs: number, pollMs = 20): Promise<void> {
  let last = consumed();
  let movedAt = Date.now();
  while (last < published) {
    if (Date.now() - movedAt >= stalledMs) throw new Error(`replay consumer saw ${last} of ${published} events, none in the last ${stalledMs / 1000} s`);
    await sleep(pollMs);
    const now = consumed();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    }
  }
}

function checkFiles(options: ReplayOptions, perFile: ReplayParts['perFile']): void {
  options.files.forEach((file, i) => {
    const { frames, bad, cut } = perFile[i]!;
    if (bad > BAD_LINES_LOGGED) options.log.warn({ file, badLines: bad, logged: BAD_LINES_LOGGED }, 'more bad recording lines than were logged');
    // Wrong input must not pass for a quiet day; a file cut short is not wrong input, and its cut (one bad line,
    // counted) is not judged with the rest: `record` killed early in an hour, a download stopped part way.
    const judged = bad - cut;
    if (frames === 0 && judged === 0 && cut > 0) {
      options.log.warn({ file }, 'recording holds no line: the file ends before its first whole line (cut short: a recorder killed early in its hour, a download stopped)');
      return;
    }
    if (frames === 0 && judged > 0) throw new ReplayInputError(`${file}: no frames recognised in ${judged} lines — is --format right?`);
    const share = judged / Math.max(1, frames + judged);
    if (share > (options.maxBadShare ?? 0.1))
      throw new ReplayInputError(`${file}: ${judged} of ${frames + judged} lines (${(share * 100).toFixed(1)}%) are not valid input, over the limit of ${((options.maxBadShare ?? 0.1) * 100).toFixed(1)}% (--max-bad-share)`);
  });
}

/** Drops events outside [from, to) by event time; the frame still counts as read. */
function withinEventTime(parser: FrameParser, from: number, to: number): FrameParser {
  return (frame, recv) => {
    const r = parser(frame, recv);
    if (!r.ok) return r;
    const events = r.events.filter((e) => (e.type === 'gap' ? e.to > from && e.from < to : eventTimeOf(e) >= from && eventTimeOf(e) < to));
    return r.rejected === undefined ? { ok: true, events } : { ok: true, events, rejected: r.rejected };
  };
}
