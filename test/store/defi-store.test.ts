import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { StoreConfig } from '../../src/sinks/store/config.js';
import { DuckDbHistory } from '../../src/sinks/store/history.js';
import { StoreReader } from '../../src/sinks/store/reader.js';
import { StoreSink } from '../../src/sinks/store/store-sink.js';
import { storedEvents } from '../../src/sinks/store/stored-events.js';
import { historyApi } from '../../src/web/history-api.js';
import { defiLiquidation, retraction } from '../support/defi-events.js';
import { liquidation } from '../support/events.js';

const root = mkdtempSync(join(tmpdir(), 'liqstream-defi-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log = pino({ level: 'silent' });
const T0 = Date.UTC(2025, 9, 10, 21, 0);
const H = 3_600_000;

const perp = liquidation('p1', T0, 1_000);
const a = defiLiquidation(1, T0 + 1_000, 82_170_000.1234);
const b = defiLiquidation(2, T0 + 2_000, 5_000, { chain: 'base' });
const c = defiLiquidation(3, T0 + 61_000, 27_700_000, { venue: 'morpho-blue', chain: 'base' });

async function write(dir: string, events: NormalizedEvent[]) {
  const sink = await StoreSink.open(StoreConfig.parse({ dir, flushMs: 60_000 }), log);
  sink.onEvents(events);
  await sink.close();
}

describe('the history store keeps on-chain detail and retractions (issue 20)', () => {
  it('history answers and a report from the store leave out retracted liquidations, exactly once across re-writes and commits', async () => {
    const dir = join(root, 'store');
    await write(dir, [perp, a, b, c]);
    // A Kafka redelivery writes everything again; the retraction comes in a later commit, twice.
    await write(dir, [perp, a, b, c, retraction(b)]);
    await write(dir, [retraction(b, 'removed')]);

    const reader = await StoreReader.open(dir);
    const api = historyApi(new DuckDbHistory(reader), log);
    const server: Server = createServer((req, res) => void (api.handle(new URL(req.url!, 'http://x'), res) || res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const get = async (path: string) => (await (await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}${path}`)).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      const liqs = (await get(`/api/history/liquidations?from=${T0}&to=${T0 + H}&sort=usd&limit=100`)).liquidations as { id: string; usd: number }[];
      expect(liqs.map((l) => [l.id, l.usd])).toEqual([[a.id, 82_170_000.1234], [c.id, 27_700_000], ['p1', 1_000]]);
      const minutes = (await get(`/api/history/minutes?from=${T0}&to=${T0 + H}`)).rows as { time: number; usd: number; count: number }[];
      expect(minutes.map((m) => [m.time, m.usd, m.count])).toEqual([[T0, 82_171_000.1234, 2], [T0 + 60_000, 27_700_000, 1]]);
      expect((await reader.query('SELECT count(*)::INTEGER AS n FROM retractions')).rows[0]!.n).toBe(1);
      expect((await reader.query('SELECT count(*)::INTEGER AS n FROM onchain')).rows[0]!.n).toBe(3);

      // liqstream report's input: the on-chain detail back as it was written, the retracted one left out.
      const rows = { liquidations: 0, openInterest: 0, gaps: 0 };
      const read: NormalizedEvent[] = [];
      for await (const s of storedEvents(reader, T0, T0 + H, T0 + H, rows)) read.push(s.event);
      expect(read).toEqual([perp, a, c]);
      const agg = new Aggregator({ clock: 'watermark' });
      for (const e of read) agg.apply(e);
      expect(agg.totalsSnapshot().defi!.byProtocol['aave-v3']!.byChain).toEqual({ ethereum: { usd: 82_170_000.1234, debtUsd: 78_883_200.1185, count: 1 } });
    } finally {
      await new Promise((r) => server.close(r));
      api.close();
    }
  });

  it('on-chain detail and retractions expire with the liquidations they belong to (retentionDays.liquidations)', async () => {
    const dir = join(root, 'retention');
    const now = Date.now();
    const old = defiLiquidation(7, now - 5 * 86_400_000, 10);
    const gone = defiLiquidation(8, now - 5 * 86_400_000, 20);
    const fresh = defiLiquidation(9, now, 30);
    const sink = await StoreSink.open(StoreConfig.parse({ dir, flushMs: 60_000, retentionDays: { liquidations: 2 } }), log);
    sink.onEvents([old, gone, fresh, retraction(gone)]);
    await sink.close(); // maintenance runs at close
    const reader = await StoreReader.open(dir);
    try {
      const ids = async (table: string) => (await reader.query(`SELECT list(id ORDER BY id) AS ids FROM ${table}`)).rows[0]!.ids;
      expect([await ids('liquidations'), await ids('onchain'), await ids('retractions')]).toEqual([[fresh.id], [fresh.id], null]);
    } finally {
      reader.close();
    }
  });
});
