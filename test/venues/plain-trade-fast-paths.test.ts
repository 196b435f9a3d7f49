import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { readPlainTrades as readDeribitPlain } from '../../src/venues/deribit/fast-frame.js';
import { createDeribitParser } from '../../src/venues/deribit/parse.js';
import { readPlainTrades as readDydxPlain } from '../../src/venues/dydx/fast-frame.js';
import { createDydxParser } from '../../src/venues/dydx/parse.js';
import { readPlainTrade, type PlainTrade } from '../../src/venues/kraken/fast-frame.js';
import { createKrakenParser } from '../../src/venues/kraken/parse.js';
import type { Instrument } from '../../src/venues/instruments.js';
import { assertFastPathExact, generatedAndMutated } from '../support/fast-path.js';
import { DIGITS_308, DIGITS_309, HUGE, mostly, takenShare } from '../support/plain-layout.js';

/**
 * The plain-layout fast paths of Kraken Futures, Deribit and dYdX (issue 22 §1, fifth pass): a capture-free pattern
 * for the frame or each trade, the fields read where the layout puts them, events built with per-market answers
 * (a SpanMap found by where the frame writes the name) as the frame is scanned. For every frame in the venue's plain
 * layout, hostile values included (numbers too long for a double or of 309 digits, zero, negative zero, leading
 * zeros, exponents, names that are no market or whose quote is not USD, unicode, escapes, times that are not a time
 * of their day) and mutated, the parser gives exactly what the full path (JSON.parse and the schemas) gives, and
 * leaves the same state behind. The first test of each venue shows the plain path takes the simulator's layout, and
 * the second that the generated frames take it often (a path that declined everything would pass the properties).
 */

// The capturing readers the parsers fall back to, counted: a parser whose plain path declined the simulator's frames
// (a wrong offset, a cache that never fills) would still give the right events through them.
const fallbacks = vi.hoisted(() => ({ kraken: 0, deribit: 0, dydx: 0 }));
vi.mock('../../src/venues/kraken/fast-frame.js', async (original) => {
  const m = await original<typeof import('../../src/venues/kraken/fast-frame.js')>();
  return { ...m, readTradeFrame: (f: string) => (fallbacks.kraken++, m.readTradeFrame(f)) };
});
vi.mock('../../src/venues/deribit/fast-frame.js', async (original) => {
  const m = await original<typeof import('../../src/venues/deribit/fast-frame.js')>();
  return { ...m, readTradesFrame: (f: string) => (fallbacks.deribit++, m.readTradesFrame(f)) };
});
vi.mock('../../src/venues/dydx/fast-frame.js', async (original) => {
  const m = await original<typeof import('../../src/venues/dydx/fast-frame.js')>();
  return { ...m, readTradesFrame: (f: string) => (fallbacks.dydx++, m.readTradesFrame(f)) };
});
/** `parse` of each frame, with how many frames went on past the plain path. */
function declined(venue: keyof typeof fallbacks, parse: (f: string, t: number) => unknown, frames: string[]): number {
  const before = fallbacks[venue];
  for (const f of frames) parse(f, 1760130935059);
  return fallbacks[venue] - before;
}

const RUNS = 500;
const list = <T>(a: fc.Arbitrary<T>, max = 4) => fc.array(a, { maxLength: max });
const num = mostly(['0.1245', '119890', '13002.5', '0.16506', '0', '-0', '-1.5', DIGITS_308, '0.1234567890123456', '123456789012345678', '5'], [HUGE, DIGITS_309, '1e5', '1E-3', '007', '"5"', '.5']);
const frameList = (frame: fc.Arbitrary<string>) => fc.array(generatedAndMutated(frame), { minLength: 1, maxLength: 6 });

