import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiquidationEvent } from '../../src/schema/events.js';
import { bitmexPollMs, bitmexVenue } from '../../src/venues/bitmex/index.js';
import { DEFAULT_REFERENCE_MAX_AGE_MS } from '../../src/venues/instruments.js';
import { BUILT_IN_CONTRACTS, bitmexInstrument, fetchBitmexInstruments } from '../../src/venues/bitmex/instruments.js';
import { createBitmexParser } from '../../src/venues/bitmex/parse.js';
import { BITMEX_WS_URL, bitmexSocketPlan, bitmexSubscribeError } from '../../src/venues/bitmex/plan.js';
import type { BitmexInstrumentRow } from '../../src/venues/bitmex/schema.js';
import type { ParseResult } from '../../src/venues/venue.js';
import { fixture } from '../support/fixtures.js';

const RECV = 1_760_130_000_000;
const events = (r: ParseResult) => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events;
};
/** The frame's rejection, or the reason of its one refused entry when nothing else came of it. */
const reason = (r: ParseResult) => (!r.ok ? r.reason : r.events.length === 0 && r.rejected?.length === 1 ? r.rejected[0]!.reason : `accepted ${JSON.stringify(r)}`);
const table = (action: string, ...data: Record<string, unknown>[]) => JSON.stringify({ table: 'liquidation', action, data });
const order = (over: Record<string, unknown> = {}) => ({ orderID: '0a5d3b2c-1111-2222-3333-444455556666', symbol: 'XBTUSD', side: 'Sell', price: 100_000, leavesQty: 50_000, ...over });

/** Instrument rows as GET /api/v1/instrument/active lists them (the fields the parser reads). */
const XBTUSD_ROW = { symbol: 'XBTUSD', state: 'Open', underlying: 'XBT', quoteCurrency: 'USD', settlCurrency: 'XBt', isInverse: true, isQuanto: false, multiplier: -100000000, underlyingToPositionMultiplier: null, underlyingToSettleMultiplier: -100000000, openInterest: 500_000_000, markPrice: 100_000, timestamp: '2025-10-10T21:15:00.000Z' };
const ETHUSD_ROW = { symbol: 'ETHUSD', state: 'Open', underlying: 'ETH', quoteCurrency: 'USD', settlCurrency: 'XBt', isInverse: false, isQuanto: true, multiplier: 100, underlyingToPositionMultiplier: null, underlyingToSettleMultiplier: null, openInterest: 20_000, markPrice: 4000, timestamp: '2025-10-10T21:15:00.000Z' };
const XBTUSDT_ROW = { symbol: 'XBTUSDT', state: 'Open', underlying: 'XBT', quoteCurrency: 'USDT', settlCurrency: 'USDt', isInverse: false, isQuanto: false, multiplier: 1, underlyingToPositionMultiplier: 1000000, underlyingToSettleMultiplier: null, openInterest: 4_000_000_000, markPrice: 100_000, timestamp: '2025-10-10T21:15:00.000Z' };
const INDEX_ROW = { symbol: '.BXBT', state: 'Unlisted', underlying: 'XBT', quoteCurrency: 'USD', settlCurrency: '', isInverse: false, isQuanto: false, multiplier: null, underlyingToPositionMultiplier: null, underlyingToSettleMultiplier: null, openInterest: null, markPrice: 100_000, timestamp: '2025-10-10T21:15:00.000Z' };
const T_1515 = Date.parse('2025-10-10T21:15:00.000Z');

