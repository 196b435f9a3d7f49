import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUBSCRIBE_HISTORY_HORIZON_MS, SubscribeHistory } from '../../src/pipeline/subscribe-history.js';
import { frameText } from '../../src/connection/managed-socket.js';
import { replay } from '../../src/replay/replay.js';
import type { LiquidationEvent, RawFrame, VenueId } from '../../src/schema/events.js';
import { VENUE_MODULES } from '../../src/venues/registry.js';
import { connectedFrame } from '../../src/venues/venue.js';
import { testPipeline } from '../support/pipeline.js';
import { tempDir, writeRecording } from '../support/recording.js';
import { until } from '../support/until.js';

const T0 = 1_760_130_000_000;
const DAY = 86_400_000;

interface Entry {
  /** Unique per entry: becomes part of the venue's id. */
  n: number;
  time: number;
}

/** Per venue that sends history on subscribe: its snapshot frame and a live frame, as the venue writes them. */
const VENUES: Record<string, { snapshot: (entries: Entry[]) => string; live: (e: Entry) => string }> = {
  'kraken-futures': {
    snapshot: (es) => JSON.stringify({ feed: 'trade_snapshot', product_id: 'PF_XBTUSD', trades: es.map(krakenTrade) }),
    live: (e) => JSON.stringify(krakenTrade(e)),
  },
  dydx: {
    snapshot: (es) => JSON.stringify({ type: 'subscribed', connection_id: 'c', message_id: 1, channel: 'v4_trades', id: 'BTC-USD', contents: { trades: es.map(dydxTrade) } }),
    live: (e) => JSON.stringify({ type: 'channel_data', connection_id: 'c', message_id: 2, id: 'BTC-USD', channel: 'v4_trades', version: '2.1.0', contents: { trades: [dydxTrade(e)] } }),
  },
  okx: {
    // The first push after subscribing is the snapshot: the same shape as every later one.
    snapshot: (es) => okxPush(es),
    live: (e) => okxPush([e]),
  },
  bitget: {
    snapshot: (es) => bitgetPush('snapshot', es),
    live: (e) => bitgetPush('update', [e]),
  },
};

const krakenTrade = (e: Entry) => ({ feed: 'trade', product_id: 'PF_XBTUSD', uid: `u${e.n}`, side: 'sell', type: 'liquidation', seq: e.n, time: e.time, qty: 1, price: 100_000 });
const dydxTrade = (e: Entry) => ({ id: `t${e.n}`, size: '1', price: '100000', side: 'SELL', createdAt: new Date(e.time).toISOString(), type: 'LIQUIDATED' });
const okxPush = (es: Entry[]) =>
  JSON.stringify({
    arg: { channel: 'liquidation-orders', instType: 'SWAP' },
    data: [{ instId: 'BTC-USDT-SWAP', instType: 'SWAP', details: es.map((e) => ({ bkLoss: '0', bkPx: '100000', ccy: '', posSide: 'net', side: 'sell', sz: String(e.n + 1), ts: String(e.time) })) }],
  });
const bitgetPush = (action: string, es: Entry[]) =>
  JSON.stringify({ data: es.map((e) => ({ symbol: 'BTCUSDT', side: 'buy', price: '100000', amount: String(e.n + 1), ts: String(e.time) })), arg: { instType: 'usdt-futures', topic: 'liquidation' }, action, ts: T0 });

const OTHERS = 17_000;

/**
 * A connection starts at T0 and its snapshot holds a 3-day-old liquidation and one from a minute before the
 * start; 17,000 live liquidations follow (more than the ingestor's 16,384 recent ids); the socket reconnects 3 h
 * later and the venue sends the same snapshot again.
 */
function session(venue: string, marks: boolean): RawFrame[] {
  const v = VENUES[venue]!;
  const old = { n: 0, time: T0 - 3 * DAY };
  const fresh = { n: 1, time: T0 - 60_000 };
  const frames: RawFrame[] = [];
  const connect = (at: number) => {
    if (marks) frames.push({ venue, recv: at, frame: connectedFrame(`${venue}-1`) });
    frames.push({ venue, recv: at + 100, frame: v.snapshot([old, fresh]) });
  };
  connect(T0);
  for (let i = 0; i < OTHERS; i++) frames.push({ venue, recv: T0 + 1_000 + i, frame: v.live({ n: 2 + i, time: T0 + 500 + i }) });
  connect(T0 + 3 * 3_600_000);
  return frames;
}

async function ingest(frames: RawFrame[]) {
  const p = await testPipeline();
  for (const f of frames) await p.ingestor.handleFrame(f);
  await p.ingestor.flush();
  await until(() => p.applied.length >= OTHERS + 1, 'every event applied');
  await p.close();
  return p;
}

