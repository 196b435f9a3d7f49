import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import type { Logger } from '../../log.js';
import { QueryBusyError, QueryTimeoutError } from '../history-reader.js';
import { assertStore, Dataset, fileProblem, HIVE, sqlList } from './dataset.js';
import { emptySelect, TABLE_NAMES, type TableName } from './tables.js';

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  /**
   * Per table, files of the query's partitions left out because they are not the table's (each logged once): a query
   * over a table with some answers from what could be read, and its sums and counts are lower bounds.
   */
  leftOut: Partial<Record<TableName, number>>;
}

/** Files left out of a query, per table. */
type LeftOut = QueryResult['leftOut'];

/** Which partitions a query needs: views leave out the others. */
export interface Scope {
  venue?: string;
  from?: number;
  to?: number;
}

const dayOf = (ms: number): string => new Date(Math.min(ms, 253_402_300_799_999)).toISOString().slice(0, 10);

export { QueryBusyError, QueryTimeoutError } from '../history-reader.js';

/** Size and modification time of a file ('' when it is gone). */
function fileStamp(path: string): string {
  const st = statSync(path, { throwIfNoEntry: false });
  return st === undefined ? '' : `${st.size}:${st.mtimeMs}`;
}

/** A Parquet file begins and ends with PAR1: a truncated or foreign file is left out of the views. */
function looksLikeParquet(path: string): boolean {
  let fd: number | undefined;
  try {
    const size = statSync(path).size;
    if (size < 12) return false;
    fd = openSync(path, 'r');
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    readSync(fd, tail, 0, 4, size - 4);
    return head.toString('latin1') === 'PAR1' && tail.toString('latin1') === 'PAR1';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Reads the dataset with DuckDB: each table is a view over its committed Parquet files (a table with
 * none is an empty view of the same columns). Views are rebuilt before every query, so files
 * committed, compacted or expired meanwhile are seen; a file that is not Parquet is skipped and
 * logged once. Queries are bounded in time (`timeoutMs`) and in number at once (`maxConcurrent`).
 */
export class StoreReader {
  /** Files found not to be their table's, each with its size and modification time then: one replaced since is checked again. */
  private readonly badFiles = new Map<string, string>();
  private readonly goodFiles = new Set<string>();
  private running = 0;
  /** The tables this reader has seen a folder of: one gone after that is an error, not an empty table. */
  private readonly sawTables = new Set<TableName>();

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly dataset: Dataset,
    private readonly log: Logger | undefined,
    private readonly limits: { timeoutMs: number; maxConcurrent: number; checkedFiles: number },
    /** Where this reader's DuckDB spills (its own folder, removed at close). */
    readonly spillDir: string,
  ) {}

  /**
   * `existing`: the store must be there already (liqstream query): a mistyped --store would
   * otherwise answer every query with no rows, as if nothing had been stored. A folder that is not a
   * store (assertStore) is refused either way.
   */
  static async open(
    dir: string,
    o: { log?: Logger; threads?: number; memoryLimit?: string; timeoutMs?: number; maxConcurrent?: number; existing?: boolean; checkedFiles?: number } = {},
  ): Promise<StoreReader> {
    if (o.existing && !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`no history store at ${dir}: no such directory`);
    assertStore(dir);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    // A query past memoryLimit spills into a folder of its own under the OS's temporary folder: DuckDB's default is `.tmp` in
    // the process's working folder (left there if the process is killed; a query fails there if that folder is not writable),
    // and the store's `_spill` is the writer's (emptied by its recovery, under a reader's feet).
    const spillDir = mkdtempSync(join(tmpdir(), 'liqstream-query-'));
    try {
      const instance = await DuckDBInstance.create(':memory:', { threads: String(o.threads ?? 2), memory_limit: o.memoryLimit ?? '1GB', temp_directory: spillDir });
      return new StoreReader(instance, new Dataset(dir), o.log, { timeoutMs: o.timeoutMs ?? 10_000, maxConcurrent: o.maxConcurrent ?? 4, checkedFiles: o.checkedFiles ?? 100_000 }, spillDir);
    } catch (err) {
      rmSync(spillDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Files of `table` that can be read (others are logged once, left out and counted in `leftOut`), in the
   * partitions of `scope`: one venue, days that overlap [from, to). Pruning by path keeps a query over one day of a
   * long history from opening every file.
   */
  private readableFiles(table: TableName, scope: Scope, leftOut: LeftOut): string[] {
    const fromDay = scope.from === undefined ? '' : dayOf(scope.from);
    const toDay = scope.to === undefined ? '9999-12-31' : dayOf(Math.max(0, scope.to - 1));
    const partitions = this.dataset.partitions(table).filter((p) => (scope.venue === undefined || p.venue === scope.venue) && p.day >= fromDay && p.day <= toDay);
    return partitions.flatMap((p) => this.dataset.files(table, p)).filter((f) => {
      const bad = this.stillBad(f);
      if (!bad && looksLikeParquet(f)) return true;
      if (!bad) {
        this.markBad(f);
        this.log?.error({ file: f, table }, 'store: file is not Parquet; left out of queries');
      }
      leftOut[table] = (leftOut[table] ?? 0) + 1;
      return false;
    });
  }

  /**
   * A compaction renames its file in before it deletes the files it replaces: a listing in between
   * would read those rows twice. Files named as replaced by a commit in progress are left out, and a
   * listing during which a commit started or ended is taken again. (A replaced file deleted after the
   * listing fails the query, which is retried once: see query.)
   */
  private consistentFiles(scope: Scope): { files: Record<TableName, string[]>; leftOut: LeftOut } {
    // A store moved away or deleted under a running process answered every query with no rows, as if nothing
    // had been stored (a store not yet written, whose folder does not exist, still answers none).
    for (const t of TABLE_NAMES) {
      if (statSync(this.dataset.tableDir(t), { throwIfNoEntry: false })?.isDirectory()) this.sawTables.add(t);
      else if (this.sawTables.has(t)) throw new Error(`history store ${this.dataset.dir}: table ${t} is gone (moved or deleted while this process reads it); its rows cannot be read`);
    }
    for (let attempt = 0; ; attempt++) {
      const before = this.dataset.pendingCommits();
      const leftOut: LeftOut = {};
      const files = Object.fromEntries(TABLE_NAMES.map((t) => [t, this.readableFiles(t, scope, leftOut)])) as Record<TableName, string[]>;
      const after = this.dataset.pendingCommits();
      // A writer committing without pause could keep this going: after a few tries the last listing is used.
      if (before.map((c) => c.batch).join() !== after.map((c) => c.batch).join() && attempt < 20) continue;
      const replaced = new Set(after.flatMap((c) => c.replaces.map((f) => join(this.dataset.dir, f))));
      for (const t of TABLE_NAMES) files[t] = files[t].filter((f) => !replaced.has(f));
      return { files, leftOut };
    }
  }

  /**
   * `files` less those that are not the table's (fileProblem), each checked once: files are never
   * rewritten (a compaction writes a new name), so a verdict holds for the file's life.
   */
  private async verified(conn: DuckDBConnection, table: TableName, files: string[], leftOut: LeftOut): Promise<string[]> {
    const out: string[] = [];
    const problems = await this.problems(conn, table, files.filter((f) => !this.goodFiles.has(f) && !this.stillBad(f)));
    for (const f of files) {
      if (!this.goodFiles.has(f)) {
        if (this.stillBad(f)) {
          leftOut[table] = (leftOut[table] ?? 0) + 1;
          continue;
        }
        const problem = problems.get(f);
        if (problem !== undefined) {
          this.markBad(f);
          this.log?.error({ file: f, table, problem }, 'store: file is not one of the table; left out of queries');
          leftOut[table] = (leftOut[table] ?? 0) + 1;
          continue;
        }
        // A live store makes a file every few seconds per partition and compaction retires them: the
        // names of checked files are kept up to a bound, past which the oldest is checked again when met.
        if (this.goodFiles.size >= this.limits.checkedFiles) this.goodFiles.delete(this.goodFiles.values().next().value!);
        this.goodFiles.add(f);
      }
      out.push(f);
    }
    return out;
  }

  /**
   * fileProblem of each file, found in one statement for many: the files' Parquet schemas are read
   * together and grouped, and one file of each distinct schema is checked (the verdict is a function
   * of the schema). A fresh process over 90 days meets about a thousand files; one DESCRIBE each took
   * seconds. If the schemas cannot be read together (a file that is not readable Parquet), each file
   * is checked alone.
   */
  private async problems(conn: DuckDBConnection, table: TableName, files: string[]): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    if (files.length === 0) return out;
    let schemas: { file_name: string; schema: string }[] | undefined;
    if (files.length > 1)
      try {
        schemas = (await conn.runAndReadAll(`SELECT file_name, string_agg(name || ' ' || coalesce(duckdb_type, type, '') || ' ' || coalesce(repetition_type, ''), ', ' ORDER BY column_id) AS schema FROM parquet_schema(${sqlList(files)}) GROUP BY file_name`)).getRowObjectsJson() as typeof schemas;
      } catch {
        schemas = undefined;
      }
    const named = new Set(schemas?.map((r) => r.file_name));
    if (!schemas || schemas.length !== files.length || !files.every((f) => named.has(f))) {
      for (const f of files) out.set(f, await fileProblem(conn, table, f));
      return out;
    }
    const verdict = new Map<string, string | undefined>();
    for (const { file_name: f, schema } of schemas) {
      if (!verdict.has(schema)) verdict.set(schema, await fileProblem(conn, table, f));
      out.set(f, verdict.get(schema));
    }
    return out;
  }

  private markBad(file: string): void {
    this.badFiles.set(file, fileStamp(file));
  }

  /** Whether `file` was found bad and has not been replaced since (restored from a backup, say). */
  private stillBad(file: string): boolean {
    const stamp = this.badFiles.get(file);
    if (stamp === undefined) return false;
    if (stamp === fileStamp(file)) return true;
    this.badFiles.delete(file);
    return false;
  }

  /** The views of `scope`'s partitions; returns the files left out, per table (not the table's). */
  private async defineViews(conn: DuckDBConnection, scope: Scope): Promise<LeftOut> {
    const { files: all, leftOut } = this.consistentFiles(scope);
    for (const t of TABLE_NAMES) {
      const files = await this.verified(conn, t, all[t], leftOut);
      await conn.run(`CREATE OR REPLACE TEMP VIEW ${t} AS ${files.length ? `SELECT * EXCLUDE ("table") FROM read_parquet(${sqlList(files)}, ${HIVE})` : emptySelect(t)}`);
    }
    return leftOut;
  }

  /**
   * Runs one statement over the views with bound parameters ($1, $2, …). A file removed by a
   * concurrent compaction or expiry between listing and reading fails the first try; it is retried once.
   */
  async query(sql: string, params: DuckDBValue[] = [], o: { json?: boolean; scope?: Scope } = {}): Promise<QueryResult> {
    if (this.running >= this.limits.maxConcurrent) throw new QueryBusyError(`${this.running} history queries are running; try again`);
    this.running += 1;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.once(sql, params, o.json ?? true, o.scope ?? {});
        } catch (err) {
          if (attempt < 3 && /No such file|not found|No files found/i.test(String(err))) continue;
          throw err;
        }
      }
    } finally {
      this.running -= 1;
    }
  }

  private async once(sql: string, params: DuckDBValue[], json: boolean, scope: Scope): Promise<QueryResult> {
    const conn = await this.instance.connect();
    let timedOut = false;
    let again: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
      // An interrupt finds only a statement that runs: one still queued behind busy libuv threads (which run DuckDB's
      // calls), or between the views and the query, would start after it and run to its end. Asked again until done.
      again = setInterval(() => conn.interrupt(), 50);
    }, this.limits.timeoutMs);
    try {
      const leftOut = await this.defineViews(conn, scope);
      const reader = await conn.runAndReadAll(sql, params);
      return { columns: reader.columnNames(), rows: json ? reader.getRowObjectsJson() : reader.getRowObjects(), leftOut };
    } catch (err) {
      if (timedOut) throw new QueryTimeoutError(`query stopped after ${this.limits.timeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
      clearInterval(again);
      conn.closeSync();
    }
  }

  /** Writes the result of `sql` as a Parquet file (liqstream query --format parquet). */
  async toParquet(sql: string, out: string): Promise<void> {
    const conn = await this.instance.connect();
    try {
      await this.defineViews(conn, {});
      const { sqlString } = await import('./dataset.js');
      // A view, not COPY (<sql>): the statement's own end (a semicolon, a trailing -- comment) then ends the view's.
      await conn.run(`CREATE TEMP VIEW liqstream_out AS ${sql}`);
      await conn.run(`COPY (SELECT * FROM liqstream_out) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`);
    } finally {
      conn.closeSync();
    }
  }

  /** How many files are remembered as checked (bounded by `checkedFiles`). */
  get checkedFiles(): number {
    return this.goodFiles.size;
  }

  close(): void {
    this.instance.closeSync();
    rmSync(this.spillDir, { recursive: true, force: true });
  }
}
