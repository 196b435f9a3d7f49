import { DuckDBInstance, DuckDBPendingResultState } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { sqlHere } from '../../src/sinks/store/sql-here.js';

/*
 * The writer's statements run on the writer's own thread (src/sinks/store/sql-here.ts), which runs at a
 * lower priority than the pipeline: DuckDB's work must be done there, not on libuv's pool or DuckDB's
 * threads, and the thread must still answer its messages while a long statement runs.
 */
const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const raw = await instance.connect();
const conn = sqlHere(raw, DuckDBPendingResultState);
afterAll(() => {
  raw.closeSync();
  instance.closeSync();
});

/** CPU seconds of the calling thread (Linux: /proc/thread-self/stat, utime + stime in clock ticks of 10 ms). */
const threadCpu = (): number => {
  const f = readFileSync('/proc/thread-self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
};
const processCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const HEAVY = 'SELECT sum(hash(i) % 1000) AS s FROM range(30000000) t(i)';

describe('the writer’s statements on its own thread', () => {
  it.runIf(process.platform === 'linux')('a statement’s work is done by the calling thread', async () => {
    await conn.runAndReadAll('SELECT 1'); // first statement's set-up
    const [t0, p0] = [threadCpu(), processCpu()];
    const r = await conn.runAndReadAll(HEAVY);
    const [thread, all] = [threadCpu() - t0, processCpu() - p0];
    expect(r.getRows()).toHaveLength(1);
    expect(all).toBeGreaterThan(0.1);
    // Ticks of 10 ms: at least three quarters of the process's CPU was this thread's (on libuv's pool: about none).
    expect(thread).toBeGreaterThanOrEqual(0.75 * all - 0.02);
  });

  it('the thread takes turns at its event loop while a long statement runs', async () => {
    let turns = 0;
    const timer = setInterval(() => (turns += 1), 1);
    const started = performance.now();
    await conn.run(HEAVY);
    const ms = performance.now() - started;
    clearInterval(timer);
    expect(ms).toBeGreaterThan(50);
    // A turn every 10 ms of work at least (a statement run to its end in one go gives none).
    expect(turns).toBeGreaterThanOrEqual(Math.floor(ms / 40));
  });

  it('results and errors are DuckDB’s own', async () => {
    await conn.run('CREATE TABLE t AS SELECT i FROM range(5) r(i)');
    expect((await conn.runAndReadAll('SELECT sum(i) FROM t')).getRows()).toEqual([[10n]]);
    await expect(conn.run('SELECT * FROM missing_table')).rejects.toThrow(/missing_table/);
    await expect(conn.run(`COPY t TO '/proc/no/such/dir/x.parquet' (FORMAT parquet)`)).rejects.toThrow(/x\.parquet|No such file|Cannot open/i);
    // The connection is usable after a failure.
    expect((await conn.runAndReadAll('SELECT count(*) FROM t')).getRows()).toEqual([[5n]]);
  });
});
