import { z } from 'zod';
import { QuestDbConfig } from '../questdb/config.js';

const keepDays = z.number().int().min(0).default(0);

/** `store:` in the config; every default is stated here once (docs/history.md). */
export const StoreConfig = z.strictObject({
  /** parquet: the embedded DuckDB/Parquet dataset in `dir`; questdb: a QuestDB server (`questdb:`), shared by many aggregators. */
  kind: z.enum(['parquet', 'questdb']).default('parquet'),
  questdb: QuestDbConfig.prefault({}),
  /** run/aggregate write the store when true (replay and import take --store DIR instead). */
  enabled: z.boolean().default(false),
  dir: z.string().min(1).default('data/store'),
  /** Buffered rows are committed at least this often (ms)... */
  // 250 ms: the live lag is flushMs plus one commit, and the issue asks p99 < 1 s at 2,000 events/s (docs/benchmarks.md, store-live).
  flushMs: z.number().int().min(100).max(2 ** 31 - 1).default(250), // a timer: node makes a larger one 1 ms
  /** ...and as soon as this many are buffered. */
  flushRows: z.number().int().min(1).default(250_000),
  /** Files of one size tier (below 1 MiB, 1–16 MiB, 16–256 MiB, …) in a day partition: this many or more are merged into one. */
  compactMinFiles: z.number().int().min(2).default(16),
  /** Compaction and retention run after a commit at most this often (ms), and at close. */
  maintenanceMs: z.number().int().min(1_000).default(60_000),
  /** Days of each table kept, by day partition against the wall clock; 0 keeps everything. */
  retentionDays: z
    .strictObject({ liquidations: keepDays, open_interest: keepDays, gaps: keepDays, minutes: keepDays, cascades: keepDays })
    .prefault({}),
  /**
   * Keys the writer keeps in memory to check a batch against what is stored without reading the files
   * (key-index.ts): 12 bytes each in DuckDB's memory; past it the partitions touched longest ago are dropped.
   */
  keyIndexMaxKeys: z.number().int().min(0).default(10_000_000),
  /** DuckDB's threads for each query (`liqstream query`, /api/history); the writer runs its statements on its own thread. */
  threads: z.number().int().min(1).max(64).default(2),
  /**
   * How much lower the writer thread's CPU priority is than the pipeline's: added to the process's nice value
   * (the thread's is at most 19; higher is lower priority), so a process started niced keeps its writer below
   * it. The store keeps up with what a busy machine leaves after parsing, aggregating and answering the API,
   * its lag growing instead of theirs. 0 gives it the pipeline's own priority.
   */
  writerNice: z.number().int().min(0).max(19).default(10),
  /**
   * Chunks (of up to 16,384 rows) handed to the writer's thread and not yet taken by it: past this many, the
   * pipeline waits after each batch of events until the writer has taken enough (the queue grew without bound:
   * 56–63 chunks in a 1M-row bench). A replay or import waits as long as it takes; `run`/`aggregate`
   * at most `maxWaitMs` (docs/history.md, "Backpressure").
   */
  maxQueuedChunks: z.number().int().min(1).default(8),
  /** `run`/`aggregate`: the longest the pipeline waits for a writer past maxQueuedChunks, then goes on without waiting until it has caught up. */
  // At most a timer's range (2^31 - 1 ms): Node fires a longer timeout after 1 ms, so every live wait ran out at once.
  maxWaitMs: z.number().int().min(0).max(2_147_483_647).default(1_000),
  /** DuckDB's memory limit for the writer and for each query. */
  memoryLimit: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/).default('1GB'),
});
export type StoreConfig = z.infer<typeof StoreConfig>;
