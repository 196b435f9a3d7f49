import { hashSql, HIVE, sqlList, sqlString, withUnreadable, type Dataset, type StoredKeys } from './dataset.js';
import type { SqlConnection } from './sql-here.js';
import type { TableName } from './tables.js';

/**
 * The writer's index of the keys already stored, so that a commit checks its batch against memory
 * instead of reading every file of the partitions it touches (that read grew with the partition: the
 * day's largest took 0.1–0.2 s of CPU a commit, and a live partition grows by a file a commit).
 *
 * Per table, one in-memory DuckDB table `idx_<table>(pid, h)`: a 64-bit hash of each stored row's
 * (venue, day, key) and the number of its partition. A partition is loaded from its files the first
 * time a batch touches it, then kept up to date by the writer's own commits. The index decides
 * nothing alone: a batch row whose hash is not in it is new (no stored row has that hash, so none has
 * that key); a row whose hash is in it (a re-sent row, or one hash collision in 2^64) is checked
 * against the partition's files as before. So the index may know too much (a quarantined or expired
 * file, a collision) without harm, and must never know too little, which is why:
 *
 * - only one process writes a store (Dataset.lock), and the index lives in that process's memory:
 *   a restart (kill -9 included, after Dataset.recover) loads every partition again from its files;
 * - each batch compares the partition's file list with the files the index has read: a file it does
 *   not know (copied in by hand) is read into it; a known file that is gone (quarantined, expired,
 *   deleted) makes it load the partition again; a compaction tells it which files replaced which;
 * - hashes of a batch are added only once its commit succeeded (a failed commit stores nothing).
 *
 * Memory: 12 bytes a key in DuckDB (≈ 20 MB for the simulated 10 October's 1.6 M liquidations), at
 * most `maxKeys` keys in all; past that the partitions touched longest ago are dropped (and loaded
 * again if touched again).
 */
interface Partition {
  pid: number;
  venue: string;
  day: string;
  /** The files whose keys are in the index (absolute paths, as Dataset.files lists them). */
  files: Set<string>;
  keys: number;
  used: number;
}

export class KeyIndex implements StoredKeys {
  private readonly parts = new Map<string, Partition>();
  private readonly created = new Set<TableName>();
  private nextPid = 0;
  private clock = 0;
  /** Hashes of the batch being committed, per table: (pid, h) rows in `pend_<table>`. */
  private readonly pending = new Map<TableName, { pid: number; rows: number }[]>();

  constructor(
    private readonly conn: SqlConnection,
    private readonly ds: Dataset,
    private readonly maxKeys: number,
  ) {}

  /** Keys held now, over all tables (for tests and the bound). */
  get size(): number {
    let n = 0;
    for (const p of this.parts.values()) n += p.keys;
    return n;
  }

  private static id(table: TableName, venue: string, day: string): string {
    return `${table}|${venue}|${day}`;
  }

  private async ensureTables(table: TableName): Promise<void> {
    if (this.created.has(table)) return;
    await this.conn.run(`CREATE TABLE IF NOT EXISTS idx_${table} (pid UINTEGER, h UBIGINT)`);
    await this.conn.run(`CREATE TABLE IF NOT EXISTS pend_${table} (pid UINTEGER, h UBIGINT)`);
    this.created.add(table);
  }

  /**
   * Makes the index hold every key of the partitions' current files, and returns the SQL that is
   * true for a batch row whose hash is in the index (`_h` is the batch table's hash column).
   */
  async sync(table: TableName, partitions: { venue: string; day: string }[]): Promise<string> {
    await this.ensureTables(table);
    for (const { venue, day } of partitions) {
      const id = KeyIndex.id(table, venue, day);
      let p = this.parts.get(id);
      const files = this.ds.files(table, { venue, day });
      if (p && [...p.files].some((f) => !files.includes(f))) {
        // A file the index read is gone (quarantined, expired, deleted by hand): read the partition again.
        await this.drop(table, [p]);
        p = undefined;
      }
      if (!p) {
        p = { pid: this.nextPid++, venue, day, files: new Set(), keys: 0, used: 0 };
        this.parts.set(id, p);
      }
      p.used = ++this.clock;
      const unknown = files.filter((f) => !p.files.has(f));
      if (unknown.length) await this.load(table, p, unknown);
    }
    return `_h IN (SELECT h FROM idx_${table})`;
  }

