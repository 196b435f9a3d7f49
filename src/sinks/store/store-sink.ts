import type { DuckDBAppender, DuckDBConnection, DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import type { MinuteBucket } from '../../aggregate/minute-series.js';
import type { CascadeSignal } from '../../cascade/detector.js';
import type { Logger } from '../../log.js';
import type { NormalizedEvent } from '../../schema/events.js';
import type { Sink } from '../sink.js';
import type { StoreConfig } from './config.js';
import { bufferTableSql, chunkTypes, ColumnRows, decodeSql } from './columns.js';
import { join } from 'node:path';
import { compactTable, Dataset, newBatchId, stageTable } from './dataset.js';
import { KeyIndex } from './key-index.js';
import { TABLE_NAMES, TABLES, writeCascade, writeGap, writeLiquidation, writeMinute, writeOnchain, writeOpenInterest, writeRetraction, type TableName } from './tables.js';

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
  /** Of the rows received, how many are durable and queryable (committed, or found already stored): received − durable is the commit lag in rows. */
  durable: Record<TableName, number>;
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
  readonly stats: StoreStats = { received: zeroes(), written: zeroes(), durable: zeroes(), commits: 0, failedCommits: 0 };
  private readonly buffers = new Map<TableName, Buffer>();
  /** Rows given since the last commit started, per table (flushRows). */
  private readonly buffered = zeroes();
  /** Buffer tables taken for a commit that has not succeeded yet, per table. */
  private readonly pending = new Map<TableName, string[]>();
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastMaintenance = 0;
  /** Compaction running beside the commits (its own connection), if any. */
  private compaction: Promise<void> | undefined;
  private compactConn!: DuckDBConnection;
  private tables = 0;
  /** Chunks gathered while a commit swaps buffers (creating an appender is asynchronous), per table. */
  private waiting: { table: TableName; chunk: DuckDBDataChunk; rows: number }[] = [];
  private rows!: Record<TableName, ColumnRows>;
  private closed = false;
  private index!: KeyIndex;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    readonly dataset: Dataset,
    private readonly config: StoreConfig,
    private readonly log: Logger,
    private readonly unlock: () => void,
    private readonly onCommitted?: (durable: Record<TableName, number>) => void,
  ) {}

  /**
   * Opens (and recovers) the dataset at config.dir; DuckDB is loaded here, not at CLI start.
   * `bySizeOnly`: commit when flushRows are buffered and at close, not every flushMs (a backfill).
   * `onCommitted`: told after each commit how many rows of each table received so far are durable.
   */
  static async open(config: StoreConfig, log: Logger, options: { bySizeOnly?: boolean; onCommitted?: (durable: Record<TableName, number>) => void } = {}): Promise<StoreSink> {
    const dataset = new Dataset(config.dir);
    const unlock = dataset.lock();
    try {
      const recovered = dataset.recover();
      if (recovered.rolledForward || recovered.rolledBack) log.warn({ store: config.dir, ...recovered }, 'store: finished the commits of an interrupted writer');
      const { DuckDBInstance, DuckDBDataChunk } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(':memory:', { threads: String(config.threads), memory_limit: config.memoryLimit });
      const conn = await instance.connect();
      const sink = new StoreSink(instance, conn, dataset, config, log, unlock, options.onCommitted);
      const rows = {} as Record<TableName, ColumnRows>;
      for (const t of TABLE_NAMES)
        rows[t] = new ColumnRows(TABLES[t].buffer, await chunkTypes(TABLES[t].buffer), (types, n) => DuckDBDataChunk.create(types, n), (chunk, n) => sink.appendChunk(t, chunk, n));
      sink.rows = rows;
      sink.index = new KeyIndex(conn, dataset, config.keyIndexMaxKeys);
      sink.compactConn = await instance.connect();
      await sink.openBuffers(TABLE_NAMES);
      // A backfill commits by size only: a commit every flushMs adds files (and work) without making anything visible sooner that matters.
      if (!options.bySizeOnly) {
        sink.timer = setInterval(() => void sink.flush().catch(() => {}), config.flushMs);
        sink.timer.unref();
      }
      return sink;
    } catch (err) {
      unlock();
      throw err;
    }
  }

  /** One event (the Sink hook); `onEvents` is the same for a list. */
  onEvent(e: NormalizedEvent): void {
    if (e.type === 'liquidation') {
      writeLiquidation(this.rows.liquidations, e);
      this.received('liquidations', 1);
      if (e.onchain) {
        writeOnchain(this.rows.onchain, { ...e, onchain: e.onchain });
        this.received('onchain', 1);
      }
    } else if (e.type === 'open_interest') {
      writeOpenInterest(this.rows.open_interest, e);
      this.received('open_interest', 1);
    } else if (e.type === 'gap') {
      writeGap(this.rows.gaps, e);
      this.received('gaps', 1);
    } else if (e.type === 'retraction') {
      writeRetraction(this.rows.retractions, e);
      this.received('retractions', 1);
    }
    // Funding is not stored yet (market state; issue 21 keeps the last per market in the aggregator).
  }

  onEvents(events: readonly NormalizedEvent[]): void {
    for (const e of events) this.onEvent(e);
  }

  onMinuteClosed(minute: MinuteBucket, oiUsd: number | undefined): void {
    this.received('minutes', writeMinute(this.rows.minutes, minute, oiUsd));
  }

  /** Episodes are stored once, when they end (start and update signals are the live view of one). */
  onCascade(episode: CascadeSignal): void {
    if (episode.phase !== 'end') return;
    writeCascade(this.rows.cascades, episode);
    this.received('cascades', 1);
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
      await this.compaction;
      await this.maintain(true);
    } finally {
      this.compactConn.closeSync();
      this.conn.closeSync();
      this.instance.closeSync();
      this.unlock();
    }
  }

  /** Counts rows given to a table's buffer; enough of them start a commit. */
  private received(table: TableName, rows: number): void {
    this.stats.received[table] += rows;
    this.buffered[table] += rows;
    if (this.buffered[table] >= this.config.flushRows) {
      this.buffered[table] = 0;
      void this.flush().catch(() => {});
    }
  }

  /**
   * A chunk of gathered rows into the table's buffer; while a commit is swapping buffers it waits
   * in `waiting` and is appended to the new buffer.
   */
  private appendChunk(table: TableName, chunk: DuckDBDataChunk, rows: number): void {
    const b = this.buffers.get(table);
    if (!b) {
      this.waiting.push({ table, chunk, rows });
      return;
    }
    b.appender.appendDataChunk(chunk);
    b.rows += rows;
  }

  /** Fresh buffer tables (at open, and after each take), then the chunks that waited for them. */
  private async openBuffers(tables: readonly TableName[]): Promise<void> {
    for (const t of tables) {
      const name = `buf_${t}_${this.tables++}`;
      await this.conn.run(`CREATE TABLE ${name} (${bufferTableSql(TABLES[t].buffer)})`);
      this.buffers.set(t, { table: name, appender: await this.conn.createAppender(name), rows: 0 });
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) this.appendChunk(w.table, w.chunk, w.rows);
  }

  private async commit(): Promise<void> {
    // The rows still gathering in JS go to their buffers; then take the buffers with rows
    // (synchronously, so nothing appended meanwhile is lost) and open new ones.
    for (const t of TABLE_NAMES) this.rows[t].drain();
    for (const t of TABLE_NAMES) this.buffered[t] = 0;
    const through = { ...this.stats.received };
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
    if (this.pending.size === 0) {
      this.stats.durable = through;
      return;
    }
    const batch = newBatchId();
    try {
      const rows: Record<string, number> = {};
      for (const [t, names] of this.pending) {
        const decoded = decodeSql(TABLES[t].buffer, this.rows[t].dictionaries);
        const source = `(${names.map((n) => `SELECT ${decoded} FROM ${n}`).join(' UNION ALL ')})`;
        rows[t] = await stageTable(this.conn, this.dataset, t, source, batch, this.index);
      }
      const record = await this.dataset.commit(batch, [], rows);
      await this.index.committed(record.files.map((f) => join(this.dataset.dir, f)));
      for (const [t, n] of Object.entries(rows)) this.stats.written[t as TableName] += n;
      for (const names of this.pending.values()) for (const n of names) await this.conn.run(`DROP TABLE ${n}`);
      this.pending.clear();
      this.stats.commits += 1;
      this.stats.durable = through;
      this.onCommitted?.(through);
    } catch (err) {
      this.stats.failedCommits += 1;
      this.stats.lastError = err instanceof Error ? err.message : String(err);
      // Nothing of this batch is in the dataset (no commit record): drop what was staged, keep the rows.
      await this.index.aborted().catch(() => {});
      (await import('node:fs')).rmSync(this.dataset.stagingDir(batch), { recursive: true, force: true });
      this.log.error({ err, store: this.dataset.dir, rows: [...this.pending].map(([t, n]) => `${t}: ${n.length} buffers`) }, 'store: commit failed; its rows are kept and retried with the next commit');
      throw err;
    }
    await this.maintain(false);
  }

  /** Runs `step` in turn with the commits (a compaction's own commit). */
  private readonly serialize = <T>(step: () => Promise<T>): Promise<T> => {
    const next = this.chain.then(step);
    this.chain = next.then(
      () => {},
      () => {},
    );
    return next;
  };

  /**
   * Retention and compaction, at most every maintenanceMs (and at close). Live, compaction merges on a
   * connection of its own beside the commits, only its commit step taking a turn among them: a merge of
   * many files would otherwise hold up the next commits, and the live lag with them.
   */
  private async maintain(force: boolean): Promise<void> {
    if (this.compaction && !force) return;
    await this.compaction;
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
    }
    const compact = async () => {
      for (const t of TABLE_NAMES)
        // A compaction that fails leaves its partition as it was (its own commit): logged, and the rows already committed stay committed.
        await compactTable(this.compactConn, this.dataset, t, this.config.compactMinFiles, {
          onCompacted: (file, replaced) => this.index.compacted(file, replaced),
          serialize: force ? undefined : this.serialize,
        }).catch((err: unknown) => this.log.error({ err, table: t, store: this.dataset.dir }, 'store: compaction failed'));
    };
    if (force) return compact();
    this.compaction = compact().finally(() => (this.compaction = undefined));
  }
}
