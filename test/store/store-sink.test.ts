import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreConfig } from '../../src/sinks/store/config.js';
import { writerPriority } from '../../src/sinks/store/writer-priority.js';
import { Dataset, fileProblem } from '../../src/sinks/store/dataset.js';
import { StoreReader } from '../../src/sinks/store/reader.js';
import { StoreSink } from '../../src/sinks/store/store-sink.js';
import { unitsText } from '../../src/sinks/store/tables.js';
import { liquidation } from '../support/events.js';

const root = mkdtempSync(join(tmpdir(), 'liqstream-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log = pino({ level: 'silent' });
let n = 0;
const config = (over: Partial<StoreConfig> = {}) => StoreConfig.parse({ dir: join(root, `s${n++}`), flushMs: 60_000, ...over });
const T0 = Date.UTC(2025, 9, 10, 21, 0);

async function count(dir: string, sql = 'SELECT count(*) AS n, count(DISTINCT venue || id) AS d, CAST(sum(usd) AS VARCHAR) AS usd FROM liquidations') {
  const r = await StoreReader.open(dir);
  try {
    return (await r.query(sql)).rows[0]!;
  } finally {
    r.close();
  }
}

describe('history store sink', () => {
  it('unitsText writes 1/10,000 USD units exactly', () => {
    expect([0, 1, 12_345, 10_000, 123_456_789_012, -5].map(unitsText)).toEqual(['0.0000', '0.0001', '1.2345', '1.0000', '12345678.9012', '-0.0005']);
  });

  it('stores each liquidation once per venue and id: within a batch, across batches and across writers', async () => {
    const c = config();
    const events = [
      liquidation('a', T0, 1.23456),
      liquidation('a', T0, 1.23456), // the same, twice in a batch
      liquidation('b', T0 + 1, 2.5, { side: 'short' }),
      liquidation('a', T0 + 2, 7, { venue: 'binance-usdm' }), // same id, another venue: another row
      liquidation('c', T0 + 86_400_000, 3), // next day: another partition
    ];
    let sink = await StoreSink.open(c, log);
    sink.onEvents(events);
    await sink.flush();
    sink.onEvents(events); // a second batch of the same
    await sink.close();
    expect(sink.stats.written.liquidations).toBe(4);
    sink = await StoreSink.open(c, log); // a second writer (a re-import)
    sink.onEvents(events);
    await sink.close();
    expect(sink.stats.written.liquidations).toBe(0);
    // 1.23456 is stored as the aggregator rounds it (toUnits): 1.2346.
    expect(await count(c.dir)).toEqual({ n: '4', d: '4', usd: '13.7346' });
    const ds = new Dataset(c.dir);
    expect(ds.partitions('liquidations').map((p) => `${p.venue}/${p.day}`).sort()).toEqual(['binance-usdm/2025-10-10', 'bybit-linear/2025-10-10', 'bybit-linear/2025-10-11']);
    expect(existsSync(join(c.dir, '_staging')) ? readdirSync(join(c.dir, '_staging')) : []).toEqual([]);
  });

  it('its counts are metrics: received, durable (the commit lag is their difference), written, refused, commits', async () => {
    const registry = new Registry();
    const metric = async (name: string, labels: string) => {
      const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const c = config();
    const sink = await StoreSink.open(c, log, { registry });
    sink.onEvents([liquidation('m1', T0, 1), liquidation('m2', T0 + 1, 2), liquidation('m1', T0, 1)]);
    sink.onEvents([liquidation('big', T0 + 2, 1e12)]); // beyond what the store keeps exactly: refused
    expect(await metric('liqstream_store_rows_received_total', 'table="liquidations"')).toBe(3);
    // Nothing committed yet (lag 3): every series is there at 0, so that increase() sees its first rise and StoreStalled has a series to match.
    expect(await metric('liqstream_store_rows_durable_total', 'table="liquidations"')).toBe(0);
    expect(await metric('liqstream_store_rows_received_total', 'table="cascades"')).toBe(0);
    expect(await metric('liqstream_store_commits_total', 'outcome="ok"')).toBe(0);
    expect(await metric('liqstream_store_commits_total', 'outcome="failed"')).toBe(0);
    expect(await metric('liqstream_store_rows_refused_total', 'table="liquidations"')).toBe(1);
    await sink.flush();
    expect(await metric('liqstream_store_rows_durable_total', 'table="liquidations"')).toBe(3);
    expect(await metric('liqstream_store_rows_written_total', 'table="liquidations"')).toBe(2); // m1 twice: stored once
    expect(await metric('liqstream_store_commits_total', 'outcome="ok"')).toBe(1);
    sink.onEvents([liquidation('m3', T0 + 3, 3)]);
    await sink.close();
    // Scraped again: each counter adds only what grew.
    expect(await metric('liqstream_store_rows_received_total', 'table="liquidations"')).toBe(4);
    expect(await metric('liqstream_store_rows_durable_total', 'table="liquidations"')).toBe(4);
    expect(await metric('liqstream_store_commits_total', 'outcome="ok"')).toBe(2);
  });

  it('a registry that has the store’s metrics already: open is refused and leaves the store unlocked (its writer closed)', async () => {
    const registry = new Registry();
    const first = await StoreSink.open(config(), log, { registry });
    const c = config();
    await expect(StoreSink.open(c, log, { registry })).rejects.toThrow(/already been registered/);
    const again = await StoreSink.open(c, log);
    await again.close();
    await first.close();
  });

  it('store.writerNice is a nice value: 0–19, whole; anything else is refused at start', () => {
    expect(StoreConfig.parse({}).writerNice).toBe(10);
    for (const ok of [0, 19]) expect(StoreConfig.parse({ writerNice: ok }).writerNice).toBe(ok);
    for (const bad of [-1, 20, 1.5, '5', null, Number.NaN, 1e308]) expect(StoreConfig.safeParse({ writerNice: bad }).success, String(bad)).toBe(false);
  });

  it('store.maxQueuedChunks (≥ 1) and maxWaitMs (≥ 0) are whole numbers, anything else refused at start; a writer in this thread never makes the pipeline wait', async () => {
    expect(StoreConfig.parse({})).toMatchObject({ maxQueuedChunks: 8, maxWaitMs: 1_000 });
    for (const bad of [0, -1, 1.5, '8', null, Number.NaN]) expect(StoreConfig.safeParse({ maxQueuedChunks: bad }).success, String(bad)).toBe(false);
    for (const bad of [-1, 0.5, '0', null, Number.NaN]) expect(StoreConfig.safeParse({ maxWaitMs: bad }).success, String(bad)).toBe(false);
    const sink = await StoreSink.open(config({ maxQueuedChunks: 1 }), log);
    sink.onEvents(Array.from({ length: 40_000 }, (_, i) => liquidation(`q${i}`, T0 + i, 1)));
    expect(sink.backpressure()).toBeUndefined();
    expect(sink.stats).toMatchObject({ queued: 0, backpressure: { seconds: 0, timeouts: 0 } });
    await sink.close();
  });

  it('the writer thread’s nice value: writerNice above the pipeline’s, at most 19; on Linux only (elsewhere a nice value is the process’s)', () => {
    expect(writerPriority('linux', 0, 10)).toBe(10);
    expect(writerPriority('linux', 15, 10)).toBe(19);
    expect(writerPriority('linux', 5, 0)).toBe(5);
    expect(writerPriority('linux', -5, 10)).toBe(5);
    expect(writerPriority('darwin', 0, 10)).toBeUndefined();
    expect(writerPriority('win32', 0, 10)).toBeUndefined();
  });

  it('a writer slower than flushMs: the timer queues at most one commit behind the one under way (no backlog of commits, durable keeps up)', async () => {
    const sink = await StoreSink.open(config({ flushMs: 100 }), log);
    // Each commit takes 400 ms more (a writer starved on a busy machine, at its lower priority).
    const port = (sink as unknown as { writer: { commit(): Promise<boolean> } }).writer;
    const commit = port.commit.bind(port);
    let commits = 0;
    port.commit = async () => {
      commits += 1;
      await new Promise((r) => setTimeout(r, 400));
      return commit();
    };
    const feeding = Date.now();
    for (let i = 0; Date.now() - feeding < 2_000; i++) {
      sink.onEvents([liquidation(`r${i}`, T0 + i, 1)]);
      await new Promise((r) => setTimeout(r, 50));
    }
    const received = sink.stats.received.liquidations;
    const stopped = Date.now();
    while (sink.stats.durable.liquidations < received) await new Promise((r) => setTimeout(r, 20));
    const caughtUp = Date.now() - stopped;
    const closing = Date.now();
    await sink.close();
    const closed = Date.now() - closing;
    // The commit under way and the one queued behind it cover the last rows (a tick every 100 ms queued behind
    // 400 ms commits: 20 commits asked for in 2 s, 15 of them waiting when the rows stop, 6 s more; and the
    // queue kept growing while they ran, which close waited out: 25 s more).
    expect(caughtUp).toBeLessThan(3_000);
    expect(closed).toBeLessThan(3_000);
    expect(commits).toBeGreaterThanOrEqual(3);
    expect(sink.stats.durable.liquidations).toBe(received);
  });

  it('a second writer of the same store is refused while the first runs', async () => {
    const c = config();
    const first = await StoreSink.open(c, log);
    await expect(StoreSink.open(c, log)).rejects.toThrow(/being written by process/);
    await first.close();
    await (await StoreSink.open(c, log)).close();
  });

  it('recovery rolls a committed batch forward and an uncommitted one back', async () => {
    const c = config();
    const sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('a', T0, 1)]);
    await sink.close();
    const ds = new Dataset(c.dir);
    const [file] = ds.files('liquidations');
    // A committed batch whose files were not moved yet (a crash after the commit record).
    const staged = join(ds.stagingDir('b1'), 'table=liquidations/venue=okx/day=2025-10-10/part-b1-0.parquet');
    mkdirSync(join(staged, '..'), { recursive: true });
    writeFileSync(staged, readFileSync(file!));
    mkdirSync(join(c.dir, '_log'), { recursive: true });
    writeFileSync(join(c.dir, '_log', 'b1.json'), JSON.stringify({ batch: 'b1', files: ['table=liquidations/venue=okx/day=2025-10-10/part-b1-0.parquet'] }));
    // An uncommitted one (a crash before it), and a commit record that never reached its rename.
    mkdirSync(join(ds.stagingDir('b2'), 'table=liquidations'), { recursive: true });
    writeFileSync(join(ds.stagingDir('b2'), 'table=liquidations', 'x.parquet'), 'half');
    writeFileSync(join(c.dir, '_log', 'b2.json.tmp'), '{"batch":');
    expect(ds.recover()).toEqual({ rolledForward: 1, rolledBack: 1 });
    expect(ds.files('liquidations').map((f) => f.slice(c.dir.length + 1)).sort()).toEqual([file!.slice(c.dir.length + 1), 'table=liquidations/venue=okx/day=2025-10-10/part-b1-0.parquet'].sort());
    expect(readdirSync(join(c.dir, '_log'))).toEqual([]);
    expect(readdirSync(join(c.dir, '_staging'))).toEqual([]);
  });

  it('a file that is not Parquet is left out of queries and quarantined by the next write to its partition', async () => {
    const c = config();
    let sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('a', T0, 1)]);
    await sink.close();
    const ds = new Dataset(c.dir);
    const bad = join(ds.partitionDir('liquidations', 'bybit-linear', '2025-10-10'), 'part-corrupt.parquet');
    writeFileSync(bad, 'PAR1 this is not parquet');
    expect(await count(c.dir)).toEqual({ n: '1', d: '1', usd: '1.0000' });
    sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('a', T0, 1), liquidation('b', T0, 2)]);
    await sink.close();
    expect(sink.stats.written.liquidations).toBe(1);
    expect(existsSync(bad)).toBe(false);
    expect(readdirSync(join(c.dir, '_quarantine'))).toHaveLength(1);
    expect(await count(c.dir)).toEqual({ n: '2', d: '2', usd: '3.0000' });
  });

  it('a reader reads a file again once it is replaced (restored from a backup), and fails its queries once the store it read is gone', async () => {
    const c = config();
    const sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('a', T0, 1), liquidation('b', T0 + 1, 2)]);
    await sink.close();
    const ds = new Dataset(c.dir);
    const [file] = ds.files('liquidations');
    const good = readFileSync(file!);
    const r = await StoreReader.open(c.dir);
    try {
      const sum = async () => (await r.query('SELECT CAST(sum(usd) AS VARCHAR) AS usd FROM liquidations')).rows[0]!.usd;
      expect(await sum()).toBe('3.0000');
      writeFileSync(file!, 'overwritten: not Parquet');
      expect(await sum()).toBe(null);
      // The same reader, the file restored: its rows count again (the verdict stuck for the process's life before).
      writeFileSync(file!, good);
      expect(await sum()).toBe('3.0000');
      // Moved away under the reader: an error, not an answer with no rows (an empty 200 on /api/history before).
      renameSync(c.dir, `${c.dir}.moved`);
      await expect(sum()).rejects.toThrow('table liquidations is gone');
      renameSync(`${c.dir}.moved`, c.dir);
      expect(await sum()).toBe('3.0000');
      // One table's folder alone gone is the same (it answered no rows, the other tables being there).
      const table = ds.tableDir('liquidations');
      renameSync(table, `${table}.moved`);
      await expect(sum()).rejects.toThrow('table liquidations is gone');
      renameSync(`${table}.moved`, table);
      expect(await sum()).toBe('3.0000');
    } finally {
      r.close();
    }
  });

  it('copies left beside partitions (day=….bak, a venue folder copy, a nested folder) are not read; a partition symlinked to another disk is', async () => {
    const c = config();
    let sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('a', T0, 1)]);
    await sink.close();
    const ds = new Dataset(c.dir);
    const day = ds.partitionDir('liquidations', 'bybit-linear', '2025-10-10');
    const [file] = readdirSync(day);
    cpSync(day, `${day}.bak`, { recursive: true });
    mkdirSync(join(day, 'old'));
    cpSync(join(day, file!), join(day, 'old', file!));
    cpSync(dirname(day), `${dirname(day)} copy`, { recursive: true });
    expect(await count(c.dir)).toEqual({ n: '1', d: '1', usd: '1.0000' });
    expect(ds.files('liquidations')).toEqual([join(day, file!)]);
    // Old days moved to a cheaper disk and linked back stay in the history and in the duplicate check.
    const elsewhere = join(root, `tier-${n++}`);
    renameSync(day, elsewhere);
    symlinkSync(elsewhere, day);
    expect(await count(c.dir)).toEqual({ n: '1', d: '1', usd: '1.0000' });
    sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('a', T0, 1)]);
    await sink.close();
    expect(sink.stats.written.liquidations).toBe(0);
    // The other disk not mounted: queries fail naming the partition rather than answer without its rows.
    rmSync(elsewhere, { recursive: true });
    await expect(count(c.dir)).rejects.toThrow(`store: ${day} is a symlink to nothing; its rows cannot be read`);
  });

  it('a reader of an existing store (liqstream query) refuses a missing folder or one that is not a store, instead of answering no rows; a writer does not write into one', async () => {
    const c = config();
    const sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('a', T0, 1)]);
    await sink.close();
    const open = (dir: string) => StoreReader.open(dir, { existing: true }).then((r) => r.close());
    await expect(open(`${c.dir}-typo`)).rejects.toThrow(`no history store at ${c.dir}-typo: no such directory`);
    await expect(open(join(c.dir, 'table=liquidations'))).rejects.toThrow('is not a history store: it holds no table=… folders');
    await expect(open(c.dir)).resolves.toBeUndefined();
    const empty = join(root, `empty-${n++}`);
    mkdirSync(empty);
    await expect(open(empty)).resolves.toBeUndefined();
    // Nor is a folder that is not a store written into (`store import --store .`).
    const other = join(root, `other-${n++}`);
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await expect(StoreSink.open(config({ dir: other }), log)).rejects.toThrow(`${other} is not a history store: it holds no table=… folders`);
    expect(readdirSync(other)).toEqual(['notes.txt']);
    await (await StoreSink.open(config({ dir: empty }), log)).close();
  });

  it('a Parquet file of other columns, or one that is Parquet only at its ends, is left out of queries and quarantined by the next write', async () => {
    for (const [name, make] of [
      ['foreign', (r: StoreReader, f: string) => r.query(`COPY (SELECT 1 AS x, 'a' AS y) TO '${f}' (FORMAT parquet)`).then(() => undefined)],
      ['garbage', (_: StoreReader, f: string) => writeFileSync(f, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(100, 7), Buffer.from([50, 0, 0, 0]), Buffer.from('PAR1')]))],
    ] as const) {
      const c = config();
      let sink = await StoreSink.open(c, log);
      sink.onEvents([liquidation('a', T0, 1)]);
      await sink.close();
      const stray = join(new Dataset(c.dir).partitionDir('liquidations', 'bybit-linear', '2025-10-10'), `zz-${name}.parquet`);
      const r = await StoreReader.open(c.dir);
      await make(r, stray);
      // Before: the foreign file's row was counted as a liquidation; the garbage file failed every query.
      expect([name, (await r.query('SELECT count(*) AS n FROM liquidations')).rows[0]]).toEqual([name, { n: '1' }]);
      r.close();
      sink = await StoreSink.open(c, log);
      sink.onEvents([liquidation('b', T0, 2)]);
      // Before: the foreign file failed every write to its partition (schema mismatch).
      await sink.close();
      expect([name, sink.stats.written.liquidations, existsSync(stray), readdirSync(join(c.dir, '_quarantine'))]).toEqual([name, 1, false, [expect.stringContaining(`zz-${name}.parquet`)]]);
      expect(await count(c.dir)).toEqual({ n: '2', d: '2', usd: '3.0000' });
    }
  });

  it('a check of a file that is deleted meanwhile (a compaction) or stopped fails the check, not the file: it is not left out for good', async () => {
    const c = config();
    const sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('a', T0, 1)]);
    await sink.close();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const [file] = new Dataset(c.dir).files('liquidations');
      expect(await fileProblem(conn, 'liquidations', file!)).toBeUndefined();
      expect(await fileProblem(conn, 'gaps', file!)).toMatch(/^columns are not those of gaps/);
      await expect(fileProblem(conn, 'liquidations', `${file}.gone.parquet`)).rejects.toThrow(/No files found/);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });

  it('the files a reader remembers as checked are bounded; past the bound they are checked again, and answers stay exact', async () => {
    const c = config();
    const sink = await StoreSink.open(c, log);
    for (const id of ['a', 'b', 'c']) {
      sink.onEvents([liquidation(id, T0, 1)]);
      await sink.flush();
    }
    await sink.close();
    const r = await StoreReader.open(c.dir, { checkedFiles: 2 });
    try {
      for (let i = 0; i < 3; i++) expect((await r.query('SELECT count(*) AS n FROM liquidations')).rows[0]).toEqual({ n: '3' });
      expect(r.checkedFiles).toBe(2);
    } finally {
      r.close();
    }
  });

  it('query --format parquet takes a statement as query takes it: ending in a comment or a semicolon', async () => {
    const c = config();
    const sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('a', T0, 1), liquidation('b', T0, 2)]);
    await sink.close();
    const r = await StoreReader.open(c.dir);
    try {
      for (const [i, sql] of ['SELECT id FROM liquidations -- every one', 'SELECT id FROM liquidations; -- every one', 'SELECT id FROM liquidations ;\n'].entries()) {
        const out = join(c.dir, `out-${i}.parquet`);
        await r.toParquet(sql, out);
        expect([sql, (await r.query(`SELECT count(*) AS n FROM '${out}'`)).rows[0]]).toEqual([sql, { n: '2' }]);
      }
    } finally {
      r.close();
    }
  });

  it('compaction rewrites a partition of many files as one, with the same rows', async () => {
    const c = config({ compactMinFiles: 3 });
    const sink = await StoreSink.open(c, log);
    for (let i = 0; i < 5; i++) {
      sink.onEvents([liquidation(`x${i}`, T0 + i, 1 + i)]);
      await sink.flush();
    }
    expect(new Dataset(c.dir).files('liquidations')).toHaveLength(5);
    await sink.close(); // maintenance runs at close
    expect(new Dataset(c.dir).files('liquidations')).toHaveLength(1);
    expect(await count(c.dir)).toEqual({ n: '5', d: '5', usd: '15.0000' });
  });

  it('retention removes day partitions older than the table keeps', async () => {
    const c = config({ retentionDays: { liquidations: 2 } as StoreConfig['retentionDays'] });
    const sink = await StoreSink.open(c, log);
    const now = Date.now();
    sink.onEvents([liquidation('old', now - 5 * 86_400_000, 1), liquidation('new', now, 2)]);
    await sink.close();
    expect(await count(c.dir, 'SELECT list(id) AS ids FROM liquidations')).toEqual({ ids: ['new'] });
  });
});


