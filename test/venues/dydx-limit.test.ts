import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import { replay } from '../../src/replay/replay.js';
import type { LiquidationEvent, RawFrame, VenueId } from '../../src/schema/events.js';
import { startConnectors } from '../../src/service/connectors.js';
import { DydxSubscriptionCoverage } from '../../src/venues/dydx/coverage.js';
import { dydxVenue } from '../../src/venues/dydx/index.js';
import { createDydxParser } from '../../src/venues/dydx/parse.js';
import { venueModule } from '../../src/venues/registry.js';
import type { FrameParser, VenueMetadata } from '../../src/venues/venue.js';
import { onlyVenues } from '../support/config-file.js';
import { DydxServer } from '../support/dydx-server.js';
import { testPipeline } from '../support/pipeline.js';
import { tempDir, writeRecording } from '../support/recording.js';
import { until } from '../support/until.js';

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const market = (ticker: string) => ({ ticker, status: 'ACTIVE', oraclePrice: '1', openInterest: '0' });
const tickers = (n: number) => Array.from({ length: n }, (_, i) => `M${String(i).padStart(3, '0')}-USD`);
const liquidation = (id: string) => ({ id, size: '2', price: '10', side: 'SELL', createdAt: new Date().toISOString(), type: 'LIQUIDATED' });
const LIMIT_REFUSAL = 'Per-connection subscription limit reached for v4_trades (limit=32).';

/** A local indexer listing `n` markets, and liqstream's connectors and pipeline on it (discovery reads the list). */
async function dydxRun(n: number, prepare: (server: DydxServer) => void = () => {}) {
  const server = await DydxServer.start();
  server.markets = Object.fromEntries(tickers(n).map((t) => [t, market(t)]));
  prepare(server);
  const p = await testPipeline();
  const parsers = new Map<VenueId, FrameParser>();
  const metadata = new Map<VenueId, VenueMetadata>();
  const ingestor = new Ingestor({ bus: p.bus, topics: p.topics, metrics: p.metrics, log: p.log, parserFor: (v) => parsers.get(v), snapshotsFor: (v) => venueModule(v).snapshots, publishRaw: false, batchSize: 1, lingerMs: 1, maxBuffered: 10_000 });
  const frames: RawFrame[] = [];
  const config = loadConfig({ env: {}, overrides: { venues: onlyVenues({ dydx: { enabled: true, url: server.url, restUrl: server.restUrl, oiPollMs: 0, refreshMs: 0 } }) } });
  const connectors = await startConnectors(config, {
    sink: { handleFrame: (f) => (frames.push(f), ingestor.handleFrame(f)), gap: () => {} },
    metrics: p.metrics,
    log: p.log,
    parsers,
    metadata,
  });
  cleanup.push(() => server.close(), () => p.close(), () => connectors.stop());
  const liquidations = () => p.applied.filter((e): e is LiquidationEvent => e.type === 'liquidation');
  const partialGauge = () => p.metricValue('liqstream_venue_partial', { venue: 'dydx' });
  return { server, p, frames, metadata, liquidations, partialGauge };
}