describe('BitMEX liquidation table', () => {
  it('counts an insert exactly: the order side Buy closes a short; leavesQty XBTUSD contracts are USD; id is the order id', () => {
    expect(events(createBitmexParser()(fixture('bitmex-liquidation-1.json'), RECV))).toEqual([
      {
        type: 'liquidation',
        id: 'bitmex:dd9cea25-207c-0dab-15b5-b88da776f500',
        venue: 'bitmex',
        symbol: 'XBTUSD',
        base: 'BTC',
        side: 'short',
        price: 10106,
        qty: 9214 / 10106,
        notionalUsd: 9214,
        eventTime: RECV,
        receiveTime: RECV,
        fidelity: 'inferred',
        kind: 'liquidation',
        source: 'liquidation',
      },
    ]);
  });

  it('Sell closes a long', () => {
    expect(events(createBitmexParser()(table('insert', order()), RECV)).map((e) => [(e as LiquidationEvent).side, (e as LiquidationEvent).notionalUsd])).toEqual([['long', 50_000]]);
  });

  it('insert, update, delete of one order count it once, at the size it was inserted with', () => {
    const parse = createBitmexParser();
    const all = [fixture('bitmex-liquidation-3.json'), fixture('bitmex-liquidation-4.json'), table('delete', { orderID: '98ae1dad-6a3b-51c4-14bd-e076919e9e30', symbol: 'XBTUSD' })].flatMap((f) => events(parse(f, RECV)));
    expect(all.map((e) => [(e as LiquidationEvent).id, (e as LiquidationEvent).notionalUsd])).toEqual([['bitmex:98ae1dad-6a3b-51c4-14bd-e076919e9e30', 314930]]);
    expect(events(parse(fixture('bitmex-liquidation-2.json'), RECV))).toEqual([]);
  });

  it('a partial (orders already resting at subscribe) counts nothing', () => {
    const partial = JSON.stringify({ table: 'liquidation', action: 'partial', keys: ['orderID'], types: { orderID: 'guid' }, filter: {}, data: [order()] });
    expect(events(createBitmexParser()(partial, RECV))).toEqual([]);
    expect(events(createBitmexParser()(JSON.stringify({ table: 'liquidation', action: 'partial', keys: ['orderID'], data: [] }), RECV))).toEqual([]);
  });

  it('several inserts in one frame are one event each', () => {
    const r = events(createBitmexParser()(table('insert', order(), order({ orderID: 'ffff', side: 'Buy', leavesQty: 7 })), RECV));
    expect(r.map((e) => [(e as LiquidationEvent).id, (e as LiquidationEvent).side, (e as LiquidationEvent).notionalUsd])).toEqual([
      ['bitmex:0a5d3b2c-1111-2222-3333-444455556666', 'long', 50_000],
      ['bitmex:ffff', 'short', 7],
    ]);
  });

  it('linear USDT: contracts / underlyingToPositionMultiplier base units × price', () => {
    const [e] = events(createBitmexParser()(table('insert', order({ symbol: 'XBTUSDT', leavesQty: 2_500_000, price: 110_000 })), RECV)) as LiquidationEvent[];
    expect(e!.qty).toBeCloseTo(2.5, 12);
    expect(e!.notionalUsd).toBeCloseTo(275_000, 6);
    expect(e!.base).toBe('BTC');
  });

  it('quanto ETHUSD: rejected without a BTC price; after the instrument poll, contracts × 100 sat × price × XBTUSD mark', () => {
    const parse = createBitmexParser();
    const eth = table('insert', order({ symbol: 'ETHUSD', side: 'Sell', leavesQty: 1000, price: 4000 }));
    expect(reason(parse(eth, RECV))).toBe('no reference price: ETHUSD is quoted in BTC and no BTC USD price was seen within 300000 ms; left out of USD totals');
    events(parse(JSON.stringify([XBTUSD_ROW]), RECV));
    // 1000 × 100 XBt × 4000 = 4 BTC at 100,000 USD.
    const [e] = events(parse(eth, RECV + 1000)) as LiquidationEvent[];
    expect([e!.side, e!.notionalUsd, e!.qty, e!.base]).toEqual(['long', 400_000, 100, 'ETH']);
    // The reference goes stale after five minutes of receive time.
    expect(reason(parse(eth, RECV + 300_001))).toMatch(/^no reference price: ETHUSD/);
  });

  it('an instrument outside the built-in table is valued once the instrument list names it; before, it is rejected', () => {
    const parse = createBitmexParser();
    const liq = table('insert', order({ symbol: 'ETHM19', leavesQty: 10, price: 0.03162 }));
    expect(reason(parse(liq, RECV))).toBe('unknown instrument ETHM19: not in the instrument list nor the built-in table, so its contract value is unknown');
    events(parse(JSON.stringify([XBTUSD_ROW, ...(JSON.parse(fixture('bitmex-instruments-1.json')) as unknown[])]), RECV));
    const [e] = events(parse(liq, RECV)) as LiquidationEvent[];
    // Linear, quoted in XBT: 10 ETH × 0.03162 BTC × 100,000 USD.
    expect(e!.qty).toBe(10);
    expect(e!.notionalUsd).toBeCloseTo(31_620, 6);
  });

  it('a discovered instrument (metadata) values a market outside the built-in table', () => {
    const ada = bitmexInstrument({ symbol: 'ADAUSDT', underlying: 'ADA', quoteCurrency: 'USDT', settlCurrency: 'USDt', isInverse: false, isQuanto: false, multiplier: 1, underlyingToPositionMultiplier: 100 }, 'discovery')!;
    const parse = createBitmexParser({ instruments: (s) => (s === 'ADAUSDT' ? ada.instrument : undefined) });
    const [e] = events(parse(table('insert', order({ symbol: 'ADAUSDT', leavesQty: 1000, price: 0.5 })), RECV)) as LiquidationEvent[];
    expect([e!.qty, e!.notionalUsd]).toEqual([10, 5]);
  });
});

