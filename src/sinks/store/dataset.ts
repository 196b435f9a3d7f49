import { closeSync, existsSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import type { SqlConnection } from './sql-here.js';
import { emptySelect, TABLES, type TableName } from './tables.js';

/**
 * The Parquet dataset on disk and how a batch becomes part of it, all or nothing:
 *
 *   1. each table's rows are written with COPY … PARTITION_BY into `_staging/<batch>/` (invisible:
 *      readers glob `table=*` only) and fsynced;
 *   2. the commit record `_log/<batch>.json`, listing those files (and, for a compaction, the files
 *      they replace), is written to a temporary name, fsynced and renamed: the commit point;
 *   3. the files are renamed into `table=<t>/venue=<v>/day=<d>/`, replaced files removed, and the
 *      record deleted.
 *
 * After a crash (kill -9) at any step, `recover` finishes every batch that has a record (roll
 * forward) and deletes every staging folder that has none (roll back). A batch is therefore in the
 * dataset completely or not at all; rows already there are never rewritten, and a re-sent row is
 * recognised by its key (see tables.ts) and not written again.
 */
export const CommitRecord = z.strictObject({
  batch: z.string().regex(/^[a-z0-9-]+$/),
  /** Paths relative to the dataset root, where the file ends up. */
  files: z.array(z.string()),
  replaces: z.array(z.string()).default([]),
  rows: z.record(z.string(), z.number().int()).default({}),
});
export type CommitRecord = z.infer<typeof CommitRecord>;

let counter = 0;
/** Unique across processes and restarts: file names never collide, so a rename never replaces data. */
export const newBatchId = (): string => `${Date.now().toString(36)}-${process.pid.toString(36)}-${(counter++).toString(36)}`;

/** A SQL string literal (our own paths only; user input never reaches SQL text, see history-api.ts). */
export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
export const sqlList = (xs: string[]): string => `[${xs.map(sqlString).join(', ')}]`;
export const HIVE = `hive_partitioning = true, hive_types = {'venue': VARCHAR, 'day': DATE}`;

function fsyncPath(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Directories cannot be opened for fsync on every platform; the data files were synced already.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** fsyncPath off the event loop (a commit's fsyncs would otherwise stall the replay or the live pipeline). */
async function fsyncPathAsync(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // As in fsyncPath.
  } finally {
    await handle?.close();
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  renameSync(tmp, path);
  await fsyncPathAsync(dirname(path));
}

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.parquet')) out.push(p);
  }
  return out;
}

function isDir(path: string): boolean {
  const target = statSync(path, { throwIfNoEntry: false });
  if (target) return target.isDirectory();
  // A partition linked to a disk that is not mounted: answering without its rows would be a silently wrong total.
  if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) throw new Error(`store: ${path} is a symlink to nothing; its rows cannot be read`);
  return false;
}

/**
 * Partition folders named `<prefix><value>` whose value passes `valid`: a copy left beside one
 * (`day=2025-10-10.bak`, `venue=okx copy`) is not a partition, or its rows would be read twice.
 * A symlinked folder counts (old days moved to another disk and linked back).
 */
const subdirs = (dir: string, prefix: string, valid: RegExp): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.startsWith(prefix) && valid.test(name.slice(prefix.length)) && isDir(join(dir, name)))
        .map((name) => name.slice(prefix.length))
    : [];

