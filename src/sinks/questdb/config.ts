import { z } from 'zod';

const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port');

/** `store.questdb:` in the config (used when `store.kind` is questdb); every default is stated here once (docs/history.md). */
export const QuestDbConfig = z.strictObject({
  /** ILP over HTTP (QuestDB's REST port): acknowledged writes, retried by the client. */
  http: hostPort.default('127.0.0.1:9000'),
  /** The PostgreSQL wire: table creation and /api/history reads. */
  pg: hostPort.default('127.0.0.1:8812'),
  /** QuestDB's built-in defaults; set both from the environment (LIQSTREAM_STORE__QUESTDB__PASSWORD) in production. */
  username: z.string().min(1).default('admin'),
  password: z.string().default('quest'),
  database: z.string().min(1).default('qdb'),
  /** Buffered rows are sent at least this often (ms)... */
  flushMs: z.number().int().min(50).max(2 ** 31 - 1).default(1_000),
  /** ...and as soon as this many are buffered; one HTTP request carries at most this many rows. */
  flushRows: z.number().int().min(1).default(10_000),
  /**
   * Rows kept while QuestDB does not answer. Past it the oldest are dropped, counted and logged with
   * their time range (a restart within aggregator.rebuildMs, or `store import`, writes them again).
   */
  maxBufferedRows: z.number().int().min(1).default(1_000_000),
  /** One ILP request may take this long before it counts as failed (a frozen server). */
  requestTimeoutMs: z.number().int().min(100).max(2 ** 31 - 1).default(10_000),
  /** A history query is stopped after this long (504). */
  queryTimeoutMs: z.number().int().min(100).max(2 ** 31 - 1).default(10_000),
  /** History queries at once (503 beyond). */
  maxConcurrent: z.number().int().min(1).max(64).default(4),
});
export type QuestDbConfig = z.infer<typeof QuestDbConfig>;
