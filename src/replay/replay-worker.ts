import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../log.js';
import { replayParts } from './replay.js';
import { shareResult } from './shares.js';
import { parsersFor, sourceFor } from './sources.js';
import type { WorkerInput, WorkerMessage } from './workers.js';

// One share of `liqstream replay --workers N`: the whole replay pipeline over the venues this thread owns.
const input = workerData as WorkerInput;
const started = performance.now();
let message: WorkerMessage;
try {
  const parts = await replayParts(
    {
      files: input.files,
      speed: 'max',
      log: createLogger(process.env.LIQSTREAM_LOG_LEVEL ?? 'warn', input.workers.logFormat),
      metadata: input.metadata,
      cascade: input.cascade,
      limits: input.limits,
      source: sourceFor(input.workers.format),
      parsers: parsersFor(input.workers.format),
      from: input.from,
      to: input.to,
    },
    { index: input.index, count: input.workers.count, plan: input.plan },
  );
  message = { ok: true, result: shareResult(parts, performance.now() - started) };
} catch (err) {
  message = { ok: false, error: err instanceof Error ? err.message : String(err) };
}
parentPort!.postMessage(message);