describe('BitMEX contracts (support article: contract size from /instrument)', () => {
  const row = (over: Partial<BitmexInstrumentRow>): BitmexInstrumentRow => ({ symbol: 'X', underlying: 'XBT', quoteCurrency: 'USD', settlCurrency: 'XBt', isInverse: false, isQuanto: false, ...over });
  it('inverse: multiplier / underlyingToSettleMultiplier USD a contract', () => {
    expect(bitmexInstrument(row({ isInverse: true, multiplier: -100000000, underlyingToSettleMultiplier: -100000000 }), 'discovery')).toEqual({
      instrument: { symbol: 'X', base: 'BTC', quote: 'USD', settle: 'BTC', type: 'inverse', contractValue: 1, from: 'discovery' },
      quanto: false,
    });
  });
  it('linear: 1 / underlyingToPositionMultiplier base units, quoted and settled in USDT', () => {
    expect(bitmexInstrument(row({ quoteCurrency: 'USDT', settlCurrency: 'USDt', multiplier: 1, underlyingToPositionMultiplier: 1000000 }), 'discovery')?.instrument).toEqual({
      symbol: 'X', base: 'BTC', quote: 'USDT', settle: 'USDT', type: 'linear', contractValue: 0.000001, from: 'discovery',
    });
  });
  it('quanto: multiplier satoshis per price point, valued in BTC', () => {
    expect(bitmexInstrument(row({ underlying: 'ETH', isQuanto: true, multiplier: 100 }), 'discovery')).toEqual({
      instrument: { symbol: 'X', base: 'ETH', quote: 'BTC', settle: 'BTC', type: 'linear', contractValue: 0.000001, from: 'discovery' },
      quanto: true,
    });
  });
  it('rows that cannot be valued: an index, nulls, an unknown settlement unit, a wrong-signed inverse', () => {
    expect(bitmexInstrument(row({ multiplier: null }), 'discovery')).toBeUndefined();
    expect(bitmexInstrument(row({ isQuanto: true, multiplier: 100, settlCurrency: 'Gwei' }), 'discovery')).toBeUndefined();
    expect(bitmexInstrument(row({ isInverse: true, multiplier: -100000000, underlyingToSettleMultiplier: 100000000 }), 'discovery')).toBeUndefined();
    expect(bitmexInstrument(row({ multiplier: 1, underlyingToPositionMultiplier: 0 }), 'discovery')).toBeUndefined();
  });
  it('the built-in table: XBTUSD, XBTUSDT, ETHUSD (quanto), ETHUSDT, SOLUSDT (quanto)', () => {
    expect(Object.fromEntries([...BUILT_IN_CONTRACTS].map(([s, c]) => [s, [c.instrument.type, c.instrument.quote, c.instrument.contractValue, c.quanto]]))).toEqual({
      XBTUSD: ['inverse', 'USD', 1, false],
      XBTUSDT: ['linear', 'USDT', 0.000001, false],
      ETHUSD: ['linear', 'BTC', 0.000001, true],
      ETHUSDT: ['linear', 'USDT', 0.00001, false],
      SOLUSDT: ['linear', 'BTC', 0.00001, true],
    });
  });
  it('discovery lists every valued contract but the quanto ones', async () => {
    const answer = [XBTUSD_ROW, ETHUSD_ROW, XBTUSDT_ROW, INDEX_ROW, { symbol: 'broken' }];
    let asked = '';
    const found = await fetchBitmexInstruments({ baseUrl: 'http://local/', fetchImpl: (async (url: string) => ((asked = url), new Response(JSON.stringify(answer)))) as typeof fetch });
    expect(asked).toBe('http://local/api/v1/instrument/active');
    expect(Object.keys(found).sort()).toEqual(['XBTUSD', 'XBTUSDT']);
    await expect(fetchBitmexInstruments({ fetchImpl: (async () => new Response('{}', { status: 503 })) as typeof fetch })).rejects.toThrow('HTTP 503');
  });
});

