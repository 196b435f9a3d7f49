import { describe, inject, it } from 'vitest';
import { serviceProcesses } from '../support/aggregator-fixture.js';
import { applied, sql, truncateAll } from '../support/questdb.js';
import { killedAggregatorScenario } from '../support/store-kill.js';

const brokers = inject('kafkaBrokers');
const processes = serviceProcesses();

async function stored() {
  await applied();
  const [row] = await sql('SELECT count() AS n, count_distinct(id) AS ids, sum(usd_e4) AS usd_e4 FROM liquidations');
  return { n: Number(row!.n), ids: Number(row!.ids), usdUnits: Number(row!.usd_e4) };
}

describe('aggregate (Kafka) writing QuestDB, killed (-9) with rows buffered and restarted', () => {
  it('stores every liquidation exactly once: the restart re-reads what the killed process had not sent, and the table’s key keeps what it had once', async () => {
    await truncateAll();
    const { http, pg } = inject('questdb');
    // No send while running (only at a graceful stop), so a kill finds rows applied, offsets committed, and not in QuestDB.
    await killedAggregatorScenario(brokers, processes, { kind: 'questdb', questdb: { http, pg, flushRows: 1_000_000, flushMs: 3_600_000 } }, stored);
  });
});
