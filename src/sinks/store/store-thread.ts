import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log.js';
import type { StoreConfig } from './config.js';
import { chunkTransfer, type ChunkColumn, type ColumnChunk } from './columns.js';
import { StoreWriter, zeroes, type WriterStats } from './store-writer.js';
import type { TableName } from './tables.js';

/** The worker's entry, compiled beside this file (dist/src/sinks/store/). */
const WORKER = new URL('./store-worker.js', import.meta.url);

/** Where a StoreSink's chunks go: a StoreWriter in this thread, or the store's own thread. */
export interface WriterPort {
  /** The writer's counts as last known (after each commit, failed ones included). */
  readonly stats: WriterStats;
  append(table: TableName, chunk: ColumnChunk): void;
  /** Chunks appended that the writer has not taken yet (waiting in its thread's message port). */
  readonly queued: number;
  /** Undefined when at most `max` chunks are queued; else resolves once they are (or once the writer is gone). */
  drained(max: number): Promise<void> | undefined;
  /** Commits every chunk appended before it: `true` once in the dataset, `false` when there was none; rejects if not committed. */
  commit(): Promise<boolean>;
  close(): Promise<void>;
}

/** A chunk's columns the writer is done with (their typed arrays are gathered into again: ColumnRows.recycle). */
export type Recycle = (table: TableName, columns: ChunkColumn[]) => void;

/** The writer in the caller's thread (tests of the store's logic). */
export const inThisThread = (writer: StoreWriter, recycle: Recycle): WriterPort & { writer: StoreWriter } => ({
  writer,
  stats: writer.stats,
  // The writer takes each chunk at once: nothing waits.
  queued: 0,
  drained: () => undefined,
  append: (table, chunk) => {
    writer.append(table, chunk);
    recycle(table, chunk.columns);
  },
  commit: () => writer.commit(),
  close: () => writer.close(),
});

/** Messages to the store's thread (store-worker.ts) and back. */
export type ToWriter = { op: 'append'; table: TableName; chunk: ColumnChunk } | { op: 'commit' | 'close'; id: number };
export type FromWriter =
  | { op: 'open'; error?: { message: string; code?: string } }
  | { op: 'done'; id: number; value?: boolean; error?: { message: string; code?: string }; stats: WriterStats }
  | { op: 'log'; level: 'info' | 'warn' | 'error'; obj: object; msg: string }
  | { op: 'free'; table: TableName; columns: ChunkColumn[] };

/** An error from the thread (store-worker.ts sends its message and code) as an Error again. */
const asError = ({ message, code }: { message: string; code?: string }): Error => Object.assign(new Error(message), code === undefined ? {} : { code });

/**
 * The StoreWriter in a worker thread of its own: DuckDB's appends (a native call per string value)
 * and the commits' statements run there, off the thread that parses and aggregates, which a
 * `replay --speed max` keeps busy and a live service keeps answering. Chunks are posted with their
 * typed arrays transferred; messages keep their order, so a commit covers every chunk posted before it.
 * The worker keeps the process alive only while a request waits for it.
 */
export class StoreThread implements WriterPort {
  stats: WriterStats = { written: zeroes(), commits: 0, failedCommits: 0 };
  private readonly requests = new Map<number, { resolve: (v: boolean | undefined) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  /**
   * Chunks posted and not yet taken by the thread (it answers each with `free` once DuckDB has it). A thread
   * starved of CPU (writerNice on a saturated host) takes them late; they wait in its port meanwhile.
   */
  queued = 0;
  /** Callers waiting for the queue to shrink to their bound (drained). */
  private waiters: { max: number; resolve: () => void }[] = [];
  /** Why the thread can take no more (it failed or exited): every later request is refused with it. */
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly log: Logger,
    private readonly recycle: Recycle,
  ) {}