describe('BitMEX instrument poll answers', () => {
  it('open interest of every contract in USD at its mark, the quanto via XBTUSD’s mark; an index row gives nothing', () => {
    const r = events(createBitmexParser()(JSON.stringify([INDEX_ROW, ETHUSD_ROW, XBTUSD_ROW, XBTUSDT_ROW]), RECV));
    expect(r.map((e) => e.type === 'open_interest' && [e.symbol, e.base, e.oiUsd, e.oiBase, e.markPrice, e.eventTime, e.source])).toEqual([
      // 20,000 × 100 XBt × 4000 = 80 BTC = 8,000,000 USD = 2000 ETH.
      ['ETHUSD', 'ETH', 8_000_000, 2000, 4000, T_1515, 'instrument'],
      ['XBTUSD', 'BTC', 500_000_000, 5000, 100_000, T_1515, 'instrument'],
      ['XBTUSDT', 'BTC', 400_000_000, 4000, 100_000, T_1515, 'instrument'],
    ]);
  });

  it('the recorded ETHM19 row needs a BTC price: alone it is rejected, beside XBTUSD it is 150,499 ETH × 0.03162 BTC', () => {
    const rows = JSON.parse(fixture('bitmex-instruments-1.json')) as unknown[];
    expect(reason(createBitmexParser()(JSON.stringify(rows), RECV))).toMatch(/^no reference price: ETHM19 is quoted in BTC/);
    const r = events(createBitmexParser()(JSON.stringify([{ ...XBTUSD_ROW, openInterest: 0 }, ...rows]), RECV));
    expect(r).toHaveLength(1);
    const oi = r[0]!;
    if (oi.type !== 'open_interest') throw new Error('expected open interest');
    expect([oi.symbol, oi.base, oi.oiBase, oi.markPrice, oi.eventTime]).toEqual(['ETHM19', 'ETH', 150499, 0.03162, Date.parse('2019-05-31T23:59:30.000Z')]);
    expect(oi.oiUsd).toBeCloseTo(150499 * 0.03162 * 100_000, 4);
  });

  it('a list without one valid row is rejected; an empty list is nothing', () => {
    expect(reason(createBitmexParser()('[{"symbol":1}]', RECV))).toBe('instrument list without a valid row');
    expect(events(createBitmexParser()('[]', RECV))).toEqual([]);
  });
});