const VENUE_NAME = /^[a-z0-9-]+$/;
const DAY_NAME = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `dir` is missing, empty or a history store (it holds the store's own folders): `--store .` or a
 * mistyped path to some other folder is refused, rather than read as an empty store or written into.
 */
export function assertStore(dir: string): void {
  const names = isDir(dir) ? readdirSync(dir) : [];
  if (names.length > 0 && !names.some((n) => n.startsWith('table=') || n.startsWith('_')))
    throw new Error(`${dir} is not a history store: it holds no table=… folders`);
}

export class Dataset {
  constructor(readonly dir: string) {}

  tableDir(table: TableName): string {
    return join(this.dir, `table=${table}`);
  }

  partitionDir(table: TableName, venue: string, day: string): string {
    return join(this.tableDir(table), `venue=${venue}`, `day=${day}`);
  }

  /** The (venue, day) partitions of a table. */
  partitions(table: TableName): { venue: string; day: string }[] {
    const t = this.tableDir(table);
    return subdirs(t, 'venue=', VENUE_NAME).flatMap((venue) => subdirs(join(t, `venue=${venue}`), 'day=', DAY_NAME).map((day) => ({ venue, day })));
  }

  /** Committed files of a table, or of one partition: the Parquet files directly in its folder (a nested folder is not part of it). */
  files(table: TableName, partition?: { venue: string; day: string }): string[] {
    if (!partition) return this.partitions(table).flatMap((p) => this.files(table, p));
    const dir = this.partitionDir(table, partition.venue, partition.day);
    return existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.name.endsWith('.parquet') && !e.isDirectory())
          .map((e) => join(dir, e.name))
          .sort()
      : [];
  }

  /** Finishes or undoes what a crashed writer left (see the class comment). */
  recover(): { rolledForward: number; rolledBack: number } {
    const logDir = join(this.dir, '_log');
    let rolledForward = 0;
    let rolledBack = 0;
    const committed = new Set<string>();
    for (const name of existsSync(logDir) ? readdirSync(logDir) : []) {
      const path = join(logDir, name);
      if (!name.endsWith('.json')) {
        unlinkSync(path); // a record whose write never reached its rename: not committed
        continue;
      }
      const record = CommitRecord.parse(JSON.parse(readFileSync(path, 'utf8')));
      committed.add(record.batch);
      for (const d of this.moveIn(record)) fsyncPath(d);
      this.finish(record);
      rolledForward += 1;
    }
    const stagingRoot = join(this.dir, '_staging');
    for (const batch of existsSync(stagingRoot) ? readdirSync(stagingRoot) : []) {
      if (committed.has(batch)) continue;
      rmSync(join(stagingRoot, batch), { recursive: true, force: true });
      rolledBack += 1;
    }
    // What the last writer's DuckDB spilled and did not remove (it was killed, or its close failed).
    rmSync(this.spillDir(), { recursive: true, force: true });
    return { rolledForward, rolledBack };
  }

  /**
   * Where the writer's DuckDB spills what does not fit its memoryLimit: beside the data, on the store's disk,
   * not in the process's working folder (DuckDB's default `.tmp`), and emptied by the next writer's recover().
   */
  spillDir(): string {
    return join(this.dir, '_spill');
  }

  /** Commit records not yet applied completely (a commit in progress, or one a crash left). */
  pendingCommits(): CommitRecord[] {
    const logDir = join(this.dir, '_log');
    const out: CommitRecord[] = [];
    for (const name of existsSync(logDir) ? readdirSync(logDir) : []) {
      if (!name.endsWith('.json')) continue;
      try {
        out.push(CommitRecord.parse(JSON.parse(readFileSync(join(logDir, name), 'utf8'))));
      } catch {
        // Deleted meanwhile (applied): nothing pending.
      }
    }
    return out;
  }

  stagingDir(batch: string): string {
    return join(this.dir, '_staging', batch);
  }

  /** Step 2 and 3: commit the staged files of `batch` (final paths relative to the root). */
  async commit(batch: string, replaces: string[] = [], rows: Record<string, number> = {}): Promise<CommitRecord> {
    const stage = this.stagingDir(batch);
    const staged = walk(stage);
    await Promise.all(staged.map(fsyncPathAsync));
    const record: CommitRecord = { batch, files: staged.map((f) => relative(stage, f)), replaces: replaces.map((f) => relative(this.dir, f)), rows };
    if (record.files.length === 0 && record.replaces.length === 0) {
      rmSync(stage, { recursive: true, force: true });
      return record;
    }
    mkdirSync(join(this.dir, '_log'), { recursive: true });
    await writeAtomically(join(this.dir, '_log', `${batch}.json`), JSON.stringify(record));
    await Promise.all(this.moveIn(record).map(fsyncPathAsync));
    // Off the event loop: removing the emptied staging folders took ≈ 0.5 s of the replay's thread on the slice.
    for (const path of this.leftovers(record)) await rm(path, { recursive: true, force: true });
    return record;
  }

  /**
   * Step 3, idempotent (run again after a crash it completes what is left): the files moved into
   * place. Returns the folders they were moved into, to be fsynced before `finish`.
   */
  private moveIn(record: CommitRecord): string[] {
    const stage = this.stagingDir(record.batch);
    const dirs = new Set<string>();
    for (const f of record.files) {
      const from = join(stage, f);
      const to = join(this.dir, f);
      if (!existsSync(from)) continue; // moved before the crash
      mkdirSync(dirname(to), { recursive: true });
      renameSync(from, to);
      dirs.add(dirname(to));
    }
    return [...dirs];
  }

  /** The rest of step 3, once the moves are durable: replaced files, the staging folder and the record removed. */
  private finish(record: CommitRecord): void {
    for (const path of this.leftovers(record)) rmSync(path, { recursive: true, force: true });
  }

  /** What `finish` removes, in this order (the record last: until it is gone, a crash rolls the batch forward again). */
  private leftovers(record: CommitRecord): string[] {
    return [...record.replaces.map((f) => join(this.dir, f)), this.stagingDir(record.batch), join(this.dir, '_log', `${record.batch}.json`)];
  }

  /** Moves a file DuckDB cannot read out of the dataset (kept for inspection, never deleted). */
  quarantine(file: string): string {
    const to = join(this.dir, '_quarantine', `${Date.now()}-${relative(this.dir, file).replaceAll('/', '_')}`);
    mkdirSync(dirname(to), { recursive: true });
    renameSync(file, to);
    return to;
  }

  /** Deletes day partitions of `table` that ended more than `days` days before `now`. */
  expire(table: TableName, days: number, now: number): number {
    const cutoff = new Date(now - days * 86_400_000).toISOString().slice(0, 10);
    let removed = 0;
    for (const p of this.partitions(table))
      if (p.day < cutoff) {
        rmSync(this.partitionDir(table, p.venue, p.day), { recursive: true, force: true });
        removed += 1;
      }
    return removed;
  }

  /**
   * One writer at a time: a second process writing the same dataset could interleave commits with
   * this one's duplicate check. A lock left by a killed process (its pid is gone) is taken over.
   */
  lock(): () => void {
    assertStore(this.dir);
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, '_writer.lock');
    // The pid is written first and the lock linked to it (link fails if the lock exists): a lock file always holds
    // its writer's pid. Created empty then written, another writer could read it empty in between, take it for a
    // dead one's and remove it: two writers.
    const mine = join(this.dir, `_writer.lock.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}`);
    writeFileSync(mine, String(process.pid));
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          linkOrCreate(mine, path);
          return () => rmSync(path, { force: true });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          const held = (file: string) => {
            const pid = Number(readFileSync(file, 'utf8'));
            return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
          };
          const pid = held(path);
          if (pid !== undefined) throw new Error(`store ${this.dir} is being written by process ${pid} (${path})`);
          // A dead writer's lock, moved aside (atomic), then checked: another writer may have taken it over since
          // it was read; its fresh lock is put back, not removed.
          const aside = `${mine}.stale`;
          try {
            renameSync(path, aside);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
            throw e;
          }
          const taker = held(aside);
          if (taker !== undefined) {
            try {
              linkSync(aside, path);
            } finally {
              rmSync(aside, { force: true });
            }
            throw new Error(`store ${this.dir} is being written by process ${taker} (${path})`);
          }
          rmSync(aside, { force: true });
        }
      }
    } finally {
      rmSync(mine, { force: true });
    }
    throw new Error(`could not lock ${path}`);
  }
}

