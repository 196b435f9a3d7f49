import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreConfig } from '../../src/sinks/store/config.js';
import { Dataset, sizeTier } from '../../src/sinks/store/dataset.js';
import { StoreReader } from '../../src/sinks/store/reader.js';
import { StoreSink } from '../../src/sinks/store/store-sink.js';
import { liquidation } from '../support/events.js';

/*
 * Compaction merges files of one size tier (src/sinks/store/dataset.ts compactTable): a live partition's
 * small files are merged without rewriting the large file that already holds most of the day.
 */
const root = mkdtempSync(join(tmpdir(), 'liqstream-tiers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log = pino({ level: 'silent' });
const T0 = Date.UTC(2025, 9, 10, 0, 0);

describe('compaction by size tier', () => {
  it('tiers: below 1 MiB, then one per 16×', () => {
    expect([0, 2 ** 20 - 1, 2 ** 20, 16 * 2 ** 20 - 1, 16 * 2 ** 20, 256 * 2 ** 20].map(sizeTier)).toEqual([0, 0, 1, 1, 2, 3]);
  });

  it('merges the small files of a partition into one and leaves its large file as it is; the rows stay exact', async () => {
    const dir = join(root, 's');
    const sink = await StoreSink.open(StoreConfig.parse({ dir, flushMs: 60_000, compactMinFiles: 3, maintenanceMs: 3_600_000 }), log);
    // One large file (random-looking ids and prices compress little), then four small ones.
    sink.onEvents(Array.from({ length: 80_000 }, (_, i) => liquidation(`big-${(i * 2_654_435_761) % 4_294_967_291}`, T0 + i * 1_000, 1 + ((i * 7_919) % 100_003) / 7)));
    await sink.flush();
    const [big] = new Dataset(dir).files('liquidations');
    expect(sizeTier(statSync(big!).size)).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 4; i++) {
      sink.onEvents([liquidation(`small-${i}`, T0 + i, 1)]);
      await sink.flush();
    }
    expect(new Dataset(dir).files('liquidations')).toHaveLength(5);
    await sink.close(); // maintenance at close
    const files = new Dataset(dir).files('liquidations');
    expect(files).toHaveLength(2);
    expect(files).toContain(big);
    const r = await StoreReader.open(dir);
    try {
      expect((await r.query("SELECT count(*) AS n, count(DISTINCT id) AS d, count(*) FILTER (WHERE id LIKE 'small-%') AS small FROM liquidations")).rows[0]).toEqual({ n: '80004', d: '80004', small: '4' });
    } finally {
      r.close();
    }
  });
});
