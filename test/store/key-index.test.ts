import { copyFileSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { DuckDBConnection } from '@duckdb/node-api';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { StoreConfig } from '../../src/sinks/store/config.js';
import { Dataset } from '../../src/sinks/store/dataset.js';
import type { KeyIndex } from '../../src/sinks/store/key-index.js';
import { StoreReader } from '../../src/sinks/store/reader.js';
import { StoreSink } from '../../src/sinks/store/store-sink.js';
import { liquidation } from '../support/events.js';
import { until } from '../support/until.js';

/*
 * The writer's index of stored keys (src/sinks/store/key-index.ts): a commit of new rows reads no
 * stored file, and exactly-once holds whatever happens to the files beside the writer.
 */
const root = mkdtempSync(join(tmpdir(), 'liqstream-key-index-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
const log = pino({ level: 'silent' });
let n = 0;
const config = (over: Partial<StoreConfig> = {}) => StoreConfig.parse({ dir: join(root, `s${n++}`), flushMs: 60_000, ...over });
const T0 = Date.UTC(2025, 9, 10, 21, 0);
const DAY = 86_400_000;
// The writer's index, in the test's thread (store-thread.ts inThisThread).
const indexOf = (sink: StoreSink) => (sink as unknown as { writer: { writer: { index: KeyIndex } } }).writer.writer.index;

/** SQL statements that read stored Parquet files, from every DuckDB connection of this process. */
function parquetReads(): string[] {
  const reads: string[] = [];
  // The writer's statements all start here (sql-here.ts runs their tasks on the writer's thread).
  const original = DuckDBConnection.prototype.start as (sql: string, ...rest: unknown[]) => Promise<unknown>;
  vi.spyOn(DuckDBConnection.prototype, 'start').mockImplementation(function (this: DuckDBConnection, sql: string, ...rest: unknown[]) {
    if (sql.includes('read_parquet')) reads.push(sql);
    return original.call(this, sql, ...rest);
  } as never);
  return reads;
}

async function count(dir: string) {
  const r = await StoreReader.open(dir);
  try {
    return (await r.query('SELECT count(*) AS n, count(DISTINCT venue || id) AS d, CAST(sum(usd) AS VARCHAR) AS usd FROM liquidations')).rows[0]!;
  } finally {
    r.close();
  }
}

describe('the store writer’s index of stored keys', () => {
  it('a commit of new rows reads no stored file; a restarted writer reads each partition it touches once', async () => {
    const c = config();
    const reads = parquetReads();
    let sink = await StoreSink.open(c, log);
    for (let i = 0; i < 4; i++) {
      sink.onEvents([liquidation(`a${i}`, T0 + i, 1), liquidation(`b${i}`, T0 + DAY + i, 2)]);
      await sink.flush();
    }
    await sink.close();
    expect(reads).toEqual([]);
    expect(new Dataset(c.dir).files('liquidations')).toHaveLength(8);

    sink = await StoreSink.open(c, log); // a restart: the index is loaded from the files, once per partition touched
    for (let i = 4; i < 8; i++) {
      sink.onEvents([liquidation(`a${i}`, T0 + i, 1)]);
      await sink.flush();
    }
    expect(reads).toHaveLength(1);
    expect(reads[0]).toContain('day=2025-10-10');
    expect(reads[0]).not.toContain('day=2025-10-11');
    sink.onEvents([liquidation('a0', T0, 1), liquidation('a5', T0 + 5, 1)]); // re-sent: checked against the files, not stored again
    await sink.close();
    expect(sink.stats.written.liquidations).toBe(4);
    expect(await count(c.dir)).toEqual({ n: '12', d: '12', usd: '16.0000' });
  });

  it('a file copied into a partition by hand is learned before the next check; a file deleted by hand lets its rows be stored again', async () => {
    const other = config();
    let sink = await StoreSink.open(other, log);
    sink.onEvents([liquidation('x1', T0, 5), liquidation('x2', T0 + 1, 6)]);
    await sink.close();
    const [copied] = new Dataset(other.dir).files('liquidations');

    const c = config();
    sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('y1', T0 + 2, 1)]);
    await sink.flush(); // the partition is in the index now
    const [own] = new Dataset(c.dir).files('liquidations');
    const to = join(c.dir, relative(other.dir, copied!));
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(copied!, to);
    sink.onEvents([liquidation('x1', T0, 5), liquidation('x2', T0 + 1, 6), liquidation('y2', T0 + 3, 2)]);
    await sink.flush();
    expect(sink.stats.written.liquidations).toBe(2); // y1, y2: x1 and x2 are in the copied file
    expect(await count(c.dir)).toEqual({ n: '4', d: '4', usd: '14.0000' });

    unlinkSync(own!); // y1 is gone from the store: sent again, it is stored again (the index must not keep it out)
    sink.onEvents([liquidation('y1', T0 + 2, 1), liquidation('y2', T0 + 3, 2)]);
    await sink.close();
    expect(sink.stats.written.liquidations).toBe(3);
    expect(await count(c.dir)).toEqual({ n: '4', d: '4', usd: '14.0000' });
  });

  it('after a compaction the index reads nothing again, and re-sent rows are still refused', async () => {
    const c = config({ compactMinFiles: 3, maintenanceMs: 1_000 });
    const sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('c0', T0, 1)]);
    await sink.flush(); // maintenance runs after this first commit (nothing to compact)
    for (let i = 1; i < 3; i++) {
      sink.onEvents([liquidation(`c${i}`, T0 + i, 1)]);
      await sink.flush();
    }
    await new Promise((r) => setTimeout(r, 1_100));
    sink.onEvents([liquidation('c3', T0 + 3, 1)]);
    await sink.flush(); // its maintenance compacts the partition's 4 files into 1, beside the commits
    await until(() => new Dataset(c.dir).files('liquidations').length === 1, 'the compaction');
    const reads = parquetReads();
    sink.onEvents([liquidation('c4', T0 + 4, 1)]);
    await sink.flush();
    expect(reads).toEqual([]);
    sink.onEvents([liquidation('c0', T0, 1), liquidation('c3', T0 + 3, 1)]);
    await sink.flush();
    expect(reads.length).toBeGreaterThan(0); // hashes found: checked against the files
    await sink.close();
    expect(sink.stats.written.liquidations).toBe(5);
    expect(await count(c.dir)).toEqual({ n: '5', d: '5', usd: '5.0000' });
  });

  it('holds at most keyIndexMaxKeys keys (the partitions touched longest ago are dropped) and stays exact', async () => {
    const c = config({ keyIndexMaxKeys: 5 });
    const sink = await StoreSink.open(c, log);
    const sizes: number[] = [];
    for (let d = 0; d < 6; d++) {
      sink.onEvents([liquidation(`d${d}a`, T0 + d * DAY, 1), liquidation(`d${d}b`, T0 + d * DAY + 1, 1)]);
      await sink.flush();
      sizes.push(indexOf(sink).size);
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5);
    // Every day again (the first days were dropped from the index, and are read from their files), plus one new row.
    for (let d = 0; d < 6; d++) sink.onEvents([liquidation(`d${d}a`, T0 + d * DAY, 1), liquidation(`d${d}b`, T0 + d * DAY + 1, 1)]);
    sink.onEvents([liquidation('new', T0 + 7 * DAY, 3)]);
    await sink.close();
    expect(sink.stats.written.liquidations).toBe(13);
    expect(await count(c.dir)).toEqual({ n: '13', d: '13', usd: '15.0000' });
  });
});
