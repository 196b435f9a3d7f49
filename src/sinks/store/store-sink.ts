import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { MinuteBucket } from '../../aggregate/minute-series.js';
import type { CascadeSignal } from '../../cascade/detector.js';
import type { Logger } from '../../log.js';
import type { NormalizedEvent } from '../../schema/events.js';
import type { Sink } from '../sink.js';
import type { StoreConfig } from './config.js';
import { compactTable, Dataset, newBatchId, stageTable } from './dataset.js';
import { appendCascade, appendGap, appendLiquidation, appendMinute, appendOnchain, appendOpenInterest, appendRetraction, TABLE_NAMES, TABLES, type TableName } from './tables.js';

interface Buffer {
  table: string;
  appender: DuckDBAppender;
  rows: number;
}

export interface StoreStats {
  /** Rows handed to the sink, per table. */
  received: Record<TableName, number>;
  /** Rows committed to the dataset (the rest were already there: same key). */
  written: Record<TableName, number>;
  commits: number;
  failedCommits: number;
  lastError?: string;
}

const zeroes = () => Object.fromEntries(TABLE_NAMES.map((t) => [t, 0])) as Record<TableName, number>;

/**
 * The history store as a sink: rows are appended to in-memory DuckDB tables as they come (off the
 * JS heap), and committed to the Parquet dataset every `flushMs` or `flushRows` (dataset.ts says how
 * a commit is all or nothing, and why a row is never stored twice). A commit that fails (disk full)
 * keeps its rows and is retried with the next one; close() fails if the last retry fails, so a
 * backfill never reports success with rows missing.
 */
