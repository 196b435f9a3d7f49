import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiquidationEvent, type NormalizedEvent } from '../../src/schema/events.js';
import type { Instrument } from '../../src/venues/instruments.js';
import { okxBuiltInInstrument } from '../../src/venues/okx/instruments.js';
import { createOkxParser, liquidatedSide } from '../../src/venues/okx/parse.js';
import type { ParseResult } from '../../src/venues/venue.js';
import { fixture } from '../support/fixtures.js';
import { refused } from '../support/refusals.js';

const RECV = 1_760_130_900_000;
const TS = '1760130899123';

const eventsOf = (r: ParseResult): NormalizedEvent[] => {
  if (!r.ok) throw new Error(`rejected: ${r.reason}`);
  return r.events;
};
/** The frame's rejection, or the reason of its one refused entry when nothing else came of it. */
const reasonOf = (r: ParseResult): string => {
  if (!r.ok) return r.reason;
  if (r.events.length > 0 || r.rejected?.length !== 1) throw new Error(`accepted: ${JSON.stringify(r)}`);
  return r.rejected[0]!.reason;
};

interface Detail {
  side: 'buy' | 'sell';
  posSide: 'long' | 'short' | 'net';
  sz: string;
  bkPx: string;
  ts?: string;
}
const item = (instId: string, details: Detail[], instType = 'SWAP') => ({
  instId,
  instType,
  details: details.map((d) => ({ bkLoss: '0', ccy: '', ts: TS, ...d })),
});
const push = (items: ReturnType<typeof item>[], instType = 'SWAP'): string => JSON.stringify({ arg: { channel: 'liquidation-orders', instType }, data: items });

/** The event every test expects, with the fields that vary named. */
const liq = (o: { instId: string; base: string; side: 'long' | 'short'; price: number; qty: number; usd: number; key: string; ts?: string }): LiquidationEvent => ({
  type: 'liquidation',
  id: `okx:${o.key}`,
  venue: 'okx',
  symbol: o.instId,
  base: o.base,
  side: o.side,
  price: o.price,
  qty: o.qty,
  notionalUsd: o.usd,
  eventTime: Number(o.ts ?? TS),
  receiveTime: RECV,
  fidelity: 'sampled',
  kind: 'liquidation',
  source: 'liquidation-orders',
});

const listed = (i: Omit<Instrument, 'from'>): ((instId: string) => Instrument | undefined) => {
  const inst: Instrument = { ...i, from: 'discovery' };
  return (id) => (id === inst.symbol ? inst : undefined);
};