describe('Kraken Futures plain layout', () => {
  const simulated =
    '{"feed":"trade","product_id":"PF_XBTUSD","uid":"054ad652-e356-48c5-a4f4-2dbc749cb3ed","side":"buy","type":"liquidation","seq":335470000,"time":1760128250196,"qty":0.1245,"price":119890}';
  const fields = (): PlainTrade => ({ productEnd: 0, uidStart: 0, uidEnd: 0, sell: true, liquidation: false, time: 0, qty: 0, price: 0 });
  it("takes the simulator's layout, its fields as JSON.parse reads them", () => {
    const into = fields();
    expect(readPlainTrade(simulated, into)).toBe(true);
    expect([simulated.slice(30, into.productEnd), simulated.slice(into.uidStart, into.uidEnd), into.sell, into.liquidation, into.time, into.qty, into.price]).toEqual([
      'PF_XBTUSD',
      '054ad652-e356-48c5-a4f4-2dbc749cb3ed',
      false,
      true,
      1760128250196,
      0.1245,
      119890,
    ]);
    expect(createKrakenParser()(simulated, 1760128250228)).toMatchObject({
      ok: true,
      events: [{ id: 'kraken-futures:PF_XBTUSD:054ad652-e356-48c5-a4f4-2dbc749cb3ed', symbol: 'PF_XBTUSD', base: 'BTC', side: 'short', qty: 0.1245, notionalUsd: 0.1245 * 119890 }],
    });
  });

  it("the parser's plain path takes the simulator's frames", () => {
    const sell = simulated.replace('"buy"', '"sell"').replace('PF_XBTUSD', 'PF_ETHUSD');
    expect(declined('kraken', createKrakenParser(), [simulated, sell, simulated])).toBe(0);
    expect(declined('kraken', createKrakenParser(), [` ${simulated}`])).toBe(1);
  });

  const trade = fc
    .tuple(
      mostly(['PF_XBTUSD', 'PF_XBTUSDX', 'PF_XBTUS', 'PI_XBTUSD', 'PF_ETHUSD', 'FI_XBTUSD_251226', 'PF_SOLUSD', 'PF_LISTEDUSD', 'in_xbtusd', 'no market', 'PF_ÄUSD'], ['PF_\\u0058BTUSD', '']),
      fc.oneof({ weight: 30, arbitrary: fc.uuid() }, fc.constantFrom('', 'ü', 'a\\"b', 'x,y')),
      mostly(['buy', 'sell'], ['Sell']),
      mostly(['liquidation', 'liquidation', 'fill', 'termination', 'liquidationx', 'liquidatio'], ['']),
      mostly(['335470000', '0'], ['01', '1.5', '1234567890123456']),
      mostly(['1760128250196', '0', '9999999999999'], ['17601282501960', '1760128250196.5', '-1']),
      num,
      num,
    )
    .map(([p, uid, side, type, seq, time, qty, price]) => `{"feed":"trade","product_id":"${p}","uid":"${uid}","side":"${side}","type":"${type}","seq":${seq},"time":${time},"qty":${qty},"price":${price}}`);
  // A listed product (discovery's contract size) beside the built-in table.
  const listed: Instrument = { symbol: 'PF_LISTEDUSD', base: 'LISTED', quote: 'USD', settle: 'USD', type: 'linear', contractValue: 0.001, from: 'discovery' };
  const make = () => createKrakenParser({ instruments: (s) => (s === listed.symbol ? listed : undefined) });

  it('the generated frames take the plain path often enough to test it', () => expect(takenShare(trade, (f) => readPlainTrade(f, fields()))).toBeGreaterThan(0.2));
  it('property: plain frames, hostile values included, give the full path result', () => assertFastPathExact(make, frameList(trade), RUNS));
});