describe('BitMEX control and malformed frames', () => {
  const parse = createBitmexParser();
  it('the welcome, a subscribe reply and the text pong are control frames', () => {
    for (const f of [fixture('bitmex-welcome-1.json'), fixture('bitmex-subscribe-1.json'), '{"success":true,"subscribe":"liquidation","request":{"op":"subscribe","args":["liquidation"]}}', 'pong'])
      expect(events(parse(f, RECV))).toEqual([]);
  });
  it('an error reply and a refused subscription are rejected, and the socket recogniser names them', () => {
    const error = '{"status":400,"error":"Unknown table: liquidations","meta":{},"request":{"op":"subscribe","args":["liquidations"]}}';
    expect(reason(parse(error, RECV))).toBe('BitMEX error 400: Unknown table: liquidations');
    expect(bitmexSubscribeError(error)).toBe('400 Unknown table: liquidations');
    const refused = '{"success":false,"subscribe":"liquidation"}';
    expect(reason(parse(refused, RECV))).toBe('subscription refused: "liquidation"');
    expect(bitmexSubscribeError(refused)).toBe('subscription refused: liquidation');
    for (const f of [fixture('bitmex-subscribe-1.json'), fixture('bitmex-liquidation-1.json'), 'pong', '{"error":', '"error"']) expect(bitmexSubscribeError(f)).toBeUndefined();
  });
  it('rejects what it does not understand, with a reason', () => {
    const cases: [string, string][] = [
      ['not json', 'invalid JSON'],
      ['42', 'unknown message shape'],
      ['{}', 'unknown message shape'],
      ['{"table":"trade","action":"insert","data":[]}', 'unexpected table "trade"'],
      ['{"table":"liquidation","action":"upsert","data":[]}', 'invalid table message'],
      [table('insert', order({ leavesQty: -5 })), 'invalid liquidation insert'],
      [table('insert', order({ price: '100000' })), 'invalid liquidation insert'],
      [table('insert', order({ side: 'sell' })), 'invalid liquidation insert'],
      [table('insert', order({ orderID: 'x'.repeat(10) })), 'invalid liquidation insert'],
      [table('insert', order({ symbol: 'NOPE' })), 'unknown instrument NOPE'],
      [table('update', { leavesQty: 1 }), 'invalid liquidation update'],
      [table('insert', order({ price: 1e308, leavesQty: 1e308, symbol: 'XBTUSDT' })), 'invalid liquidation event'],
      ['{"error":42}', 'invalid error reply'],
    ];
    for (const [frame, prefix] of cases) expect(reason(parse(frame, RECV)).startsWith(prefix), `${frame} → ${reason(parse(frame, RECV))}`).toBe(true);
  });

  it('property: every insert row on a built-in USD market is one event, side from the order side, USD exact', () => {
    const row = fc.record({
      orderID: fc.uuid(),
      side: fc.constantFrom('Buy', 'Sell'),
      price: fc.integer({ min: 1, max: 40_000_000 }).map((n) => n / 2),
      leavesQty: fc.integer({ min: 1, max: 1_000_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 10 }), (rows) => {
        const r = events(createBitmexParser()(table('insert', ...rows.map((x) => ({ ...x, symbol: 'XBTUSD' }))), RECV)) as LiquidationEvent[];
        expect(r.map((e) => [e.id, e.side, e.notionalUsd, e.price])).toEqual(rows.map((x) => [`bitmex:${x.orderID}`, x.side === 'Sell' ? 'long' : 'short', x.leavesQty, x.price]));
      }),
    );
  });
  it('property: never throws on any string or JSON', () => {
    const p = createBitmexParser();
    fc.assert(fc.property(fc.string(), (s) => typeof p(s, RECV).ok === 'boolean'));
    fc.assert(fc.property(fc.json(), (s) => typeof p(s, RECV).ok === 'boolean'));
  });
});

describe('BitMEX socket plan and module', () => {
  it('one socket for every instrument: subscribe liquidation, text ping every 5 s', () => {
    const plan = bitmexSocketPlan();
    expect([plan.url, plan.subscribe, plan.appPing?.(), plan.pingIntervalMs, plan.silenceTimeoutMs, plan.maxConnectionMs]).toEqual([
      'wss://ws.bitmex.com/realtime', ['{"op":"subscribe","args":["liquidation"]}'], 'ping', 5000, 15000, undefined,
    ]);
    expect(BITMEX_WS_URL).toBe('wss://ws.bitmex.com/realtime');
    expect(bitmexSocketPlan('ws://local/realtime').url).toBe('ws://local/realtime');
  });
  it('the poll is also the BTC reference: it runs at least as often as the reference stays fresh, whatever oiPollMs says', () => {
    // With oiPollMs 10 min the XBTUSD mark would be stale half the time, and ETHUSD (quanto) liquidations dead-lettered.
    expect([bitmexPollMs(60_000), bitmexPollMs(299_000), bitmexPollMs(600_000), bitmexPollMs(3_600_000)]).toEqual([60_000, 150_000, 150_000, 150_000]);
    expect(bitmexPollMs(600_000)).toBeLessThan(DEFAULT_REFERENCE_MAX_AGE_MS);
  });

  it('about, and no poller with oiPollMs 0', () => {
    const m = bitmexVenue();
    expect([m.venue, m.about.exchange, m.about.fidelity, m.about.doc]).toEqual(['bitmex', 'bitmex', 'inferred', 'docs/venues/bitmex.md']);
    expect(m.pollers!({}, { log: undefined as never, sink: undefined as never, budget: undefined as never, intervalMs: 0 })).toEqual([]);
  });
});