describe('dYdX per-connection subscription limit', () => {
  it('250 markets are all watched, 32 per connection on 8 sockets, none refused, and the venue stays complete', async () => {
    const t = await dydxRun(250);
    await until(() => tickers(250).every((m) => t.server.subscribed(m)), 'every market subscribed');
    expect(t.server.subscriptions.size).toBe(8);
    expect(Math.max(...[...t.server.subscriptions.values()].map((s) => s.size))).toBe(32);
    expect(t.server.refusals).toBe(0);
    expect(t.server.publish('M249-USD', [liquidation('last')])).toBe(1);
    await until(() => t.liquidations().length === 1, 'the last market’s liquidation');
    expect(t.liquidations()[0]).toMatchObject({ symbol: 'M249-USD', fidelity: 'complete' });
    expect(await t.partialGauge()).toBe(0);
  });

  it('a refused subscription makes the venue partial (gauge 1, events partial) until the market is subscribed again; a replay of the recording gives the same labels', async () => {
    // The indexer lowers its limit to 31: the 32nd market of the first socket is refused.
    const t = await dydxRun(40, (s) => (s.tradesLimit = 31));
    await until(() => t.server.refusals === 1 && tickers(40).filter((m) => t.server.subscribed(m)).length === 39, 'one market refused');
    await until(async () => (await t.partialGauge()) === 1, 'the venue reads partial');
    expect(t.server.publish('M000-USD', [liquidation('during')])).toBe(1);
    await until(() => t.liquidations().length === 1, 'liquidation while refused');
    expect(t.liquidations()[0]).toMatchObject({ id: 'dydx:M000-USD:during', fidelity: 'partial' });

    // The limit is back; the sockets reconnect and every market is taken.
    t.server.tradesLimit = 32;
    t.server.dropAll();
    await until(() => tickers(40).every((m) => t.server.subscribed(m)), 'every market subscribed again');
    await until(async () => (await t.partialGauge()) === 0, 'the venue reads complete again');
    expect(t.server.publish('M031-USD', [liquidation('after')])).toBe(1);
    await until(() => t.liquidations().length === 2, 'liquidation after');
    expect(t.liquidations()[1]).toMatchObject({ id: 'dydx:M031-USD:after', fidelity: 'complete' });

    const file = await writeRecording(join(tempDir(), 'dydx.ndjson'), t.frames);
    const { report } = await replay({ files: [file], speed: 'max', log: t.p.log, metadata: Object.fromEntries(t.metadata) });
    expect(report.totals.byVenue['dydx']).toMatchObject({ count: 2, lowerBound: true });
    const replayed: LiquidationEvent[] = [];
    await replay({ files: [file], speed: 'max', log: t.p.log, metadata: Object.fromEntries(t.metadata), sinks: () => [{ name: 'test', onEvent: (e) => void (e.type === 'liquidation' && replayed.push(e)) }] });
    expect(replayed.map((e) => [e.id, e.fidelity])).toEqual([
      ['dydx:M000-USD:during', 'partial'],
      ['dydx:M031-USD:after', 'complete'],
    ]);
  });

  it('the parser alone: a limit refusal marks later events partial until the refused connection’s markets are all subscribed on a newer one; other errors do not', () => {
    const meta: VenueMetadata = { symbols: ['A-USD', 'B-USD'] };
    const parse = dydxVenue().parser(meta, { log: undefined as never });
    const subscribed = (conn: string, id: string) => JSON.stringify({ type: 'subscribed', connection_id: conn, message_id: 1, channel: 'v4_trades', id, contents: { trades: [] } });
    const error = (conn: string, message: string) => JSON.stringify({ type: 'error', message, connection_id: conn, message_id: 2 });
    const data = (id: string) => JSON.stringify({ type: 'channel_data', connection_id: 'x', message_id: 3, id: 'A-USD', channel: 'v4_trades', version: '2.1.0', contents: { trades: [liquidation(id)] } });
    const fidelity = (id: string) => {
      const r = parse(data(id), Date.now());
      return r.ok ? (r.events[0] as LiquidationEvent).fidelity : r.reason;
    };
    parse(subscribed('c1', 'A-USD'), 1);
    expect(parse(error('c1', 'Invalid subscription id for channel: (v4_trades-Z-USD)'), 1)).toMatchObject({ ok: false });
    expect(fidelity('1')).toBe('complete');
    // The refusal is still rejected (dead-lettered, logged by the plan's subscribeError) and now also marks the venue.
    expect(parse(error('c1', LIMIT_REFUSAL), 1)).toEqual({ ok: false, reason: `error: "${LIMIT_REFUSAL}"` });
    expect(fidelity('2')).toBe('partial');
    expect(meta.partial).toEqual({ active: false, refused: true });
    // Reconnected as c2: A-USD moves, c1 holds nothing any more and its refusal goes with it.
    parse(subscribed('c2', 'A-USD'), 1);
    expect(fidelity('3')).toBe('complete');
    expect(meta.partial).toEqual({ active: false, refused: false });
  });

  it('refusals of invented connections cannot grow the coverage table without bound', () => {
    const coverage = new DydxSubscriptionCoverage();
    for (let i = 0; i < 10_000; i++) coverage.refusal(`c${i}`, LIMIT_REFUSAL);
    expect(coverage.refused).toBe(true);
    expect((coverage as unknown as { connections: Map<string, unknown> }).connections.size).toBeLessThanOrEqual(4_096);
    expect(createDydxParser({ coverage })('{"type":"error","message":"x","connection_id":"' + 'y'.repeat(300) + '"}', 1)).toMatchObject({ ok: false });
  });
});
