import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { replay } from '../../src/replay/replay.js';
import type { LiquidationEvent, RawFrame, VenueId } from '../../src/schema/events.js';
import { startConnectors } from '../../src/service/connectors.js';
import { VENUE_MODULES } from '../../src/venues/registry.js';
import type { FrameParser } from '../../src/venues/venue.js';
import { onlyVenues } from '../support/config-file.js';
import { DydxServer } from '../support/dydx-server.js';
import { BitgetServer } from '../support/bitget-server.js';
import { KrakenFuturesServer } from '../support/kraken-futures-server.js';
import { OkxServer } from '../support/okx-server.js';
import { testPipeline } from '../support/pipeline.js';
import { tempDir, writeRecording } from '../support/recording.js';
import { until } from '../support/until.js';

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const OTHERS = 17_000;
const DAY = 86_400_000;

interface Server {
  url: string;
  restUrl: string;
  dropAll(): void;
  close(): Promise<void>;
}

/** A venue's local server with one market whose snapshot on subscribe holds `recent`, and how to push a live liquidation. */
interface LocalVenue {
  venue: VenueId;
  start(recent: { n: number; time: number }[]): Promise<Server>;
  live(server: Server, n: number, time: number): void;
}

const krakenTrade = (n: number, time: number) => ({ uid: `u${n}`, side: 'sell', type: 'liquidation', seq: n, time, qty: 1, price: 100_000 });
const okxItem = (es: { n: number; time: number }[]) => ({ instId: 'BTC-USDT-SWAP', instType: 'SWAP', details: es.map((e) => ({ bkLoss: '0', bkPx: '100000', ccy: '', posSide: 'net', side: 'sell', sz: String(e.n + 1), ts: String(e.time) })) });
const bitgetRow = (n: number, time: number) => ({ symbol: 'BTCUSDT', side: 'buy', price: '100000', amount: String(n + 1), ts: String(time) });
const dydxTrade = (n: number, time: number) => ({ id: `t${n}`, size: '1', price: '100000', side: 'SELL', createdAt: new Date(time).toISOString(), type: 'LIQUIDATED' });

const LOCAL: LocalVenue[] = [
  {
    venue: 'kraken-futures',
    async start(recent) {
      const s = await KrakenFuturesServer.start();
      s.instruments = [{ symbol: 'PF_XBTUSD', type: 'flexible_futures', base: 'XBT', quote: 'USD', contractSize: 1, tradeable: true }];
      s.recent = { PF_XBTUSD: recent.map((e) => krakenTrade(e.n, e.time)) };
      return s;
    },
    live: (s, n, time) => void (s as KrakenFuturesServer).publish('PF_XBTUSD', krakenTrade(n, time)),
  },
  {
    venue: 'dydx',
    async start(recent) {
      const s = await DydxServer.start();
      s.markets = { 'BTC-USD': { ticker: 'BTC-USD', status: 'ACTIVE', oraclePrice: '100000', openInterest: '0' } };
      s.recent = { 'BTC-USD': recent.map((e) => dydxTrade(e.n, e.time)) };
      return s;
    },
    live: (s, n, time) => void (s as DydxServer).publish('BTC-USD', [dydxTrade(n, time)]),
  },
  {
    venue: 'okx',
    // Its first push after subscribing is the snapshot; the connector reads the built-in BTC-USDT-SWAP contract.
    start: (recent) => OkxServer.start({ recent: { SWAP: [okxItem(recent)] } }),
    live: (s, n, time) => void (s as OkxServer).push('SWAP', [okxItem([{ n, time }])]),
  },
  {
    venue: 'bitget',
    async start(recent) {
      const s = await BitgetServer.start();
      s.recent = { 'usdt-futures': recent.map((e) => bitgetRow(e.n, e.time)) };
      return s;
    },
    live: (s, n, time) => void (s as BitgetServer).push('usdt-futures', [bitgetRow(n, time)]),
  },
];

describe('history sent on subscribe, against local venue servers', () => {
  it.each(LOCAL)('$venue: a 3-day-old liquidation in the subscribe snapshot is counted neither at start nor after a reconnect 17,000 events later; a replay of the recording agrees', async ({ venue, start, live }) => {
    const now = Date.now();
    const server = await start([
      { n: 0, time: now - 3 * DAY },
      { n: 1, time: now - 60_000 },
    ]);
    const p = await testPipeline();
    const parsers = new Map<VenueId, FrameParser>();
    const ingestor = new Ingestor({ bus: p.bus, topics: p.topics, metrics: p.metrics, log: p.log, parserFor: (v) => parsers.get(v), snapshotsFor: (v) => VENUE_MODULES[v]?.snapshots, publishRaw: false, batchSize: 500, lingerMs: 5, maxBuffered: 10_000 });
    const frames: RawFrame[] = [];
    const config = loadConfig({ env: {}, overrides: { connection: { backoff: { initialMs: 20, maxMs: 200 } }, venues: onlyVenues({ [venue]: { enabled: true, url: server.url, restUrl: server.restUrl, oiPollMs: 0, refreshMs: 0 } }) } });
    const connectors = await startConnectors(config, { sink: { handleFrame: (f) => (frames.push(f), ingestor.handleFrame(f)), gap: () => {} }, metrics: p.metrics, log: p.log, parsers });
    cleanup.push(() => server.close(), () => p.close(), () => connectors.stop());
    const liquidations = () => p.applied.filter((e): e is LiquidationEvent => e.type === 'liquidation');

    await until(() => liquidations().length === 1, 'the recent snapshot entry');
    for (let i = 0; i < OTHERS; i++) live(server, 2 + i, now + i);
    await until(() => liquidations().length === OTHERS + 1, 'every live liquidation', 60_000);
    server.dropAll();
    // The new connection's snapshot: the old entry is history again; the recent one (a minute old, inside the
    // horizon) is counted once, its copy dropped by the aggregator's duplicate filter (the ingestor's ring of
    // 16,384 recent ids forgot it 17,000 events ago).
    await until(() => ingestor.stats.history === 2, 'the snapshot of the new connection judged');
    await ingestor.flush();
    await until(async () => (await p.metricValue('liqstream_duplicate_liquidations_total', { venue })) === 1, 'the re-sent recent entry dropped as a duplicate');

    // Applied: every live one, the recent entry and its copy (which the aggregator drops); never the old one.
    expect(liquidations()).toHaveLength(OTHERS + 2);
    expect(new Set(liquidations().map((e) => e.id)).size).toBe(OTHERS + 1);
    expect(liquidations().filter((e) => e.eventTime === now - 3 * DAY)).toHaveLength(0);
    expect(p.aggregator.totalsSnapshot().byVenue[venue]?.count).toBe(OTHERS + 1);
    expect(await p.metricValue('liqstream_history_entries_total', { venue })).toBe(2);
    expect(frames.filter((f) => f.frame.startsWith('\uFFFDconnected\uFFFD'))).toHaveLength(2);

    const file = await writeRecording(join(tempDir(), `${venue}.ndjson`), frames);
    const { report } = await replay({ files: [file], speed: 'max', log: p.log });
    expect(report.totals.byVenue[venue]?.count).toBe(OTHERS + 1);
  });
});
