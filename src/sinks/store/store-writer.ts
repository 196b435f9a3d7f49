import type { DuckDBAppender, DuckDBConnection, DuckDBDataChunk, DuckDBType } from '@duckdb/node-api';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreConfig } from './config.js';
import { bufferTableSql, chunkTypes, decodeSql, toDataChunks, type ColumnChunk } from './columns.js';
import { compactTable, Dataset, newBatchId, stageTable } from './dataset.js';
import { KeyIndex } from './key-index.js';
import { sqlHere, type SqlConnection } from './sql-here.js';
import { TABLE_NAMES, TABLES, type TableName } from './tables.js';

/** What the writer logs (a pino logger in-process; in the store's thread, one that posts to the main thread's). */
export interface WriterLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The writer's own counts (the sink adds what it received and what is durable). */
export interface WriterStats {
  /** Rows committed to the dataset (the rest were already there: same key). */
  written: Record<TableName, number>;
  commits: number;
  failedCommits: number;
  lastError?: string;
}

export const zeroes = (): Record<TableName, number> => Object.fromEntries(TABLE_NAMES.map((t) => [t, 0])) as Record<TableName, number>;

interface Buffer {
  table: string;
  appender: DuckDBAppender;
  rows: number;
}

/**
 * The DuckDB side of the history store: chunks of gathered rows are appended to in-memory DuckDB
 * tables (off the JS heap) and committed to the Parquet dataset when asked (dataset.ts says how a
 * commit is all or nothing, and why a row is never stored twice). A commit that fails (disk full)
 * keeps its rows and is retried with the next one. It runs in the store's own thread (store-thread.ts)
 * or in the caller's; StoreSink is the same either way.
 */
export class StoreWriter {
  readonly stats: WriterStats = { written: zeroes(), commits: 0, failedCommits: 0 };
  private readonly buffers = new Map<TableName, Buffer>();
  /** Buffer tables taken for a commit that has not succeeded yet, per table. */
  private readonly pending = new Map<TableName, string[]>();
  /** Per table and `code` column, the strings of its codes (grown by each chunk's fresh ones). */
  private readonly dictionaries = Object.fromEntries(TABLE_NAMES.map((t) => [t, TABLES[t].buffer.map(() => [] as string[])])) as Record<TableName, string[][]>;
  private chain: Promise<unknown> = Promise.resolve();
  private lastMaintenance = 0;
  /** Compaction running beside the commits (its own connection), if any. */
  private compaction: Promise<void> | undefined;
  private tables = 0;
  /** Chunks that came while a commit swaps buffers (creating an appender is asynchronous), per table. */
  private waiting: { table: TableName; chunk: DuckDBDataChunk; rows: number }[] = [];
  private closed = false;

  private constructor(
    /** Ends DuckDB (its connections, then the instance). */
    private readonly closeDuckDb: () => void,
    /** Commits' statements: run on this thread (sql-here.ts), at its priority. */
    private readonly conn: SqlConnection,
    /**
     * Compaction's: on libuv's pool, beside the commits (as DuckDB runs a statement by default). On this thread a
     * merge's tasks took turns with every commit's, and a live store's lag rose to 1.3 s during one (store-live bench).
     */
    private readonly compactConn: SqlConnection,
    /** The buffers' appenders: a connection of their own, so that an appender's flush never meets a statement under way on `conn`. */
    private readonly appends: DuckDBConnection,
    readonly dataset: Dataset,
    private readonly config: StoreConfig,
    private readonly log: WriterLog,
    private readonly unlock: () => void,
    private readonly index: KeyIndex,
    private readonly types: Record<TableName, DuckDBType[]>,
    private readonly createChunk: (types: readonly DuckDBType[], rows: number) => DuckDBDataChunk,
  ) {}