describe('Deribit plain layout', () => {
  const simulated =
    '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.future.any.100ms","data":[{"trade_seq":126400027,"trade_id":"526400027","timestamp":1760130279779,"tick_direction":1,"price":115737.5,"mark_price":115737.5,"index_price":115737.5,"instrument_name":"BTC-PERPETUAL","direction":"sell","amount":3590,"liquidation":"MT"},' +
    '{"trade_seq":126400028,"trade_id":"526400028","timestamp":1760130279780,"tick_direction":0,"price":2.0793,"mark_price":2.0793,"index_price":2.0793,"instrument_name":"XRP_USDC-PERPETUAL","direction":"buy","amount":4083}]}}';
  it("takes the simulator's layout, its fields as JSON.parse reads them", () => {
    const seen: unknown[][] = [];
    const read = readDeribitPlain(simulated, {
      trade: (f, idStart, idEnd, timestamp, price, instrument, instrumentEnd, sell, amount, liquidation) =>
        seen.push([f.slice(idStart, idEnd), timestamp, price, f.slice(instrument, instrumentEnd), sell, amount, liquidation]) > 0,
    });
    expect(read).toBe(true);
    expect(seen).toEqual([
      ['526400027', 1760130279779, 115737.5, 'BTC-PERPETUAL', true, 3590, 'MT'],
      ['526400028', 1760130279780, 2.0793, 'XRP_USDC-PERPETUAL', false, 4083, ''],
    ]);
    expect(createDeribitParser()(simulated, 1760130279869)).toMatchObject({
      ok: true,
      events: [
        { id: 'deribit:BTC-PERPETUAL:526400027:T', side: 'long', notionalUsd: 3590 },
        { id: 'deribit:BTC-PERPETUAL:526400027:M', side: 'short', notionalUsd: 3590 },
      ],
    });
  });

  it("the parser's plain path takes the simulator's frames", () => {
    const single = simulated.replace('"MT"', '"M"');
    expect(declined('deribit', createDeribitParser(), [simulated, single, simulated.replace('"MT"', '"T"')])).toBe(0);
    expect(declined('deribit', createDeribitParser(), [` ${simulated}`])).toBe(1);
  });

  const trade = fc
    .tuple(
      mostly(['126400027', '0'], ['01', '-1']),
      fc.oneof({ weight: 30, arbitrary: fc.nat().map(String) }, fc.constantFrom('', 'ü', 'a\\"b', 'x,y')),
      mostly(['1760130279779', '0', '9999999999999'], ['17601302797790', '1760130279779.5']),
      mostly(['0', '1', '3'], ['-1']),
      num,
      num,
      num,
      mostly(['BTC-PERPETUAL', 'BTC-PERPETUALX', 'BTC-PERPETUA', 'ETH-26DEC25', 'SOL_USDC-PERPETUAL', 'ETH_BTC-PERPETUAL', 'BTC-27DEC25-100000-C', 'bad name!', 'BTC-PERPETÜAL'], ['BTC-\\u0050ERPETUAL', '']),
      mostly(['buy', 'sell'], ['Buy']),
      num,
      mostly(['M', 'T', 'MT', 'none', 'none'], ['TM', 'X', '']),
    )
    .map(
      ([seq, id, time, tick, price, mark, index, inst, direction, amount, liq]) =>
        `{"trade_seq":${seq},"trade_id":"${id}","timestamp":${time},"tick_direction":${tick},"price":${price},"mark_price":${mark},"index_price":${index},"instrument_name":"${inst}","direction":"${direction}","amount":${amount}` +
        (liq === 'none' ? '}' : `,"liquidation":"${liq}"}`),
    );
  // Identical trades (copies) in one notification, too.
  const frame = fc
    .tuple(list(trade), fc.nat({ max: 2 }), mostly(['trades.future.any.100ms', 'trades.BTC-PERPETUAL.raw'], ['book.x', '']))
    .map(([ts, copies, channel]) => `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"${channel}","data":[${[...ts, ...ts.slice(0, copies)].join(',')}]}}`);
  const anyTrade = { trade: () => true };

  it('the generated frames take the plain path often enough to test it', () => expect(takenShare(frame, (f) => readDeribitPlain(f, anyTrade))).toBeGreaterThan(0.2));
  it('property: plain frames, hostile values included, give the full path result', () => assertFastPathExact(() => createDeribitParser(), frameList(frame), RUNS));
});