  /** Reads the keys of `files` (of partition p) into the index; a file that is not the table's is quarantined first. */
  private async load(table: TableName, p: Partition, files: string[]): Promise<void> {
    const partition = { venue: p.venue, day: p.day };
    await withUnreadable(this.ds, this.conn, table, files, async () => {
      const still = this.ds.files(table, partition).filter((f) => files.includes(f));
      if (!still.length) return;
      const r = await this.conn.runAndReadAll(`INSERT INTO idx_${table} SELECT ${p.pid}, ${hashSql(table)} FROM read_parquet(${sqlList(still)}, ${HIVE})`);
      p.keys += Number(r.getRows()[0]![0]);
      for (const f of still) p.files.add(f);
    });
  }

  /** The new rows of the batch table `w` (staged, not yet committed): their hashes wait in pend_<table>. */
  async staged(table: TableName, w: string, partitions: { venue: string; day: string; n: number }[]): Promise<void> {
    await this.ensureTables(table);
    const known = partitions.map((q) => ({ ...q, p: this.parts.get(KeyIndex.id(table, q.venue, q.day)) }));
    if (known.some((q) => !q.p)) throw new Error(`store: key index: a partition of ${table} was not synced before staging`);
    const values = known.map((q) => `(${sqlString(q.venue)}, DATE ${sqlString(q.day)}, ${q.p!.pid})`).join(', ');
    await this.conn.run(`INSERT INTO pend_${table} SELECT p.pid, w._h FROM ${w} w JOIN (VALUES ${values}) p(venue, day, pid) ON w.venue = p.venue AND w.day = p.day`);
    this.pending.set(table, known.map((q) => ({ pid: q.p!.pid, rows: q.n })));
  }

  /** The batch's commit succeeded: its hashes join the index, its files the partitions' known files. */
  async committed(files: string[]): Promise<void> {
    for (const [table, list] of this.pending) {
      await this.conn.run(`INSERT INTO idx_${table} SELECT * FROM pend_${table}`);
      await this.conn.run(`DELETE FROM pend_${table}`);
      const byPid = new Map([...this.parts.values()].map((p) => [p.pid, p]));
      for (const { pid, rows } of list) {
        const p = byPid.get(pid);
        if (p) p.keys += rows;
      }
    }
    this.pending.clear();
    for (const f of files) {
      const p = this.partitionOf(f);
      if (p) p.files.add(f);
    }
    await this.bound();
  }

  /** The batch's commit failed: nothing of it is stored. */
  async aborted(): Promise<void> {
    for (const table of this.pending.keys()) await this.conn.run(`DELETE FROM pend_${table}`);
    this.pending.clear();
  }

  /** A compaction replaced `replaced` by `file` (same rows, same keys). */
  compacted(file: string, replaced: string[]): void {
    const p = this.partitionOf(file);
    if (!p) return;
    for (const f of replaced) p.files.delete(f);
    p.files.add(file);
  }

  /** The partition a committed file (absolute path) belongs to, if the index holds it. */
  private partitionOf(file: string): Partition | undefined {
    const m = /table=([^/]+)\/venue=([^/]+)\/day=([^/]+)\/[^/]+$/.exec(file);
    return m ? this.parts.get(`${m[1]}|${m[2]}|${m[3]}`) : undefined;
  }

  /** Past maxKeys, the partitions used longest ago are dropped. */
  private async bound(): Promise<void> {
    let total = this.size;
    if (total <= this.maxKeys) return;
    const drop = new Map<TableName, Partition[]>();
    for (const [id, p] of [...this.parts].sort((a, b) => a[1].used - b[1].used)) {
      if (total <= this.maxKeys) break;
      const table = id.slice(0, id.indexOf('|')) as TableName;
      drop.set(table, [...(drop.get(table) ?? []), p]);
      total -= p.keys;
    }
    for (const [table, ps] of drop) await this.drop(table, ps);
  }

  /** Forgets partitions (rewriting the table frees their memory at once; a DELETE would not). */
  private async drop(table: TableName, ps: Partition[]): Promise<void> {
    for (const p of ps) this.parts.delete(KeyIndex.id(table, p.venue, p.day));
    await this.conn.run(`CREATE OR REPLACE TABLE idx_${table} AS SELECT * FROM idx_${table} WHERE pid NOT IN (${ps.map((p) => p.pid).join(', ')})`);
  }
}