describe('OKX liquidation-orders → LiquidationEvent', () => {
  it('docs sample, valued with the market list: posSide short ⇒ a short liquidated; sz contracts × ctVal × bkPx', () => {
    const parse = createOkxParser({ instruments: listed({ symbol: 'IOST-USDT-SWAP', base: 'IOST', quote: 'USDT', settle: 'USDT', type: 'linear', contractValue: 1000 }) });
    expect(eventsOf(parse(fixture('okx-liquidation-orders-1.json'), RECV))).toEqual([
      liq({ instId: 'IOST-USDT-SWAP', base: 'IOST', side: 'short', price: 0.007831, qty: 13 * 1000, usd: 13 * 1000 * 0.007831, key: 'IOST-USDT-SWAP:1692266434010:short:buy:13:0.007831', ts: '1692266434010' }),
    ]);
  });

  it('an instrument neither the market list nor the built-in table knows is dead-lettered, not guessed', () => {
    expect(reasonOf(createOkxParser()(fixture('okx-liquidation-orders-1.json'), RECV))).toBe(
      'unknown instrument IOST-USDT-SWAP: not in the market list nor the built-in table, so its contract value is unknown',
    );
  });

  it('a push with several items and details gives one event per detail, in order', () => {
    const frame = push([
      item('BTC-USDT-SWAP', [
        { side: 'sell', posSide: 'net', sz: '3', bkPx: '110000' },
        { side: 'buy', posSide: 'short', sz: '250', bkPx: '110500.5' },
      ]),
      item('ETH-USDT-SWAP', [{ side: 'sell', posSide: 'long', sz: '40', bkPx: '3800.25' }]),
    ]);
    const events = eventsOf(createOkxParser()(frame, RECV));
    expect(events).toEqual([
      liq({ instId: 'BTC-USDT-SWAP', base: 'BTC', side: 'long', price: 110000, qty: 3 * 0.01, usd: 3 * 0.01 * 110000, key: `BTC-USDT-SWAP:${TS}:net:sell:3:110000` }),
      liq({ instId: 'BTC-USDT-SWAP', base: 'BTC', side: 'short', price: 110500.5, qty: 250 * 0.01, usd: 250 * 0.01 * 110500.5, key: `BTC-USDT-SWAP:${TS}:short:buy:250:110500.5` }),
      liq({ instId: 'ETH-USDT-SWAP', base: 'ETH', side: 'long', price: 3800.25, qty: 40 * 0.1, usd: 40 * 0.1 * 3800.25, key: `ETH-USDT-SWAP:${TS}:long:sell:40:3800.25` }),
    ]);
    expect(events.map((e) => (e.type === 'liquidation' ? e.notionalUsd : 0))).toEqual([3300, 276251.25, 15201]);
  });

  it('side: hedge mode names the position; one-way mode (net) reads the order side; a contradiction is refused', () => {
    expect(liquidatedSide({ posSide: 'long', side: 'sell' })).toBe('long');
    expect(liquidatedSide({ posSide: 'short', side: 'buy' })).toBe('short');
    expect(liquidatedSide({ posSide: 'net', side: 'sell' })).toBe('long');
    expect(liquidatedSide({ posSide: 'net', side: 'buy' })).toBe('short');
    expect(liquidatedSide({ posSide: 'long', side: 'buy' })).toBeUndefined();
    expect(liquidatedSide({ posSide: 'short', side: 'sell' })).toBeUndefined();
    expect(reasonOf(createOkxParser()(push([item('SOL-USDT-SWAP', [{ side: 'buy', posSide: 'long', sz: '1', bkPx: '150' }])]), RECV))).toBe(
      'contradictory liquidation on SOL-USDT-SWAP: posSide long with order side buy',
    );
  });

  it('USDC-margined swap: linear, counted 1:1 (BTC-USDC-SWAP: 0.0001 BTC a contract)', () => {
    const [e] = eventsOf(createOkxParser()(push([item('BTC-USDC-SWAP', [{ side: 'sell', posSide: 'net', sz: '1200', bkPx: '110000' }])]), RECV));
    expect(e).toEqual(liq({ instId: 'BTC-USDC-SWAP', base: 'BTC', side: 'long', price: 110000, qty: 1200 * 0.0001, usd: 1200 * 0.0001 * 110000, key: `BTC-USDC-SWAP:${TS}:net:sell:1200:110000` }));
    expect(e?.type === 'liquidation' && e.notionalUsd).toBeCloseTo(13200, 6); // 1200 × 0.0001 is not exact in binary
  });

  it('inverse USD swap: sz contracts × ctVal USD is the notional; qty in coin is that over bkPx', () => {
    const [e] = eventsOf(createOkxParser()(push([item('BTC-USD-SWAP', [{ side: 'buy', posSide: 'short', sz: '5', bkPx: '125000' }])]), RECV));
    expect(e).toEqual(liq({ instId: 'BTC-USD-SWAP', base: 'BTC', side: 'short', price: 125000, qty: 500 / 125000, usd: 500, key: `BTC-USD-SWAP:${TS}:short:buy:5:125000` }));
    const [sol] = eventsOf(createOkxParser()(push([item('SOL-USD-SWAP', [{ side: 'sell', posSide: 'long', sz: '7', bkPx: '200' }])]), RECV));
    expect(sol?.type === 'liquidation' && [sol.notionalUsd, sol.qty]).toEqual([70, 70 / 200]);
  });

  it('quarterly futures on the FUTURES channel: inverse BTC-USD-251226 and linear ETH-USDT-251226 from the built-in table', () => {
    const frame = push(
      [
        item('BTC-USD-251226', [{ side: 'sell', posSide: 'net', sz: '12', bkPx: '118000' }], 'FUTURES'),
        item('ETH-USDT-251226', [{ side: 'buy', posSide: 'net', sz: '30', bkPx: '4100' }], 'FUTURES'),
      ],
      'FUTURES',
    );
    expect(eventsOf(createOkxParser()(frame, RECV))).toEqual([
      liq({ instId: 'BTC-USD-251226', base: 'BTC', side: 'long', price: 118000, qty: 1200 / 118000, usd: 1200, key: `BTC-USD-251226:${TS}:net:sell:12:118000` }),
      liq({ instId: 'ETH-USDT-251226', base: 'ETH', side: 'short', price: 4100, qty: 30 * 0.1, usd: 30 * 0.1 * 4100, key: `ETH-USDT-251226:${TS}:net:buy:30:4100` }),
    ]);
  });

  it('the market list wins over the built-in table (a contract value OKX changed)', () => {
    const parse = createOkxParser({ instruments: listed({ symbol: 'SOL-USDT-SWAP', base: 'SOL', quote: 'USDT', settle: 'USDT', type: 'linear', contractValue: 0.1 }) });
    const [e] = eventsOf(parse(push([item('SOL-USDT-SWAP', [{ side: 'sell', posSide: 'long', sz: '10', bkPx: '150' }])]), RECV));
    expect(e?.type === 'liquidation' && e.notionalUsd).toBe(10 * 0.1 * 150);
  });

  it('a quote that is not USD needs a reference price: refused without one, valued after the coin USDT perpetual open interest states it', () => {
    const parse = createOkxParser({ instruments: listed({ symbol: 'ETH-BTC-SWAP', base: 'ETH', quote: 'BTC', settle: 'BTC', type: 'linear', contractValue: 0.1 }) });
    const frame = push([item('ETH-BTC-SWAP', [{ side: 'sell', posSide: 'net', sz: '10', bkPx: '0.035' }])]);
    expect(reasonOf(parse(frame, RECV))).toBe(
      'no reference price: ETH-BTC-SWAP is quoted in BTC and no BTC USD price was seen within 300000 ms; left out of USD totals',
    );
    const oi = JSON.stringify({ code: '0', msg: '', data: [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', oi: '100', oiCcy: '1', oiUsd: '110000', ts: TS }] });
    eventsOf(parse(oi, RECV));
    const [e] = eventsOf(parse(frame, RECV + 1000));
    expect(e?.type === 'liquidation' && e.notionalUsd).toBe(10 * 0.1 * 0.035 * 110000);
    // Stale: five minutes and a millisecond later the reference no longer counts.
    expect(refused(parse(frame, RECV + 300_001))).toBe(true);
  });

  it('an instrument-list answer (the refresh poller) values a market listed after start, and overrides older values', () => {
    const parse = createOkxParser();
    const frame = push([item('XRP-USDT-SWAP', [{ side: 'sell', posSide: 'net', sz: '4', bkPx: '2.5' }])]);
    expect(refused(parse(frame, RECV))).toBe(true);
    const rows = [
      { instId: 'XRP-USDT-SWAP', instType: 'SWAP', ctType: 'linear', ctVal: '100', ctValCcy: 'XRP', settleCcy: 'USDT', ctMult: '1', state: 'live' },
      { instId: 'BTC-USDT-SWAP', instType: 'SWAP', ctType: 'linear', ctVal: '0.001', ctValCcy: 'BTC', settleCcy: 'USDT', ctMult: '1', state: 'live' },
      { instId: 'NEW-USDT-SWAP', instType: 'SWAP', ctType: '', ctVal: '', ctValCcy: '', settleCcy: '', ctMult: '', state: 'preopen' },
    ];
    expect(parse(JSON.stringify({ code: '0', msg: '', data: rows }), RECV)).toEqual({ ok: true, events: [] });
    const [xrp] = eventsOf(parse(frame, RECV));
    expect(xrp?.type === 'liquidation' && [xrp.notionalUsd, xrp.qty]).toEqual([4 * 100 * 2.5, 400]);
    const [btc] = eventsOf(parse(push([item('BTC-USDT-SWAP', [{ side: 'sell', posSide: 'net', sz: '5', bkPx: '100000' }])]), RECV));
    expect(btc?.type === 'liquidation' && btc.notionalUsd).toBe(5 * 0.001 * 100000);
    expect(reasonOf(parse('{"code":"0","msg":"","data":[{"ctVal":"1"}]}', RECV))).toBe('instrument list without a valid row');
  });

  it('ids are deterministic; a second identical detail in one push is a second liquidation with #1', () => {
    const d: Detail = { side: 'sell', posSide: 'long', sz: '2', bkPx: '100000' };
    const frame = push([item('BTC-USDT-SWAP', [d, d])]);
    const ids = eventsOf(createOkxParser()(frame, RECV)).map((e) => (e.type === 'liquidation' ? e.id : ''));
    expect(ids).toEqual([`okx:BTC-USDT-SWAP:${TS}:long:sell:2:100000`, `okx:BTC-USDT-SWAP:${TS}:long:sell:2:100000#1`]);
    expect(eventsOf(createOkxParser()(frame, RECV + 5)).map((e) => (e.type === 'liquidation' ? e.id : ''))).toEqual(ids);
  });

  it('the built-in table: BTC, ETH, SOL USDT-linear and USD-inverse, swaps and futures; nothing else', () => {
    const cv = (id: string) => okxBuiltInInstrument(id)?.contractValue;
    expect(['BTC-USDT-SWAP', 'ETH-USDT-SWAP', 'SOL-USDT-SWAP', 'BTC-USDT-260327', 'ETH-USDT-251226', 'SOL-USDT-251226'].map(cv)).toEqual([0.01, 0.1, 1, 0.01, 0.1, 1]);
    expect(['BTC-USD-SWAP', 'ETH-USD-SWAP', 'SOL-USD-SWAP', 'BTC-USD-251226', 'ETH-USD-260327', 'SOL-USD-251226'].map(cv)).toEqual([100, 10, 10, 100, 10, 10]);
    expect(okxBuiltInInstrument('ETH-USD-SWAP')).toEqual({ symbol: 'ETH-USD-SWAP', base: 'ETH', quote: 'USD', settle: 'ETH', type: 'inverse', contractValue: 10, from: 'built-in' });
    expect(['DOGE-USDT-SWAP', 'BTC-USDT', 'BTC-USD-251226-100000-C', 'btc-usdt-swap', ''].map(okxBuiltInInstrument)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('OKX open interest (REST answers of the poller)', () => {
  it('docs sample: oiUsd as stated, oiCcy in coin, the price OKX valued it at', () => {
    expect(eventsOf(createOkxParser()(fixture('okx-openinterest-rest-1.json'), RECV))).toEqual([
      {
        type: 'open_interest',
        venue: 'okx',
        symbol: 'BTC-USDT-SWAP',
        base: 'BTC',
        oiBase: 555.55,
        oiUsd: 50000,
        markPrice: 50000 / 555.55,
        eventTime: 1597026383085,
        receiveTime: RECV,
        source: 'open-interest',
      },
    ]);
  });

  it('rows without open interest give no event; a refusal (non-zero code) is dead-lettered', () => {
    const rows = [
      { instType: 'FUTURES', instId: 'BTC-USD-251226', oi: '0', oiCcy: '0', oiUsd: '0', ts: TS },
      { instType: 'FUTURES', instId: 'BTC-USD-260327', oi: '20', oiCcy: '0.02', oiUsd: '2000', ts: TS },
    ];
    const events = eventsOf(createOkxParser()(JSON.stringify({ code: '0', msg: '', data: rows }), RECV));
    expect(events.map((e) => (e.type === 'open_interest' ? [e.symbol, e.oiUsd, e.oiBase, e.markPrice] : []))).toEqual([['BTC-USD-260327', 2000, 0.02, 100000]]);
    expect(reasonOf(createOkxParser()('{"code":"50011","msg":"Too Many Requests","data":[]}', RECV))).toBe('REST request refused: code 50011 Too Many Requests');
    expect(reasonOf(createOkxParser()(JSON.stringify({ code: '0', msg: '', data: [{ ...rows[1], instType: 'OPTION' }] }), RECV))).toBe(
      'open interest of instType "OPTION": not polled',
    );
  });
});

describe('OKX control and malformed frames', () => {
  const parse = createOkxParser();

  it('subscribe acknowledgement, pong, notice and connection count yield nothing', () => {
    for (const f of [
      '{"id":"1512","event":"subscribe","arg":{"channel":"liquidation-orders","instType":"SWAP"},"connId":"a4d3ae55"}',
      'pong',
      '{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"}',
      '{"event":"channel-conn-count","channel":"liquidation-orders","connCount":"2","connId":"abcd1234"}',
      '{"event":"unsubscribe","arg":{"channel":"liquidation-orders","instType":"SWAP"},"connId":"a4d3ae55"}',
    ])
      expect(parse(f, RECV), f).toEqual({ ok: true, events: [] });
  });

  it('an error event is dead-lettered with its code and message', () => {
    expect(reasonOf(parse('{"id":"1512","event":"error","code":"60012","msg":"Invalid request: {\\"op\\": \\"subscribe\\"}","connId":"a4d3ae55"}', RECV))).toBe(
      'OKX error 60012: Invalid request: {"op": "subscribe"}',
    );
  });

  it.each([
    ['not JSON', '{"arg":', 'invalid JSON'],
    ['an array', '[]', 'unknown message shape'],
    ['ping echoed', 'ping', 'invalid JSON'],
    ['another channel', '{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[]}', 'unexpected channel "tickers"'],
    ['an unknown event', '{"event":"login","code":"0"}', 'unexpected event "login"'],
    ['no shape', '{"foo":1}', 'unknown message shape'],
  ])('%s is rejected', (_name, f, reason) => {
    expect(reasonOf(parse(f, RECV))).toBe(reason);
  });

  it.each([
    ['an exponent size', { side: 'sell', posSide: 'net', sz: '1e3', bkPx: '100' }],
    ['a negative price', { side: 'sell', posSide: 'net', sz: '1', bkPx: '-100' }],
    ['a zero size', { side: 'sell', posSide: 'net', sz: '0', bkPx: '100' }],
    ['microseconds', { side: 'sell', posSide: 'net', sz: '1', bkPx: '100', ts: '1760130899123000' }],
    ['an unknown posSide', { side: 'sell', posSide: 'both', sz: '1', bkPx: '100' }],
  ])('a detail with %s is dead-lettered on its own; the good detail beside it counts', (_name, d) => {
    const frame = push([item('BTC-USDT-SWAP', [{ side: 'sell', posSide: 'net', sz: '1', bkPx: '100000' }, d as Detail])]);
    const r = parse(frame, RECV);
    expect(r.ok && r.events.map((e) => e.type === 'liquidation' && e.notionalUsd)).toEqual([1000]);
    expect(r.ok && r.rejected?.map((x) => x.entry)).toEqual([JSON.stringify({ bkLoss: '0', ccy: '', ts: TS, ...d })]);
  });

  it('a MARGIN push, or an item of another type than its channel, is refused', () => {
    expect(reasonOf(parse(push([item('BTC-USDT', [{ side: 'sell', posSide: 'net', sz: '1', bkPx: '1' }], 'MARGIN')], 'MARGIN'), RECV))).toMatch(/^invalid liquidation-orders item: instType/);
    expect(reasonOf(parse(push([item('BTC-USD-251226', [{ side: 'sell', posSide: 'net', sz: '1', bkPx: '1' }], 'FUTURES')], 'SWAP'), RECV))).toBe(
      'liquidation-orders item of FUTURES on the "SWAP" channel',
    );
  });

  it('property: a well-formed BTC-USDT-SWAP push yields one valid event per detail with notional sz × 0.01 × bkPx', () => {
    const decimal = fc.integer({ min: 1, max: 100_000_000 }).map((n) => (n / 100).toString());
    const detail = fc.record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      posSide: fc.constantFrom('net' as const),
      sz: decimal,
      bkPx: decimal,
      ts: fc.integer({ min: 0, max: 9_999_999_999_999 }).map(String),
    });
    fc.assert(
      fc.property(fc.array(detail, { maxLength: 12 }), (details) => {
        const events = eventsOf(createOkxParser()(push([item('BTC-USDT-SWAP', details)]), RECV));
        expect(events).toHaveLength(details.length);
        events.forEach((e, i) => {
          const d = details[i]!;
          expect(LiquidationEvent.safeParse(e).success).toBe(true);
          if (e.type !== 'liquidation') return;
          expect(e.notionalUsd).toBe(Number(d.sz) * 0.01 * Number(d.bkPx));
          expect(e.side).toBe(d.side === 'sell' ? 'long' : 'short');
          expect(e.eventTime).toBe(Number(d.ts));
        });
      }),
    );
  });

  it('property: arbitrary text and JSON never throw', () => {
    fc.assert(fc.property(fc.string(), (s) => typeof parse(s, RECV).ok === 'boolean'));
    fc.assert(fc.property(fc.json(), (s) => typeof parse(s, RECV).ok === 'boolean'));
  });
});