/** `lock` linked to `mine`; on a file system without hard links, created exclusively and written (the old way). */
function linkOrCreate(mine: string, lock: string): void {
  try {
    linkSync(mine, lock);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTSUP' && code !== 'EPERM' && code !== 'ENOSYS') throw err;
    const fd = openSync(lock, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The writer's index of stored keys (key-index.ts), as stageTable uses it: `sync` makes it hold the
 * partitions' keys and returns SQL true for a batch row (hash `_h`) that may be stored already;
 * `staged` hands it the hashes of the rows the batch will commit.
 */
export interface StoredKeys {
  sync(table: TableName, partitions: { venue: string; day: string }[]): Promise<string>;
  staged(table: TableName, w: string, partitions: { venue: string; day: string; n: number }[]): Promise<void>;
}

/**
 * Step 1 for one table: rows of `buffer` (a table of TABLES[table].buffer columns) not yet in the
 * dataset, written to the batch's staging folder. Returns the number of rows written.
 *
 * Without `index`, every batch is checked against all files of the partitions it touches. With it, only
 * the rows whose hash the index holds are (usually none: then no file is read).
 *
 * The usual batch (no copy of a key within it, no hash the index holds: every row of a backfill, and of a
 * live store but after a redelivery) is written from the buffer as it is: nothing is materialized, and each
 * statement decodes only the columns it reads. Any other batch is first made a table `w`, its copies
 * dropped and its stored rows deleted.
 */
export async function stageTable(conn: SqlConnection, ds: Dataset, table: TableName, buffer: string, batch: string, index?: StoredKeys): Promise<number> {
  const spec = TABLES[table];
  const key = spec.key.join(', ');
  const hashed = `(SELECT *, ${hashSql(table)} AS _h FROM (SELECT ${spec.select} FROM ${buffer}))`;
  // One pass for the partitions the batch touches and whether it holds copies of a key (few statements: on
  // a busy machine each one waits for DuckDB's threads, and the live store's lag is their sum). As many
  // distinct hashes as rows means as many distinct keys; fewer (a copy, or a collision in 2^64) is
  // counted exactly by key below.
  const partitions = async (from: string, distinct: string) =>
    (await conn.runAndReadAll(`SELECT venue, CAST(day AS VARCHAR) AS day, count(*) AS n, count(DISTINCT ${distinct}) AS d FROM ${from} GROUP BY ALL`)).getRowObjectsJson() as {
      venue: string;
      day: string;
      n: string;
      d: string;
    }[];
  let parts = await partitions(hashed, '_h');
  let candidates = 'true';
  let stored = true;
  if (index) {
    candidates = await index.sync(table, parts);
    stored = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${hashed} WHERE ${candidates}`)).getRows()[0]![0]) > 0;
  }
  let from = hashed;
  let n = parts.reduce((sum, p) => sum + Number(p.d), 0);
  if (stored || parts.some((p) => p.n !== p.d)) {
    from = 'w';
    await conn.run(`CREATE OR REPLACE TEMP TABLE w AS SELECT * FROM ${hashed}`);
    if (parts.some((p) => p.n !== p.d)) {
      parts = await partitions('w', `(${key})`);
      n = parts.reduce((sum, p) => sum + Number(p.d), 0);
      if (parts.some((p) => p.n !== p.d)) await conn.run(`CREATE OR REPLACE TEMP TABLE w AS SELECT * FROM w QUALIFY row_number() OVER (PARTITION BY venue, day, ${key}) = 1`);
    }
    const existing = stored ? parts.flatMap((p) => ds.files(table, p)) : [];
    if (existing.length) {
      const match = spec.key.map((k) => `e.${k} = w.${k}`).join(' AND ');
      await withUnreadable(ds, conn, table, existing, async () => {
        // Listed again on a retry: a quarantined file is gone, and with it maybe every file.
        const files = parts.flatMap((p) => ds.files(table, p));
        if (!files.length) return;
        const deleted = await conn.runAndReadAll(
          `DELETE FROM w WHERE ${candidates} AND EXISTS (SELECT 1 FROM read_parquet(${sqlList(files)}, ${HIVE}) e WHERE e.venue = w.venue AND e.day = w.day AND ${match})`,
        );
        n -= Number(deleted.getRows()[0]![0]);
      });
    }
  }
  if (n > 0) {
    mkdirSync(ds.stagingDir(batch), { recursive: true });
    // In arrival order, not sorted: a commit's file of a partition holds at most flushRows rows (one to
    // three row groups), so sorting it buys no pruning, and the sort was a quarter of the COPY's CPU.
    // Arrival order is near time order; compaction writes sorted files. zstd level 1 (not DuckDB's
    // default 3): a fifth less CPU for 5% more bytes; compaction rewrites files at the default level.
    // (docs/benchmarks.md, "Store write cost".)
    await conn.run(
      `COPY (SELECT * EXCLUDE (_h) FROM ${from}) TO ${sqlString(join(ds.stagingDir(batch), `table=${table}`))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, PARTITION_BY (venue, day), FILENAME_PATTERN ${sqlString(`part-${batch}-{i}`)})`,
    );
    // Per partition the batch's distinct keys: an upper bound of the rows it adds (the index's size bound needs no more).
    await index?.staged(table, from, parts.map((p) => ({ venue: p.venue, day: p.day, n: Number(p.d) })));
  }
  if (from === 'w') await conn.run('DROP TABLE w');
  return n;
}

/** The SQL hash of a row's (venue, day, key): the same value from a batch table and from the files. */
export const hashSql = (table: TableName): string => `hash(${['venue', 'day', ...TABLES[table].key].join(', ')})`;

const describe = async (conn: SqlConnection, sql: string): Promise<string> =>
  (await conn.runAndReadAll(`DESCRIBE ${sql}`))
    .getRowObjectsJson()
    .map((r) => `${String(r.column_name)} ${String(r.column_type)}`)
    .join(', ');

const FILE_COLUMNS: Partial<Record<TableName, string>> = {};

/**
 * Why `file` is not a file of `table`, or undefined when it is: DuckDB cannot read its metadata (a
 * truncated copy that still ends in PAR1), or its columns are not the table's (another table's file or
 * a foreign Parquet file: read beside the others it would count its rows as the table's, or fail every
 * read of the partition with a schema mismatch). Reads the file's metadata only.
 */
export async function fileProblem(conn: SqlConnection, table: TableName, file: string): Promise<string | undefined> {
  // A file holds the table's columns but the partition's (venue, day), which live in its path.
  const expected = (FILE_COLUMNS[table] ??= await describe(conn, `SELECT * EXCLUDE (venue, day) FROM (${emptySelect(table)})`));
  let actual: string;
  try {
    actual = await describe(conn, `SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`);
  } catch (err) {
    // Not the file's fault, and a verdict is kept for the file's life: a file deleted meanwhile (a
    // compaction; the caller lists again) or a check interrupted (a query's timeout) or out of memory.
    if (!existsSync(file) || /interrupt|out of memory/i.test((err as Error).message)) throw err;
    return `not readable Parquet: ${(err as Error).message.slice(0, 200)}`;
  }
  return actual === expected ? undefined : `columns are not those of ${table}: ${actual.slice(0, 200)}`;
}

/**
 * Runs `read` over existing files of `table`; when it fails because a file is not one of the table's
 * (fileProblem: a truncated copy, a stray or foreign file), that file is quarantined and `read` retried,
 * so one bad file cannot stop every later write to its partition.
 */
export async function withUnreadable<T>(ds: Dataset, conn: SqlConnection, table: TableName, files: string[], read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    const bad: string[] = [];
    for (const f of files) if ((await fileProblem(conn, table, f)) !== undefined) bad.push(f);
    if (bad.length === 0) throw err;
    for (const f of bad) ds.quarantine(f);
    return read();
  }
}

/**
 * The size tier of a file: 0 below 1 MiB, then one tier per 16× (1–16 MiB, 16–256 MiB, …). Compaction
 * merges files of one tier, so a row is rewritten about once per tier it climbs, and a compaction of a
 * live partition rewrites its recent small files, not the whole day (which would stall the next commit).
 */
export const sizeTier = (bytes: number): number => (bytes < 2 ** 20 ? 0 : 1 + Math.floor(Math.log(bytes / 2 ** 20) / Math.log(16)));

/**
 * In every partition of `table`, merges the files of a size tier that holds at least `minFiles` of them
 * into one file (a commit of its own), the lowest tier first, until no tier holds that many.
 */
export async function compactTable(
  conn: SqlConnection,
  ds: Dataset,
  table: TableName,
  minFiles: number,
  options: {
    /** Told which file replaced which, within the commit's turn. */
    onCompacted?: (file: string, replaced: string[]) => void;
    /** Runs the commit step in turn with the writer's own commits (the merge itself runs beside them). */
    serialize?: <T>(step: () => Promise<T>) => Promise<T>;
  } = {},
): Promise<number> {
  const serialize = options.serialize ?? ((step) => step());
  let compacted = 0;
  for (const p of ds.partitions(table)) {
    for (;;) {
      const tiers = new Map<number, string[]>();
      for (const f of ds.files(table, p)) {
        const size = statSync(f, { throwIfNoEntry: false })?.size;
        if (size !== undefined) tiers.set(sizeTier(size), [...(tiers.get(sizeTier(size)) ?? []), f]);
      }
      const tier = [...tiers.keys()].sort((a, b) => a - b).find((t) => tiers.get(t)!.length >= minFiles);
      if (tier === undefined) break;
      const files = tiers.get(tier)!;
      const batch = newBatchId();
      const to = join(ds.stagingDir(batch), relative(ds.dir, ds.partitionDir(table, p.venue, p.day)), `part-${batch}-0.parquet`);
      mkdirSync(dirname(to), { recursive: true });
      await withUnreadable(ds, conn, table, files, () =>
        conn.run(`COPY (SELECT * FROM read_parquet(${sqlList(ds.files(table, p).filter((f) => files.includes(f)))}, hive_partitioning = false) ORDER BY ${TABLES[table].time}) TO ${sqlString(to)} (FORMAT parquet, COMPRESSION zstd)`),
      );
      await serialize(async () => {
        // The files read (a quarantined one is not among them) are the files replaced.
        const replaced = ds.files(table, p).filter((f) => files.includes(f));
        await ds.commit(batch, replaced);
        options.onCompacted?.(join(ds.partitionDir(table, p.venue, p.day), `part-${batch}-0.parquet`), replaced);
      });
      compacted += 1;
    }
  }
  return compacted;
}
