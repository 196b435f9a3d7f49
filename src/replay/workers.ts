import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { createMetrics } from '../metrics/metrics.js';
import type { ReplayOptions } from './replay.js';
import type { RawFrame } from '../schema/events.js';
import { readRecording, type RecordingItem } from './recording.js';
import { sourceFor } from './sources.js';
import { withFile } from './input-files.js';
import { addToSample, feedShares, frameRouter, itemBatches, mergeFed, planRoutes, splitCollides, UnsafeSplit, type Routes, type Sample } from './feed.js';
import { readRawBatches, UnreadLine, type FeedItem, type RawLine } from './raw-lines.js';
import { frameBatcher, type FrameBatch } from './frame-batch.js';
import { threadCpuMs, type ReplayParts, type ShareResult, type WorkerOptions, type WorkerTiming } from './shares.js';

/** What a replay worker thread is started with (see replay-worker.ts). */
export interface WorkerInput {
  files: string[];
  metadata: ReplayOptions['metadata'];
  cascade: ReplayOptions['cascade'];
  limits: ReplayOptions['limits'];
  from: number | undefined;
  to: number | undefined;
  index: number;
  workers: WorkerOptions;
  /** Hyperliquid blocks are split: hand back the ids' hashes (ShareResult.splitIds). */
  split: boolean;
}

/** Reader → worker: frames, or the end of them. Worker → reader: a batch taken off its queue, or its result. */
export type ToWorker = FrameBatch | { type: 'end' };
export type WorkerMessage =
  | { type: 'taken' }
  | { type: 'done'; ok: true; result: ShareResult }
  | { type: 'done'; ok: false; error: string; kind?: 'unread' | 'unsafe-split' };

const SAMPLE_BYTES = 8 << 20;
/**
 * V8 semi-space of the worker threads, in MB. The CLI runs with 64 (`--max-semi-space-size`, a V8 flag that
 * wins over a Worker's resourceLimits), which each thread's young generation would take up to twice over.
 * 32 since the reader hands over bytes: on the simulated day, two workers at 16 promoted more of each batch's
 * frames to the old generation (more CPU, more garbage held): 838 MiB peak RSS and 34.0 CPU s against
 * 704–792 MiB and 31.0 CPU s at 32 (docs/benchmarks.md, "a reader on bytes").
 */
const WORKER_SEMI_SPACE_MB = 32;
/** Batches posted to a worker and not yet taken: the reader waits beyond this (memory stays bounded). */
const MAX_QUEUED = 4;

/** The first SAMPLE_BYTES of each file: what the routes balance (a corrupt gzip named by its file, as when reading). */
async function sample(files: string[], source: (path: string) => AsyncIterable<RecordingItem>): Promise<Sample> {
  const s: Sample = { venues: {}, blocks: 0, fills: false };
  for (const [index, file] of files.entries()) {
    let seen = 0;
    for await (const item of withFile(index, file, source(file))) {
      if (!item.ok) continue;
      addToSample(s, item.frame);
      if ((seen += item.frame.frame.length) >= SAMPLE_BYTES) break;
    }
  }
  return s;
}

/**
 * One reader (this thread) and `count` workers: the reader reads every line once and posts each frame to
 * its worker (feed.ts), a recording's written lines as bytes (raw-lines.ts); the workers post back their
 * shares, merged here. When the reader meets a Hyperliquid frame that rules out splitting its blocks
 * (UnsafeSplit), the workers are stopped and the replay starts again with whole venues only; when a line
 * left as bytes turns out not to be one recordingWriter could write (UnreadLine), it starts again with the
 * reader decoding every line.
 */