  static open(config: StoreConfig, log: Logger, recycle: Recycle, entry = WORKER): Promise<StoreThread> {
    const worker = new Worker(entry, { workerData: { config } });
    const thread = new StoreThread(worker, log, recycle);
    return new Promise((resolve, reject) => {
      const failed = (err: Error) => {
        void worker.terminate();
        reject(err);
      };
      worker.once('error', failed);
      worker.once('exit', (code) => failed(new Error(`store: the writer thread exited (code ${code}) while opening ${config.dir}`)));
      worker.on('message', (m: FromWriter) => {
        if (m.op !== 'open') return thread.receive(m);
        worker.removeAllListeners('error').removeAllListeners('exit');
        if (m.error !== undefined) return failed(asError(m.error));
        worker.on('error', (err) => thread.fail(err));
        worker.on('exit', (code) => thread.fail(new Error(`store: the writer thread exited (code ${code})`)));
        worker.unref();
        resolve(thread);
      });
    });
  }

  append(table: TableName, chunk: ColumnChunk): void {
    if (this.failure) return; // the next commit (or close) is refused with the reason: nothing claims these rows are stored
    this.worker.postMessage({ op: 'append', table, chunk } satisfies ToWriter, chunkTransfer(chunk));
    this.queued += 1;
  }

  drained(max: number): Promise<void> | undefined {
    if (this.queued <= max || this.failure) return undefined;
    // A caller waits for the thread: as for a request, it keeps the process alive meanwhile (a replay waiting
    // here may have nothing else pending, and would end early).
    this.worker.ref();
    return new Promise((resolve) => this.waiters.push({ max, resolve }));
  }

  /** Wakes the waiters whose bound the queue is within now (all of them once the thread is gone). */
  private wake(): void {
    if (this.waiters.length === 0) return;
    const gone = this.failure !== undefined;
    const still = this.waiters.filter((w) => !gone && this.queued > w.max);
    for (const w of this.waiters) if (gone || this.queued <= w.max) w.resolve();
    this.waiters = still;
    if (still.length === 0 && this.requests.size === 0) this.worker.unref();
  }

  commit(): Promise<boolean> {
    return this.request('commit').then((v) => v === true);
  }

  async close(): Promise<void> {
    try {
      await this.request('close');
    } finally {
      this.failure ??= new Error('store: the writer is closed');
      this.wake();
      await this.worker.terminate();
    }
  }

  private request(op: 'commit' | 'close'): Promise<boolean | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    this.worker.ref();
    this.worker.postMessage({ op, id } satisfies ToWriter);
    return new Promise((resolve, reject) => this.requests.set(id, { resolve, reject }));
  }

  private receive(m: FromWriter): void {
    if (m.op === 'log') return void this.log[m.level](m.obj, m.msg);
    if (m.op === 'free') {
      this.queued -= 1;
      this.wake();
      return this.recycle(m.table, m.columns);
    }
    if (m.op !== 'done') return;
    this.stats = m.stats;
    const r = this.requests.get(m.id);
    this.requests.delete(m.id);
    if (this.requests.size === 0 && this.waiters.length === 0) this.worker.unref();
    if (m.error !== undefined) r?.reject(asError(m.error));
    else r?.resolve(m.value);
  }

  /** The thread failed or exited by itself (after close, its exit is expected: `failure` is set then). */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.log.error({ err }, 'store: the writer thread stopped; nothing more is stored by this process');
    for (const r of this.requests.values()) r.reject(err);
    this.requests.clear();
    // Nothing more is taken: a caller waiting for the queue goes on (its next commit is refused with the reason).
    this.wake();
  }
}

/**
 * The writer where it belongs: its own thread when `thread`, else this one. The worker is compiled
 * JavaScript (dist/); code run from its TypeScript sources (the unit tests, through the composition
 * roots too) has no worker file beside it and keeps the writer in its own thread, which behaves the same.
 */
export const openWriter = async (config: StoreConfig, log: Logger, thread: boolean, recycle: Recycle, entry = WORKER): Promise<WriterPort> =>
  thread && existsSync(fileURLToPath(entry)) ? StoreThread.open(config, log, recycle, entry) : inThisThread(await StoreWriter.open(config, log), recycle);
