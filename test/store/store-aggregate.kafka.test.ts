import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, inject, it } from 'vitest';
import { StoreReader } from '../../src/sinks/store/reader.js';
import { serviceProcesses } from '../support/aggregator-fixture.js';
import { tempDir } from '../support/recording.js';
import { killedAggregatorScenario } from '../support/store-kill.js';
import { units } from '../../src/report/minutes-csv.js';

const brokers = inject('kafkaBrokers');
const processes = serviceProcesses();

async function stored(dir: string) {
  const reader = await StoreReader.open(dir);
  try {
    const [row] = (await reader.query('SELECT count(*) AS n, count(DISTINCT id) AS ids, CAST(coalesce(sum(usd), 0) AS VARCHAR) AS usd FROM liquidations')).rows as { n: string; ids: string; usd: string }[];
    return { n: Number(row!.n), ids: Number(row!.ids), usdUnits: units(row!.usd) };
  } finally {
    reader.close();
  }
}

describe('aggregate with the history store, killed (-9) with rows buffered and restarted', () => {
  it('stores every liquidation exactly once: the restart re-reads what the killed process had not committed, and its key drops what it had', async () => {
    const dir = join(tempDir(), 'store');
    processes.onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
    // No commit while running (only at a graceful stop), so a kill finds rows applied, offsets committed, and not stored.
    await killedAggregatorScenario(brokers, processes, { dir, flushRows: 1_000_000, flushMs: 3_600_000 }, () => stored(dir));
  });
});