export async function replayInWorkers(options: ReplayOptions, workers: WorkerOptions): Promise<{ parts: ReplayParts; timings: WorkerTiming[] }> {
  const source = sourceFor(workers.format);
  const sampled = await sample(options.files, source);
  let split = true;
  let raw = source === readRecording;
  const logged = new Set<string>();
  for (;;) {
    try {
      const { shares, fed } = await attempt(options, workers, planRoutes(sampled, workers.count, split), raw ? readRawBatches : itemBatches(source), logged);
      options.log.info({ workers: shares.map((s) => s.timing), readerCpuMs: threadCpuMs() }, 'replay workers: wall and CPU time per thread');
      return { parts: mergeFed(shares, fed, options.metrics ?? createMetrics()), timings: shares.map((s) => s.timing) };
    } catch (err) {
      if (err instanceof UnsafeSplit && split) {
        split = false;
        options.log.info({ reason: err.message }, 'replay workers: Hyperliquid blocks not split; starting again with whole venues');
      } else if (err instanceof UnreadLine && raw) {
        raw = false;
        options.log.info({ reason: err.message }, 'replay workers: a line not as recordings are written; starting again with every line decoded by the reader');
      } else throw err;
    }
  }
}

async function attempt(options: ReplayOptions, workers: WorkerOptions, routes: Routes, batches: (path: string) => AsyncIterable<FeedItem[]>, logged: Set<string>) {
  const threads = Array.from({ length: workers.count }, (_, index) =>
    startWorker({ files: options.files, metadata: options.metadata, cascade: options.cascade, limits: options.limits, from: options.from, to: options.to, index, workers, split: routes.blocks !== undefined }),
  );
  try {
    const outboxes = threads.map((t) => outbox(t));
    const fed = await Promise.race([
      feedShares({ files: options.files, log: options.log, to: options.to, logged }, batches, frameRouter(routes, workers.count), (w, frame) => outboxes[w]!.add(frame)),
      // A worker that fails stops the reader too; so does one that ends before its input does (the reader would
      // wait for ever on its full queue).
      ...threads.map((t, i) =>
        t.result.then(() => {
          throw new Error(`replay worker ${i} ended before the reader gave it all its frames`);
        }),
      ),
    ]);
    for (const o of outboxes) o.end();
    const shares = await Promise.all(threads.map((t) => t.result));
    if (routes.blocks && splitCollides(shares.map((s) => s.splitIds))) throw new UnsafeSplit('a Hyperliquid liquidation applied by two workers (one fill in blocks of two numbers)');
    return { shares, fed };
  } catch (err) {
    await Promise.all(threads.map((t) => t.worker.terminate()));
    throw err;
  }
}

interface Thread {
  worker: Worker;
  result: Promise<ShareResult>;
  /** Called whenever the worker takes a batch off its queue. */
  taken: () => void;
}

function startWorker(workerData: WorkerInput): Thread {
  // Read when an isolate's heap is made: the workers made after this get it, this thread keeps its own.
  setFlagsFromString(`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`);
  const worker = new Worker(new URL('./replay-worker.js', import.meta.url), { workerData });
  const thread: Thread = { worker, result: undefined as unknown as Promise<ShareResult>, taken: () => {} };
  thread.result = new Promise<ShareResult>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'taken') return thread.taken();
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new (m.kind === 'unread' ? UnreadLine : m.kind === 'unsafe-split' ? UnsafeSplit : Error)(`replay worker ${workerData.index}: ${m.error}`));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`replay worker ${workerData.index} exited with code ${code} before its result`));
    });
  });
  thread.result.catch(() => {}); // observed by attempt
  return thread;
}

/** Frames gathered into batches for one worker, with at most MAX_QUEUED batches posted and not yet taken. */
function outbox(thread: Thread) {
  let queued = 0;
  let room: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  thread.taken = () => {
    queued -= 1;
    if (wake && queued < MAX_QUEUED) {
      wake();
      wake = room = undefined;
    }
  };
  const batches = frameBatcher((batch, transfer) => {
    thread.worker.postMessage(batch, transfer);
    if (++queued >= MAX_QUEUED) room ??= new Promise<void>((resolve) => (wake = resolve));
  });
  return {
    add(frame: RawFrame | RawLine): Promise<void> | undefined {
      batches.add(frame);
      return room;
    },
    end(): void {
      batches.flush();
      thread.worker.postMessage({ type: 'end' } satisfies ToWorker);
    },
  };
}