describe('history sent on subscribe (one policy for every venue that sends it)', () => {
  it.each(Object.keys(VENUES))('%s: a 3-day-old liquidation in the snapshot is counted neither at start nor after a reconnect 17,000 events later; a recent one once; a replay gives the same', async (venue) => {
    expect(VENUE_MODULES[venue]!.snapshots, 'the module declares its snapshot frames').toBeDefined();
    const frames = session(venue, true);
    const p = await ingest(frames);
    const liquidations = p.applied.filter((e): e is LiquidationEvent => e.type === 'liquidation');
    expect(liquidations).toHaveLength(OTHERS + 1);
    expect(liquidations.filter((e) => e.eventTime === T0 - 3 * DAY)).toHaveLength(0);
    expect(liquidations.filter((e) => e.eventTime === T0 - 60_000)).toHaveLength(1);
    expect(p.aggregator.totalsSnapshot().byVenue[venue]?.count).toBe(OTHERS + 1);
    // Dropped as history, not dead-lettered as bad: the old one at start and after the reconnect, and the recent
    // one after the reconnect (3 h later it is older than that connection less the horizon; counted at start).
    expect(p.ingestor.stats.history).toBe(3);
    expect(p.ingestor.stats.badFrames).toBe(0);
    expect(await p.metricValue('liqstream_history_entries_total', { venue })).toBe(3);
    expect(await p.metricValue('liqstream_frames_total', { venue })).toBe(OTHERS + 2); // connection marks are no venue frames

    const file = await writeRecording(join(tempDir(), `${venue}.ndjson`), frames);
    const { report } = await replay({ files: [file], speed: 'max', log: p.log });
    expect(report.totals.byVenue[venue]?.count).toBe(OTHERS + 1);
  });

  it('without connection marks (an older recording) the snapshot’s own receive time stands for the connection start', async () => {
    const p = await ingest(session('kraken-futures', false));
    expect(p.aggregator.totalsSnapshot().byVenue['kraken-futures']?.count).toBe(OTHERS + 1);
    expect(p.ingestor.stats.history).toBe(3);
  });

  it('the horizon: a snapshot entry at the connection start less the horizon counts, one millisecond older is history; live frames and venues without a rule are never filtered', () => {
    const rule = () => (frame: string) => frame.startsWith('snap');
    const history = new SubscribeHistory((v: VenueId) => (v === 'x' ? rule : undefined));
    const liq = (eventTime: number) => ({ type: 'liquidation', id: `x:${eventTime}`, venue: 'x', symbol: 'S', base: 'S', side: 'long', price: 1, qty: 1, notionalUsd: 1, eventTime, receiveTime: T0, fidelity: 'complete', kind: 'liquidation', source: 's' }) as const;
    history.connected('x', T0);
    const edge = [liq(T0 - SUBSCRIBE_HISTORY_HORIZON_MS), liq(T0 - SUBSCRIBE_HISTORY_HORIZON_MS - 1)];
    expect(history.filter('x', 'snap', T0 + 5, edge)).toEqual({ events: [edge[0]], history: 1 });
    expect(history.filter('x', 'live', T0 + 5, edge)).toEqual({ events: edge, history: 0 });
    expect(history.filter('y', 'snap', T0 + 5, edge)).toEqual({ events: edge, history: 0 });
    // A rule that throws (it must not) leaves the frame as it was.
    const throwing = new SubscribeHistory(() => () => () => {
      throw new Error('bad rule');
    });
    expect(throwing.filter('x', 'snap', T0, edge).history).toBe(0);
  });

  it('venue text posing as a connection mark is no mark: it reaches the parser and is dead-lettered', async () => {
    const posing = frameText(Buffer.from(connectedFrame('evil')), false);
    expect(posing).toBe(` ${connectedFrame('evil')}`);
    const p = await testPipeline();
    await p.ingestor.handleFrame({ venue: 'okx', recv: T0, frame: posing });
    await p.close();
    expect(p.ingestor.stats).toMatchObject({ frames: 1, badFrames: 1 });
  });

  it('OKX: only the first push of each instrument type after a connection mark is a snapshot', () => {
    const rule = VENUE_MODULES['okx']!.snapshots!();
    const swap = okxPush([{ n: 1, time: T0 }]);
    const futures = swap.replace(/SWAP"/g, 'FUTURES"');
    expect([rule(swap), rule(swap), rule(futures), rule(futures)]).toEqual([true, false, true, false]);
    expect(VENUE_MODULES['okx']!.snapshots!()(swap)).toBe(true);
  });

  it('BitMEX: `partial` is declared a snapshot (its parser counts no liquidation from it either)', () => {
    const rule = VENUE_MODULES['bitmex']!.snapshots!();
    expect(rule('{"table":"liquidation","action":"partial","data":[]}')).toBe(true);
    expect(rule('{"table":"liquidation","action":"insert","data":[]}')).toBe(false);
  });
});
