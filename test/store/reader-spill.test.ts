import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreReader } from '../../src/sinks/store/reader.js';

/*
 * A query past the reader's memoryLimit spills to disk. DuckDB's default is `.tmp` in the process's working folder:
 * a killed `liqstream query` (or service) left it there, and in a working folder that is not writable a large query
 * failed. The reader spills into a folder of its own under the OS's temporary folder, removed at close.
 */
const root = mkdtempSync(join(tmpdir(), 'liqstream-reader-spill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the reader spills outside the working folder', () => {
  it('spills into a folder of its own (not the working folder, not the store), removed at close', async () => {
    const dir = join(root, 'store');
    const r = await StoreReader.open(dir, { threads: 1, memoryLimit: '20MB' });
    let spill: string;
    try {
      spill = String((await r.query("SELECT current_setting('temp_directory') AS d")).rows[0]!.d);
      expect(isAbsolute(spill)).toBe(true);
      expect(relative(process.cwd(), spill).startsWith('..')).toBe(true);
      expect(relative(dir, spill).startsWith('..')).toBe(true);
      // A sort of 3 M rows does not fit 20 MB: it spills, and gives the exact count.
      expect((await r.query('SELECT count(*) AS n FROM (SELECT x FROM range(3000000) t(x) ORDER BY hash(x))')).rows[0]).toEqual({ n: '3000000' });
      expect(existsSync(spill)).toBe(true);
    } finally {
      r.close();
    }
    expect(existsSync(spill)).toBe(false);
  });
});