export class StoreSink implements Sink {
  readonly name = 'store';
  readonly stats: StoreStats = { received: zeroes(), written: zeroes(), commits: 0, failedCommits: 0 };
  private readonly buffers = new Map<TableName, Buffer>();
  /** Buffer tables taken for a commit that has not succeeded yet, per table. */
  private readonly pending = new Map<TableName, string[]>();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastMaintenance = 0;
  private tables = 0;
  private waiting: { table: TableName; rows: number; write: (a: DuckDBAppender) => void }[] = [];
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly dataset: Dataset,
    private readonly config: StoreConfig,
    private readonly log: Logger,
    private readonly unlock: () => void,
  ) {}

  /** Opens (and recovers) the dataset at config.dir; DuckDB is loaded here, not at CLI start. */
  static async open(config: StoreConfig, log: Logger): Promise<StoreSink> {
    const dataset = new Dataset(config.dir);
    const unlock = dataset.lock();
    try {
      const recovered = dataset.recover();
      if (recovered.rolledForward || recovered.rolledBack) log.warn({ store: config.dir, ...recovered }, 'store: finished the commits of an interrupted writer');
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(':memory:', { threads: String(config.threads), memory_limit: config.memoryLimit });
      const conn = await instance.connect();
      const sink = new StoreSink(instance, conn, dataset, config, log, unlock);
      await sink.openBuffers(TABLE_NAMES);
      sink.timer = setInterval(() => void sink.flush().catch(() => {}), config.flushMs);
      sink.timer.unref();
      return sink;
    } catch (err) {
      unlock();
      throw err;
    }
  }

  onEvent(event: NormalizedEvent): void {
    this.onEvents([event]);
  }

  onEvents(events: readonly NormalizedEvent[]): void {
    for (const e of events) {
      if (e.type === 'liquidation') {
        this.append('liquidations', 1, (a) => appendLiquidation(a, e));
        if (e.onchain) this.append('onchain', 1, (a) => appendOnchain(a, { ...e, onchain: e.onchain! }));
      } else if (e.type === 'open_interest') this.append('open_interest', 1, (a) => appendOpenInterest(a, e));
      else if (e.type === 'gap') this.append('gaps', 1, (a) => appendGap(a, e));
      else if (e.type === 'retraction') this.append('retractions', 1, (a) => appendRetraction(a, e));
      // Funding is not stored yet (issue 21 adds its table).
    }
  }

  onMinuteClosed(minute: MinuteBucket, oiUsd: number | undefined): void {
    this.append('minutes', Object.keys(minute.byVenue).length + 1, (a) => appendMinute(a, minute, oiUsd));
  }

  /** Episodes are stored once, when they end (start and update signals are the live view of one). */
  onCascade(episode: CascadeSignal): void {
    if (episode.phase !== 'end') return;
    this.append('cascades', 1, (a) => appendCascade(a, episode));
  }

  /** Commits everything received so far (resolves once it is in the dataset, rejects if it is not). */
  flush(): Promise<void> {
    const next = this.chain.then(() => this.commit());
    this.chain = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    try {
      await this.flush();
      await this.maintain(true);
    } finally {
      this.conn.closeSync();
      this.instance.closeSync();
      this.unlock();
    }
  }

  /**
   * Appends to the table's buffer; while a commit is swapping buffers (creating an appender is
   * asynchronous) the row waits in `waiting` and is appended to the new buffer.
   */
  private append(table: TableName, rows: number, write: (a: DuckDBAppender) => void): void {
    this.stats.received[table] += rows;
    const b = this.buffers.get(table);
    if (!b) {
      this.waiting.push({ table, rows, write });
      return;
    }
    write(b.appender);
    b.rows += rows;
    if (b.rows >= this.config.flushRows) void this.flush().catch(() => {});
  }

  /** Fresh buffer tables (at open, and after each take), then the rows that waited for them. */
  private async openBuffers(tables: readonly TableName[]): Promise<void> {
    for (const t of tables) {
      const name = `buf_${t}_${this.tables++}`;
      await this.conn.run(`CREATE TABLE ${name} (${TABLES[t].buffer.map(([c, type]) => `${c} ${type}`).join(', ')})`);
      this.buffers.set(t, { table: name, appender: await this.conn.createAppender(name), rows: 0 });
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      const b = this.buffers.get(w.table)!;
      w.write(b.appender);
      b.rows += w.rows;
    }
  }

  private async commit(): Promise<void> {
    // Take the buffers with rows (synchronously, so nothing appended meanwhile is lost), then open new ones.
    const taken: TableName[] = [];
    for (const [t, b] of this.buffers) {
      if (b.rows === 0) continue;
      b.appender.flushSync();
      b.appender.closeSync();
      const list = this.pending.get(t) ?? [];
      list.push(b.table);
      this.pending.set(t, list);
      this.buffers.delete(t);
      taken.push(t);
    }
    await this.openBuffers(taken);
    if (this.pending.size === 0) return;
    const batch = newBatchId();
    try {
      const rows: Record<string, number> = {};
      for (const [t, names] of this.pending) {
        const source = names.length === 1 ? names[0]! : `(${names.map((n) => `SELECT * FROM ${n}`).join(' UNION ALL ')})`;
        rows[t] = await stageTable(this.conn, this.dataset, t, source, batch);
      }
      this.dataset.commit(batch, [], rows);
      for (const [t, n] of Object.entries(rows)) this.stats.written[t as TableName] += n;
      for (const names of this.pending.values()) for (const n of names) await this.conn.run(`DROP TABLE ${n}`);
      this.pending.clear();
      this.stats.commits += 1;
    } catch (err) {
      this.stats.failedCommits += 1;
      this.stats.lastError = err instanceof Error ? err.message : String(err);
      // Nothing of this batch is in the dataset (no commit record): drop what was staged, keep the rows.
      (await import('node:fs')).rmSync(this.dataset.stagingDir(batch), { recursive: true, force: true });
      this.log.error({ err, store: this.dataset.dir, rows: [...this.pending].map(([t, n]) => `${t}: ${n.length} buffers`) }, 'store: commit failed; its rows are kept and retried with the next commit');
      throw err;
    }
    await this.maintain(false);
  }

  /** Retention and compaction, at most every maintenanceMs (and at close). */
  private async maintain(force: boolean): Promise<void> {
    if (!force && Date.now() - this.lastMaintenance < this.config.maintenanceMs) return;
    this.lastMaintenance = Date.now();
    for (const t of TABLE_NAMES) {
      // On-chain detail and retractions live exactly as long as the liquidations they belong to (an expired
      // retraction beside a kept liquidation would count it again).
      const days = this.config.retentionDays[t === 'onchain' || t === 'retractions' ? 'liquidations' : t];
      if (days > 0) {
        const removed = this.dataset.expire(t, days, Date.now());
        if (removed) this.log.info({ table: t, partitions: removed, days }, 'store: expired day partitions');
      }
      // A compaction that fails leaves its partition as it was (its own commit): logged, and the rows already committed stay committed.
      await compactTable(this.conn, this.dataset, t, this.config.compactMinFiles).catch((err: unknown) => this.log.error({ err, table: t, store: this.dataset.dir }, 'store: compaction failed'));
    }
  }
}