describe('dYdX plain layout', () => {
  const simulated =
    '{"type":"channel_data","connection_id":"5d3f2a10-7c1e-4b8a-9f0e-2a6b1c9d8e70","message_id":127500323,"id":"LINK-USD","channel":"v4_trades","version":"2.1.0","contents":{"trades":[' +
    '{"id":"000000016799802200000002","side":"SELL","size":"402.3","price":"15.134","type":"LIQUIDATED","createdAt":"2025-10-10T21:15:34.382Z","createdAtHeight":"30076534"},' +
    '{"id":"000000016799802200000003","side":"BUY","size":"2","price":"15","type":"DELEVERAGED","createdAt":"2025-10-10T21:15:34.999Z","createdAtHeight":"30076534"}]}}';
  it("takes the simulator's layout, its fields as JSON.parse reads them", () => {
    const seen: unknown[][] = [];
    const read = readDydxPlain(simulated, {
      begin: (f, start, end) => seen.push([f.slice(start, end)]) > 0,
      trade: (f, idStart, idEnd, sell, size, sizeEnd, price, priceEnd, type, typeEnd, createdAt) =>
        seen.push([f.slice(idStart, idEnd), sell, f.slice(size, sizeEnd), f.slice(price, priceEnd), f.slice(type, typeEnd), f.slice(createdAt, createdAt + 24)]) > 0,
    });
    expect(read).toBe(true);
    expect(seen).toEqual([
      ['LINK-USD'],
      ['000000016799802200000002', true, '402.3', '15.134', 'LIQUIDATED', '2025-10-10T21:15:34.382Z'],
      ['000000016799802200000003', false, '2', '15', 'DELEVERAGED', '2025-10-10T21:15:34.999Z'],
    ]);
    expect(createDydxParser()(simulated, 1760130935059)).toMatchObject({
      ok: true,
      events: [
        { id: 'dydx:LINK-USD:000000016799802200000002', side: 'long', kind: 'liquidation', eventTime: Date.parse('2025-10-10T21:15:34.382Z'), notionalUsd: 402.3 * 15.134 },
        { id: 'dydx:LINK-USD:000000016799802200000003:deleveraged', side: 'short', kind: 'liquidation', notionalUsd: 30 },
        { id: 'dydx:LINK-USD:000000016799802200000003', side: 'long', kind: 'adl', eventTime: Date.parse('2025-10-10T21:15:34.999Z') },
      ],
    });
  });

  it("the parser's plain path takes the simulator's frames, of one day and the next", () => {
    const nextDay = simulated.replaceAll('2025-10-10T', '2025-10-11T').replace('LINK-USD', 'BTC-USD');
    expect(declined('dydx', createDydxParser(), [simulated, nextDay, simulated])).toBe(0);
    expect(declined('dydx', createDydxParser(), [` ${simulated}`])).toBe(1);
  });

  const decimal = mostly(['402.3', '15.134', '0', '0.0', '24993', DIGITS_308, '0.1234567890123456', '123456789012345678'], [HUGE, DIGITS_309, '-1', '1e3', '.5', '']);
  // Times of a few days (the parser keeps the last day's midnight), and times that are no time of their day.
  // (Often: each is a case of its own.)
  const createdAt = fc.constantFrom(
    '2025-10-10T21:15:34.382Z',
    '2025-10-10T23:59:59.999Z',
    '2025-10-11T00:00:00.000Z',
    '2024-02-29T12:00:00.500Z',
    '1970-01-01T00:00:00.000Z',
    '2025-10-10T21:15:34.382Z',
    '2025-10-10T24:00:00.000Z',
    '2025-10-10T24:00:01.000Z',
    '2025-10-10T23:60:00.000Z',
    '2025-10-10T23:59:60.000Z',
    '2025-13-10T21:15:34.382Z',
    '2025-02-30T21:15:34.382Z',
    '2025-10-32T21:15:34.382Z',
    '1969-12-31T23:59:59.999Z',
    '0000-01-01T00:00:00.000Z',
    // Past 13 digits of milliseconds (the year 2286): no event time.
    '2300-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '2025-10-10T21:15:34.38Z',
    '2025-10-10T21:15:34Z',
  );
  const trade = fc
    .tuple(
      fc.oneof({ weight: 30, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) }, fc.constantFrom('', 'ü', 'a\\"b')),
      mostly(['BUY', 'SELL'], ['buy']),
      decimal,
      decimal,
      mostly(['LIQUIDATED', 'LIQUIDATED', 'DELEVERAGED', 'LIMIT', 'LIQUIDATEDX', 'DELEVERAGE'], ['']),
      createdAt,
      mostly(['"30076534"', 'none'], ['30076534', 'null']),
    )
    .map(
      ([id, side, size, price, type, at, height]) =>
        `{"id":"${id}","side":"${side}","size":"${size}","price":"${price}","type":"${type}","createdAt":"${at}"${height === 'none' ? '' : `,"createdAtHeight":${height}`}}`,
    );
  const frame = fc
    .tuple(list(trade), fc.nat({ max: 2 }), mostly(['BTC-USD', 'BTC-USDX', 'BTC-US', 'LINK-USD', 'no market', 'BTC-ÜSD'], ['BTC-\\u0055SD', '']), mostly(['channel_data'], ['subscribed', 'channel_batch_data']))
    .map(
      ([ts, copies, market, type]) =>
        `{"type":"${type}","connection_id":"5d3f2a10-7c1e-4b8a-9f0e-2a6b1c9d8e70","message_id":127500323,"id":"${market}","channel":"v4_trades","version":"2.1.0","contents":{"trades":[${[...ts, ...ts.slice(0, copies)].join(',')}]}}`,
    );
  const anyTrade = { begin: () => true, trade: () => true };

  it('the generated frames take the plain path often enough to test it', () => expect(takenShare(frame, (f) => readDydxPlain(f, anyTrade))).toBeGreaterThan(0.2));
  it('property: plain frames, hostile values and times included, give the full path result', () => assertFastPathExact(() => createDydxParser(), frameList(frame), RUNS));
});
