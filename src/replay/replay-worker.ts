import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../log.js';
import type { RecordingItem } from './recording.js';
import { replayParts } from './replay.js';
import { fedSource, itemsOf, splitIdSink, UnsafeSplit } from './feed.js';
import { UnreadLine } from './raw-lines.js';
import { shareResult } from './shares.js';
import { parsersFor } from './sources.js';
import type { ToWorker, WorkerInput, WorkerMessage } from './workers.js';
import type { FrameBatch } from './frame-batch.js';

// One share of `liqstream replay --workers N`: the whole replay pipeline over the frames the reader thread
// posts it (feed.ts), on an embedded bus of its own.
const input = workerData as WorkerInput;
const port = parentPort!;
const queue: FrameBatch[] = [];
let ended = false;
let wake: (() => void) | undefined;
const receive = (m: ToWorker): void => {
  if (m.type === 'frames') queue.push(m);
  else ended = true;
  wake?.();
};
port.on('message', receive);

/** The batches the reader posts, as replay items: each a batch (no async hand-over per frame). */
async function* batches(): AsyncGenerator<RecordingItem[]> {
  for (;;) {
    const batch = queue.shift();
    if (batch) {
      port.postMessage({ type: 'taken' } satisfies WorkerMessage);
      yield itemsOf(batch, input.split);
      continue;
    }
    if (ended) return;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
}

const started = performance.now();
const splitIds = input.split ? splitIdSink() : undefined;
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
      source: fedSource(batches()),
      parsers: parsersFor(input.workers.format),
      from: input.from,
      to: input.to,
      ...(splitIds ? { sinks: () => [splitIds.sink] } : {}),
    },
    { index: input.index, count: input.workers.count, fed: true },
  );
  const result = shareResult(parts, performance.now() - started);
  message = { type: 'done', ok: true, result: splitIds ? { ...result, splitIds: splitIds.ids() } : result };
} catch (err) {
  message = { type: 'done', ok: false, error: err instanceof Error ? err.message : String(err), ...(err instanceof UnreadLine ? { kind: 'unread' as const } : err instanceof UnsafeSplit ? { kind: 'unsafe-split' as const } : {}) };
}
port.postMessage(message);
// A listening port keeps the thread alive: the thread is done.
port.off('message', receive);
