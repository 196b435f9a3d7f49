import { Worker } from 'node:worker_threads';
import { createMetrics } from '../metrics/metrics.js';
import type { ReplayOptions } from './replay.js';
import type { VenueId } from '../schema/events.js';
import type { RecordingItem } from './recording.js';
import { sourceFor } from './sources.js';
import { mergeShares, planShares, type ReplayParts, type ShareResult, type WorkerOptions, type WorkerTiming } from './shares.js';

/** What a replay worker thread is started with (see replay-worker.ts). */
export interface WorkerInput {
  files: string[];
  metadata: ReplayOptions['metadata'];
  cascade: ReplayOptions['cascade'];
  limits: ReplayOptions['limits'];
  from: number | undefined;
  to: number | undefined;
  index: number;
  plan: Record<VenueId, number>;
  workers: WorkerOptions;
}

export type WorkerMessage = { ok: true; result: ShareResult } | { ok: false; error: string };

const SAMPLE_BYTES = 8 << 20;

/** Bytes of frame text per venue in the first SAMPLE_BYTES of each file: what planShares balances. */
async function sample(files: string[], source: (path: string) => AsyncIterable<RecordingItem>): Promise<Record<VenueId, number>> {
  const bytes: Record<VenueId, number> = {};
  for (const file of files) {
    let seen = 0;
    for await (const item of source(file)) {
      if (!item.ok) continue;
      bytes[item.frame.venue] = (bytes[item.frame.venue] ?? 0) + item.frame.frame.length;
      if ((seen += item.frame.frame.length) >= SAMPLE_BYTES) break;
    }
  }
  return bytes;
}

/** Runs one replay share per worker thread and merges what they post back. */
export async function replayInWorkers(options: ReplayOptions, workers: WorkerOptions): Promise<{ parts: ReplayParts; timings: WorkerTiming[] }> {
  const plan = planShares(await sample(options.files, sourceFor(workers.format)), workers.count);
  const shares = await Promise.all(
    Array.from({ length: workers.count }, (_, index) => {
      const workerData: WorkerInput = { files: options.files, metadata: options.metadata, cascade: options.cascade, limits: options.limits, from: options.from, to: options.to, index, plan, workers };
      return runWorker(workerData);
    }),
  );
  return { parts: mergeShares(shares, options.metrics ?? createMetrics()), timings: shares.map((s) => s.timing) };
}

function runWorker(workerData: WorkerInput): Promise<ShareResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./replay-worker.js', import.meta.url), { workerData });
    let settled = false;
    worker.once('message', (m: WorkerMessage) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(`replay worker ${workerData.index}: ${m.error}`));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`replay worker ${workerData.index} exited with code ${code} before its result`));
    });
  });
}
