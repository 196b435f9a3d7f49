import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuestDbHistory } from '../../src/sinks/questdb/history.js';
import { QuestDbSink } from '../../src/sinks/questdb/questdb-sink.js';
import { historyApi, type HistoryApi } from '../../src/web/history-api.js';
import { defiLiquidation, retraction } from '../support/defi-events.js';
import { liquidation } from '../support/events.js';
import { applied, questdbConfig, truncateAll } from '../support/questdb.js';
import { until } from '../support/until.js';

/*
 * /api/history over QuestDB leaves a retracted on-chain liquidation (its block orphaned by a reorg) out
 * of every answer, as the Parquet store's DuckDB queries do (test/store/defi-store.test.ts).
 */
const log = pino({ level: 'silent' });
const T0 = Date.UTC(2025, 9, 10, 21, 0);

describe('/api/history over QuestDB leaves retracted liquidations out', () => {
  let api: HistoryApi;
  const ask = async (path: string) => {
    const res = { status: 0, body: '', headersSent: false, writeHead(s: number) { this.status = s; return this; }, end(b: string) { this.body = b; } };
    expect(api.handle(new URL(`http://x/api/history/${path}`), res as never)).toBe(true);
    await until(() => res.status !== 0, path);
    return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
  };
  const perp = liquidation('p1', T0 + 5_000, 100.5);
  const a = defiLiquidation(1, T0 + 10_000, 1_000.25);
  const b = defiLiquidation(2, T0 + 20_000, 2_000.125, { venue: 'compound-v3' });
  const c = defiLiquidation(3, T0 + 70_000, 4_000.0625);

  beforeAll(async () => {
    await truncateAll();
    const sink = QuestDbSink.open(questdbConfig(), log);
    sink.onEvents([perp, a, b, c]);
    await sink.flush();
    // The retraction comes later, twice (a redelivery; the second with another reason).
    sink.onEvents([retraction(b)]);
    await sink.flush();
    sink.onEvents([retraction(b, 'removed')]);
    await sink.close();
    await applied();
    api = historyApi(new QuestDbHistory(questdbConfig(), log), log);
  });
  afterAll(() => api.close());

  const range = `from=${T0}&to=${T0 + 3_600_000}`;

  it('liquidations: the retracted one is not listed', async () => {
    const r = await ask(`liquidations?${range}&sort=usd`);
    expect(r.status).toBe(200);
    expect((r.body.liquidations as { id: string; usd: number }[]).map((l) => [l.id, l.usd])).toEqual([
      [c.id, 4_000.0625],
      [a.id, 1_000.25],
      [perp.id, 100.5],
    ]);
  });

  it('minutes (by venue, and the 1h sum): exact sums without it', async () => {
    const byVenue = await ask(`minutes?${range}&step=1m&by=venue`);
    expect(byVenue.status).toBe(200);
    expect((byVenue.body.rows as Record<string, unknown>[]).map((m) => [m.time, m.venue, m.usd, m.count])).toEqual([
      [T0, 'aave-v3', 1_000.25, 1],
      [T0, 'bybit-linear', 100.5, 1],
      [T0 + 60_000, 'aave-v3', 4_000.0625, 1],
    ]);
    const hour = await ask(`minutes?${range}&step=1h`);
    expect((hour.body.rows as Record<string, unknown>[]).map((m) => [m.time, m.usd, m.longUsd, m.shortUsd, m.count])).toEqual([[T0, 5_100.8125, 5_100.8125, 0, 3]]);
    const compound = await ask(`minutes?${range}&step=1h&venue=compound-v3`);
    expect(compound.body.rows).toEqual([]);
  });
});