/**
 * The live wait's timer and its episode, against a writer port whose queue the test sets (the real thread, slowed,
 * is test/store/store-thread.cli.test.ts): what the sink does with the numbers it is given.
 */
describe('history store sink: the live wait (review)', () => {
  const withPort = async (over: Partial<StoreConfig>) => {
    const sink = await StoreSink.open(config(over), log, { live: true });
    const held = sink as unknown as { writer: { queued: number; drained(max: number): Promise<void> | undefined } };
    const real = held.writer;
    const waiters: { max: number; resolve: () => void }[] = [];
    const port = {
      ...real,
      queued: 0,
      drained: (max: number) => (port.queued <= max ? undefined : new Promise<void>((resolve) => waiters.push({ max, resolve }))),
      /** The writer takes chunks until `queued` are left: the waits within their bound end, as the thread's `wake` does. */
      take(queued: number) {
        port.queued = queued;
        for (const w of waiters.splice(0)) if (queued <= w.max) w.resolve();
        else waiters.push(w);
      },
    };
    held.writer = port;
    const close = async () => {
      held.writer = real;
      await sink.close();
    };
    return { sink, port, close };
  };
  const settled = async (p: Promise<void>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

  it('maxWaitMs beyond a timer’s range (2^31 − 1 ms) is refused at start: Node fires such a timer after 1 ms, so every live wait ran out at once', async () => {
    for (const bad of [2 ** 31, 1e10, Number.MAX_SAFE_INTEGER]) expect(StoreConfig.safeParse({ maxWaitMs: bad }).success, String(bad)).toBe(false);
    const { sink, port, close } = await withPort({ maxQueuedChunks: 1, maxWaitMs: 2 ** 31 - 1 });
    port.queued = 5;
    const wait = sink.backpressure()!;
    expect(await settled(wait, 100)).toBe(false);
    expect(sink.stats.backpressure.timeouts).toBe(0);
    port.take(1);
    expect(await settled(wait, 1_000)).toBe(true);
    expect(sink.stats.backpressure.timeouts).toBe(0);
    await close();
  });

  it('a writer that catches up between two batches (after a wait ran out) ends the episode: the next time it is behind, the pipeline waits again, and that timeout is counted once more', async () => {
    const { sink, port, close } = await withPort({ maxQueuedChunks: 2, maxWaitMs: 20 });
    port.queued = 5;
    await sink.backpressure();
    expect(sink.stats.backpressure.timeouts).toBe(1);
    expect(sink.backpressure()).toBeUndefined(); // the same episode: no wait
    // Within one batch of events (no backpressure() call in between) the writer catches up, and falls behind again.
    port.take(2);
    await new Promise((r) => setImmediate(r)); // the thread's `free` is a message: its wake runs in a task of its own
    port.queued = 6;
    const again = sink.backpressure();
    expect(again).toBeInstanceOf(Promise);
    await again;
    expect(sink.stats.backpressure.timeouts).toBe(2);
    await close();
  });
});
