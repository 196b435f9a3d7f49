import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { chunkTransfer } from './columns.js';
import type { StoreConfig } from './config.js';
import type { FromWriter, ToWriter } from './store-thread.js';
import { StoreWriter, type WriterLog } from './store-writer.js';
import { writerPriority } from './writer-priority.js';

// The store's thread (store-thread.ts): a StoreWriter driven by the main thread's messages.
const port = parentPort!;
const post = (m: FromWriter) => port.postMessage(m);
const logAt =
  (level: 'info' | 'warn' | 'error') =>
  (obj: object, msg: string): void => {
    try {
      post({ op: 'log', level, obj, msg });
    } catch {
      // Something in obj cannot be cloned: the message and its text still reach the log.
      post({ op: 'log', level, obj: { detail: String(obj) }, msg });
    }
  };
const log: WriterLog = { info: logAt('info'), warn: logAt('warn'), error: logAt('error') };

/** An error as plain data (a DuckDB or file system error may hold what a message cannot carry). */
const plain = (e: unknown) => (e instanceof Error ? { message: e.message, code: (e as NodeJS.ErrnoException).code } : { message: String(e) });

const { config } = workerData as { config: StoreConfig };
// Relative to the pipeline's: an absolute value would raise the writer above a pipeline already niced
// (`nice -n 15`, systemd's Nice=), as root, and fail as another user.
const nice = writerPriority(process.platform, getPriority(), config.writerNice);
try {
  // This thread only: DuckDB runs the writer's statements here (sql-here.ts).
  if (nice !== undefined) setPriority(nice);
} catch (err) {
  log.warn({ err: plain(err), nice }, 'store: could not lower the writer thread\'s priority; it shares the CPU with the pipeline as an equal');
}
try {
  const writer = await StoreWriter.open(config, log);
  port.on('message', (m: ToWriter) => {
    if (m.op === 'append') {
      writer.append(m.table, m.chunk);
      // DuckDB holds its own copy now: the typed arrays go back to be gathered into again.
      const columns = m.chunk.columns.map((c) => (Array.isArray(c) ? [] : c));
      return port.postMessage({ op: 'free', table: m.table, columns } satisfies FromWriter, chunkTransfer(m.chunk));
    }
    const done = m.op === 'commit' ? writer.commit() : writer.close().then(() => undefined);
    done.then(
      (value) => post({ op: 'done', id: m.id, value, stats: writer.stats }),
      (error: unknown) => post({ op: 'done', id: m.id, error: plain(error), stats: writer.stats }),
    );
    if (m.op === 'close') void done.finally(() => port.close());
  });
  post({ op: 'open' });
} catch (error) {
  post({ op: 'open', error: plain(error) });
}