  /** Opens (and recovers) the dataset at config.dir; DuckDB is loaded here, not at CLI start. */
  static async open(config: StoreConfig, log: WriterLog): Promise<StoreWriter> {
    const dataset = new Dataset(config.dir);
    const unlock = dataset.lock();
    try {
      const recovered = dataset.recover();
      if (recovered.rolledForward || recovered.rolledBack) log.warn({ store: config.dir, ...recovered }, 'store: finished the commits of an interrupted writer');
      const { DuckDBInstance, DuckDBDataChunk, DuckDBPendingResultState } = await import('@duckdb/node-api');
      // One DuckDB thread: the statements run on this one (sql-here.ts), at its priority; `threads` is for queries.
      const instance = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: config.memoryLimit, temp_directory: dataset.spillDir() });
      const [conn, compactConn, appends] = [await instance.connect(), await instance.connect(), await instance.connect()];
      const closeDuckDb = () => {
        for (const c of [conn, compactConn, appends]) c.closeSync();
        instance.closeSync();
      };
      const sql = sqlHere(conn, DuckDBPendingResultState);
      const types = {} as Record<TableName, DuckDBType[]>;
      for (const t of TABLE_NAMES) types[t] = await chunkTypes(TABLES[t].buffer);
      const writer = new StoreWriter(
        closeDuckDb,
        sql,
        compactConn,
        appends,
        dataset,
        config,
        log,
        unlock,
        new KeyIndex(sql, dataset, config.keyIndexMaxKeys),
        types,
        (ts, n) => DuckDBDataChunk.create(ts, n),
      );
      await writer.openBuffers(TABLE_NAMES);
      return writer;
    } catch (err) {
      unlock();
      throw err;
    }
  }

  /** A chunk of gathered rows into the table's buffer (after its fresh dictionary strings). */
  append(table: TableName, chunk: ColumnChunk): void {
    const dictionaries = this.dictionaries[table];
    chunk.dictionaries.forEach((fresh, i) => fresh && dictionaries[i]!.push(...fresh));
    for (const data of toDataChunks(chunk, this.types[table], this.createChunk)) this.appendData(table, data, data.rowCount);
  }

  /** While a commit is swapping buffers a chunk waits in `waiting` and is appended to the new buffer. */
  private appendData(table: TableName, chunk: DuckDBDataChunk, rows: number): void {
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
      this.buffers.set(t, { table: name, appender: await this.appends.createAppender(name), rows: 0 });
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) this.appendData(w.table, w.chunk, w.rows);
  }

  /**
   * Commits every chunk appended before the call, in turn with earlier commits: resolves `true` once
   * they are in the dataset (`false`: there was nothing to commit), rejects if they are not (they are
   * kept for the next commit).
   */
  commit(): Promise<boolean> {
    const next = this.chain.then(() => this.commitNow());
    this.chain = next.catch(() => {});
    return next;
  }

  /** Ends the writer after the commits asked for (the caller commits first: StoreSink.close). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.chain;
      await this.compaction;
      // Retention and the last compaction only after a clean last commit (its rows are kept otherwise: the caller has its error).
      if (this.pending.size === 0) await this.maintain(true);
    } finally {
      this.closeDuckDb();
      this.unlock();
    }
  }

  private async commitNow(): Promise<boolean> {
    // Take the buffers with rows (synchronously, so nothing appended meanwhile is lost) and open new ones.
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
    if (this.pending.size === 0) return false;
    const batch = newBatchId();
    try {
      const rows: Record<string, number> = {};
      for (const [t, names] of this.pending) {
        const decoded = decodeSql(TABLES[t].buffer, this.dictionaries[t]);
        const source = `(${names.map((n) => `SELECT ${decoded} FROM ${n}`).join(' UNION ALL ')})`;
        rows[t] = await stageTable(this.conn, this.dataset, t, source, batch, this.index);
      }
      const record = await this.dataset.commit(batch, [], rows);
      await this.index.committed(record.files.map((f) => join(this.dataset.dir, f)));
      for (const [t, n] of Object.entries(rows)) this.stats.written[t as TableName] += n;
      for (const names of this.pending.values()) for (const n of names) await this.conn.run(`DROP TABLE ${n}`);
      this.pending.clear();
      this.stats.commits += 1;
    } catch (err) {
      this.stats.failedCommits += 1;
      this.stats.lastError = err instanceof Error ? err.message : String(err);
      // Nothing of this batch is in the dataset (no commit record): drop what was staged, keep the rows.
      await this.index.aborted().catch(() => {});
      try {
        rmSync(this.dataset.stagingDir(batch), { recursive: true, force: true });
      } catch {
        // The staging folder cannot be reached (what failed the commit, maybe): the next open's recovery removes what is left.
      }
      this.log.error({ err, store: this.dataset.dir, rows: [...this.pending].map(([t, n]) => `${t}: ${n.length} buffers`) }, 'store: commit failed; its rows are kept and retried with the next commit');
      throw err;
    }
    await this.maintain(false);
    return true;
  }

  /** Runs `step` in turn with the commits (a compaction's own commit). */
  private readonly serialize = <T>(step: () => Promise<T>): Promise<T> => {
    const next = this.chain.then(step);
    this.chain = next.catch(() => {});
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
