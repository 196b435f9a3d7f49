import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreConfig } from '../../src/sinks/store/config.js';
import { StoreReader } from '../../src/sinks/store/reader.js';
import { StoreSink } from '../../src/sinks/store/store-sink.js';
import { liquidation } from '../support/events.js';

/*
 * A full disk, for real: the store on a 512 KiB tmpfs (needs root, as on CI and the dev machines;
 * skipped where mount is refused). A commit that runs out of space leaves nothing in the dataset and
 * keeps its rows; once there is room the next commit stores them, each once.
 */
const mnt = mkdtempSync(join(tmpdir(), 'liqstream-full-'));
const canMount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt]).status === 0;
afterAll(() => {
  if (canMount) spawnSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe.skipIf(!canMount)('history store on a full disk', () => {
  it('a commit that fails with ENOSPC stores nothing and keeps its rows for the next commit', async () => {
    const dir = join(mnt, 'store');
    mkdirSync(dir);
    const errors: unknown[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) });
    const sink = await StoreSink.open(StoreConfig.parse({ dir, flushMs: 60_000 }), log);
    const T0 = Date.UTC(2025, 9, 10);
    // Random ids and amounts: zstd cannot shrink 40,000 of them into 512 KiB.
    const events = Array.from({ length: 40_000 }, (_, i) => liquidation(`${i}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`, T0 + i, 1 + Math.random() * 1e6, { symbol: `S${i % 997}` }));
    sink.onEvents(events);
    await expect(sink.flush()).rejects.toThrow(/space|disk|write/i);
    expect(sink.stats).toMatchObject({ failedCommits: 1, commits: 0, written: { liquidations: 0 } });
    expect(errors).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/commit failed/) }));
    expect(existsSync(join(dir, 'table=liquidations'))).toBe(false);
    expect(readdirSync(join(dir, '_staging'))).toEqual([]);
    // Room again: the same rows, and one more, are committed once.
    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    sink.onEvents([liquidation('after', T0, 1)]);
    await sink.close();
    expect(sink.stats).toMatchObject({ failedCommits: 1, commits: 1, written: { liquidations: 40_001 } });
    const reader = await StoreReader.open(dir);
    expect((await reader.query('SELECT count(*) AS n, count(DISTINCT id) AS d FROM liquidations')).rows).toEqual([{ n: '40001', d: '40001' }]);
    reader.close();
  });
});
