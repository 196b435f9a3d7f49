import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPlainFrame } from '../../src/venues/bitfinex/fast-frame.js';
import { createBitfinexParser } from '../../src/venues/bitfinex/parse.js';
import { readPlainPush } from '../../src/venues/bitget/fast-frame.js';
import { createBitgetParser } from '../../src/venues/bitget/parse.js';
import { readPlainInsert } from '../../src/venues/bitmex/fast-frame.js';
import { createBitmexParser } from '../../src/venues/bitmex/parse.js';
import { RecentNames, plainNumber, plainValue } from '../../src/venues/scan.js';
import { checkEvent, isEpoch, liquidationPasses, plainlyNamed } from '../../src/venues/venue.js';
import type { LiquidationEvent } from '../../src/schema/events.js';
import { assertFastPathExact, generatedAndMutated } from '../support/fast-path.js';

/**
 * The plain-layout fast paths of Bitfinex, BitMEX and Bitget (issue 22 §1, fourth pass): a capture-free pattern per
 * entry, the fields read where the layout puts them, events built with per-market answers. For every frame in the
 * venue's plain layout, hostile values included (numbers too long for a double or of 309 digits, zero, negative
 * zero, leading zeros, exponents, names that are no market, unicode, escapes, copies of a row) and mutated, the
 * parser gives exactly what the full path (JSON.parse and the schemas) gives, and leaves the same state behind.
 * The first test of each venue shows the plain path takes the simulator's layout (a path that declined
 * everything would pass the properties).
 */

const RUNS = 500;
const HUGE = '1' + '0'.repeat(400);
const DIGITS_309 = '1' + '0'.repeat(308);
const DIGITS_308 = '1' + '0'.repeat(307);
/** The share of `frames` (sampled) that `read` takes whole: the properties below must exercise the plain path. */
const takenShare = (frames: fc.Arbitrary<string>, read: (frame: string) => boolean): number => {
  const sample = fc.sample(frames, { numRuns: 2_000, seed: 22 });
  return sample.filter(read).length / sample.length;
};
/** Mostly values of the plain layout (some of which the parser refuses), now and then one outside it. */
const mostly = (inLayout: string[], outside: string[]) => fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...inLayout) }, { weight: 1, arbitrary: fc.constantFrom(...outside) });
const list = <T>(a: fc.Arbitrary<T>, max = 4) => fc.array(a, { maxLength: max });
/** Some entries of `entries` written twice (identical copies in one frame). */
const withCopies = <T>(entries: fc.Arbitrary<T[]>) =>
  fc.tuple(entries, fc.nat({ max: 3 })).map(([es, n]) => (n === 0 || es.length === 0 ? es : [...es, ...es.slice(0, n)]));

describe('plainNumber and plainValue', () => {
  it('property: a plain JSON number ends where JSON.parse reads it to, with the value JSON.parse gives', () => {
    const text = fc.stringMatching(/^-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,20})?$/);
    fc.assert(
      fc.property(text, (t) => {
        const end = plainNumber(`${t},`, 0);
        expect(end).toBe(t.length);
        expect(Object.is(plainValue(t, 0, end), JSON.parse(t))).toBe(true);
      }),
      { numRuns: 5_000 },
    );
    for (const t of ['-', '.5', '-.5', '1.', 'x', '', '-x']) expect(plainNumber(t, 0)).toBe(-1);
    // JSON.parse refuses what follows: the caller's check.
    expect(plainNumber('01', 0)).toBe(1);
    expect(plainNumber('1e5', 0)).toBe(1);
  });
});

describe('liquidationPasses', () => {
  it('property: the answer of checkEvent for a perp liquidation, given its market\'s plainlyNamed and the receive time\'s isEpoch', () => {
    const num = fc.oneof(fc.double(), fc.constantFrom(0, -0, -1, Infinity, NaN, 1e-300, 5));
    const time = fc.oneof(fc.integer({ min: 0, max: 9_999_999_999_999 }), fc.constantFrom(-1, 1.5, 2 ** 53));
    fc.assert(
      fc.property(fc.constantFrom('BTCUSDT', 'tBTCF0:USTF0', 'no market', ''), fc.constantFrom('BTC', 'bad base', ''), num, num, num, time, time, (symbol, base, price, qty, usd, eventTime, receiveTime) => {
        const e: LiquidationEvent = { type: 'liquidation', id: 'x:1', venue: 'bitget', symbol, base, side: 'long', price, qty, notionalUsd: usd, eventTime, receiveTime, fidelity: 'sampled', kind: 'liquidation', source: 'liquidation' };
        // The callers' precondition: an event time of at most 13 digits.
        fc.pre(isEpoch(eventTime) && eventTime <= 9_999_999_999_999);
        expect(liquidationPasses(e, plainlyNamed('bitget', symbol, base), isEpoch(receiveTime))).toBe(checkEvent(e, '') === undefined);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('RecentNames', () => {
  it('gives the text read, the same string for a name read again, and keeps only the last names', () => {
    const names = new RecentNames(2);
    const text = '"BTCUSDT","BTCUSD","BTCUSDT","ETHUSDT","SOLUSDT","BTCUSDT"';
    const at = (name: string, from = 0) => {
      const start = text.indexOf(`"${name}"`, from) + 1;
      return names.at(text, start, start + name.length);
    };
    const first = at('BTCUSDT');
    expect(first).toBe('BTCUSDT');
    expect(at('BTCUSD')).toBe('BTCUSD');
    expect(at('BTCUSDT', 20)).toBe(first);
    expect([at('ETHUSDT'), at('SOLUSDT'), at('BTCUSDT', 40)]).toEqual(['ETHUSDT', 'SOLUSDT', 'BTCUSDT']);
  });
});

describe('Bitfinex plain layout', () => {
  // The simulator's frame: a trigger and its market execution.
  const simulated =
    '[386841,[["pos",192300000,1760128208887,null,"tSOLF0:USTF0",-4.38414544,206.7,null,0,1,null,217.58],["pos",192300000,1760128208887,null,"tSOLF0:USTF0",-4.38414544,206.7,null,1,1,null,217.8]]]';
  it("takes the simulator's layout: triggers only, their fields as JSON.parse reads them", () => {
    const seen: unknown[][] = [];
    expect(readPlainFrame(simulated, (idStart, idEnd, mts, symbol, amount, acquired) => seen.push([simulated.slice(idStart, idEnd), mts, symbol, amount, acquired]) > 0)).toBe(true);
    expect(seen).toEqual([['192300000', 1760128208887, 'tSOLF0:USTF0', -4.38414544, 217.58]]);
    expect(createBitfinexParser()(simulated, 1760128209000)).toMatchObject({ ok: true, events: [{ id: 'bitfinex:tSOLF0:USTF0:192300000', side: 'short', qty: 4.38414544, notionalUsd: 4.38414544 * 217.58 }] });
  });

  it('a pair whose name begins with the last pair read is read whole', () => {
    const trigger = (symbol: string) => `["pos",1,1760128208887,null,"${symbol}",-4.38414544,206.7,null,0,1,null,217.58]`;
    const frames = ['tBTC:USD', 'tBTC:USDT', 'tBTC:USDTXY', 'tBTC:USD'].map((s) => `[386841,[${trigger(s)}]]`);
    const fast = createBitfinexParser();
    const full = createBitfinexParser();
    for (const f of frames) expect(fast(f, 1760128209000)).toEqual(full(` ${f}`, 1760128209000));
  });

  // Marks first (a trigger without PRICE_ACQUIRED is valued at its base's mark), then plain frames.
  const status = JSON.stringify(
    ['tBTCF0:USTF0', 'tETHF0:USTF0', 'tSOLF0:USTF0'].map((key, i) => [key, 1760128200000, null, 1, 1, null, 1, null, 1, 0, 1, null, 0, null, null, [120300, 4307.2, 217.83][i], null, null, 1000, null, null, null, 0, 0]),
  );
  const num = mostly(['-4.38414544', '0.00268657', '-0', '0', DIGITS_308, '-123456789012345678', '0.1234567890123456', '-1.5'], [HUGE, DIGITS_309, '1e5', '007']);
  const entry = fc
    .tuple(
      fc.oneof({ weight: 30, arbitrary: fc.nat().map(String) }, fc.constantFrom('999999999999999', '1000000000000000', '01', '-1', '1.5')),
      mostly(['1760128208887', '0'], ['17601282088870', '1760128208887.5']),
      mostly(['tBTCF0:USTF0', 'tETHF0:USTF0', 'tSOLF0:USTF0', 'tBTCF0:USTF0X', 'tBTCF0:USTF0XY', 'tBTC:USD', 'tBTC:USDT', 'tBTCF0:USTF', 'tETHEUR', 'tBTCUSD', 'fUSD', 't]x,y', 'tÄBC:USD'], ['t\\u0041BC:USD', '']),
      num,
      mostly(['null', '206.7', '-1', DIGITS_308], [HUGE, DIGITS_309, '1e3']),
      mostly(['0', '0', '1'], ['2', 'null']),
      mostly(['0', '1', 'null'], ['true']),
      mostly(['null', '217.58', '9080', '0', '-5', DIGITS_308, '0.5'], [HUGE, DIGITS_309, '1e2']),
      mostly(['null'], ['"x"']),
    )
    .map(([id, mts, s, a, p, m, sold, q, unnamed]) => `["pos",${id},${mts},${unnamed},"${s}",${a},${p},null,${m},${sold},null,${q}]`);
  const frame = fc
    .tuple(fc.constantFrom('386841', '0', '1.5e3'), withCopies(list(entry)), fc.constantFrom('', '', ',5,1760128208887', ',"liquidations","global"', ',{}'))
    .map(([chan, entries, tail]) => `[${chan},[${entries.join(',')}]${tail}]`);
  it('the generated frames take the plain path often enough to test it', () => expect(takenShare(frame, (f) => readPlainFrame(f, () => true))).toBeGreaterThan(0.2));
  it('property: plain frames, hostile values included, give the full path result', () =>
    assertFastPathExact(
      () => createBitfinexParser(),
      fc.tuple(fc.boolean(), fc.array(generatedAndMutated(frame), { minLength: 1, maxLength: 6 })).map(([marks, frames]) => (marks ? [status, ...frames] : frames)),
      RUNS,
    ));
});

describe('BitMEX plain layout', () => {
  const simulated = '{"table":"liquidation","action":"insert","data":[{"orderID":"542b26c5-a73d-4087-aff4-339ad26e3ed7","symbol":"ETHUSDT","side":"Sell","price":4320.9,"leavesQty":323000}]}';
  it("takes the simulator's layout", () => {
    const seen: unknown[][] = [];
    expect(readPlainInsert(simulated, (idStart, idEnd, symbol, side, price, leavesQty) => seen.push([simulated.slice(idStart, idEnd), symbol, side, price, leavesQty]) > 0)).toBe(true);
    expect(seen).toEqual([['542b26c5-a73d-4087-aff4-339ad26e3ed7', 'ETHUSDT', 'Sell', 4320.9, 323000]]);
    expect(createBitmexParser()(simulated, 1760128209000)).toMatchObject({ ok: true, events: [{ id: 'bitmex:542b26c5-a73d-4087-aff4-339ad26e3ed7', side: 'long', price: 4320.9 }] });
  });

  // An instrument list changes what a contract is worth (XBTUSDT's position multiplier) and lists a contract the
  // built-in table lacks: a market the fast path worked out before it must be worked out again.
  const instruments = (positionMultiplier: number) =>
    JSON.stringify([
      { symbol: 'XBTUSD', underlying: 'XBT', quoteCurrency: 'USD', settlCurrency: 'XBt', isInverse: true, isQuanto: false, multiplier: -100000000, underlyingToSettleMultiplier: -100000000, markPrice: 120000 },
      { symbol: 'XBTUSDT', underlying: 'XBT', quoteCurrency: 'USDT', settlCurrency: 'USDt', isInverse: false, isQuanto: false, multiplier: 1, underlyingToPositionMultiplier: positionMultiplier },
      { symbol: 'XBTZ25', underlying: 'XBT', quoteCurrency: 'USD', settlCurrency: 'XBt', isInverse: true, isQuanto: false, multiplier: -100000000, underlyingToSettleMultiplier: -100000000 },
    ]);
  it('an instrument list that changes a contract changes the value of its next liquidations', () => {
    const insert = `{"table":"liquidation","action":"insert","data":[{"orderID":"dd9cea25-207c-0dab-15b5-b88da776f500","symbol":"XBTUSDT","side":"Buy","price":100000,"leavesQty":5000}]}`;
    const fast = createBitmexParser();
    const full = createBitmexParser();
    const qty: number[] = [];
    for (const f of [insert, instruments(100_000), insert, instruments(1_000_000), insert]) {
      const r = fast(f, 1760128209000);
      expect(r).toEqual(full(` ${f}`, 1760128209000));
      if (r.ok && r.events[0]?.type === 'liquidation') qty.push(r.events[0].qty);
    }
    expect(qty).toEqual([0.005, 0.05, 0.005]);
  });
  const num = mostly(['10106', '13854.5', '4320.9', '323000', '0', DIGITS_308, '0.1234567890123456', '123456789012345678'], ['-1', '007', HUGE, DIGITS_309, '1e3', '"5"']);
  const row = fc
    .tuple(
      fc.oneof({ weight: 30, arbitrary: fc.uuid() }, fc.constantFrom('', 'ABC-def', 'a'.repeat(64), 'a'.repeat(65), 'not-a-guid!')),
      mostly(['XBTUSD', 'XBTUSDT', 'ETHUSD', 'ETHUSDT', 'SOLUSDT', 'XBTZ25', 'XBTUSDTX', 'XBTUS', 'bad name!', 'ÄTHUSD'], ['X\\u0042TUSD', '']),
      mostly(['Buy', 'Sell'], ['buy']),
      num,
      num,
    )
    .map(([id, symbol, side, price, qty]) => `{"orderID":"${id}","symbol":"${symbol}","side":"${side}","price":${price},"leavesQty":${qty}}`);
  const insert = fc
    .tuple(fc.constantFrom('insert', 'insert', 'insert', 'update'), withCopies(list(row)), fc.constantFrom('', '', ',"x":1'))
    .map(([action, rows, extra]) => `{"table":"liquidation","action":"${action}","data":[${rows.join(',')}]${extra}}`);
  const frames = fc.array(fc.oneof({ weight: 8, arbitrary: generatedAndMutated(insert) }, fc.constantFrom(instruments(1_000_000), instruments(100_000))), { minLength: 1, maxLength: 8 });
  it('the generated inserts take the plain path often enough to test it', () => expect(takenShare(insert, (f) => readPlainInsert(f, () => true))).toBeGreaterThan(0.2));
  it('property: plain inserts, hostile values and instrument lists between them included, give the full path result', () =>
    assertFastPathExact(() => createBitmexParser(), frames, RUNS));
});

describe('Bitget plain layout', () => {
  const simulated =
    '{"data":[{"symbol":"DOGEUSDT","side":"sell","price":"0.248","amount":"9181.4462","ts":"1760128511834"},{"symbol":"BTCUSDT","side":"buy","price":"120490","amount":"2138.0958","ts":"1760128511907"}],"arg":{"instType":"usdt-futures","topic":"liquidation"},"action":"update","ts":1760128512000}';
  it("takes the simulator's layout", () => {
    const seen: unknown[][] = [];
    const types: string[] = [];
    const read = readPlainPush(
      simulated,
      (t) => types.push(t) > 0,
      (symbol, buy, price, _ps, _pe, amount, amountStart, amountEnd, ts, tsStart, tsEnd) =>
        seen.push([symbol, buy, price, amount, simulated.slice(amountStart, amountEnd), ts, simulated.slice(tsStart, tsEnd)]) > 0,
    );
    expect(read).toBe(true);
    expect(types).toEqual(['usdt-futures']);
    expect(seen).toEqual([
      ['DOGEUSDT', false, 0.248, 9181.4462, '9181.4462', 1760128511834, '1760128511834'],
      ['BTCUSDT', true, 120490, 2138.0958, '2138.0958', 1760128511907, '1760128511907'],
    ]);
  });
  it('numbers identical rows of a push as frameIds does: #1, #2 for the copies, whatever rows lie between', () => {
    const r = (ts: string, amount = '1') => `{"symbol":"BTCUSDT","side":"buy","price":"100","amount":"${amount}","ts":"${ts}"}`;
    const frame = `{"data":[${[r('5'), r('5', '2'), r('5'), r('6'), r('5'), r('05')].join(',')}],"arg":{"instType":"usdt-futures","topic":"liquidation"},"action":"update"}`;
    const result = createBitgetParser()(frame, 1760128512000);
    const key = 'bitget:usdt-futures:BTCUSDT';
    expect(result.ok && result.events.map((e) => (e as { id: string }).id)).toEqual([
      `${key}:5:buy:1:100`,
      `${key}:5:buy:2:100`,
      `${key}:5:buy:1:100#1`,
      `${key}:6:buy:1:100`,
      `${key}:5:buy:1:100#2`,
      `${key}:05:buy:1:100`,
    ]);
  });

  const decimal = mostly(['89000', '37.722858', '0.248', '0', '007', '0.0', DIGITS_308, '0.1234567890123456', '123456789012345678'], [HUGE, DIGITS_309, '-1', '1e3', '.5']);
  const row = fc
    .tuple(
      mostly(['BTCUSDT', 'ETHUSDT', 'BTCUSD', 'ETHPERP', 'ETHUSD_231229', 'BTCUSDC', 'BTCUSDTX', 'no market', 'ÄTHUSDT'], ['B\\u0054CUSDT', '']),
      mostly(['buy', 'sell'], ['Buy']),
      decimal,
      decimal,
      mostly(['1736371332162', '1736371332162', '0', '00017'], ['12345678901234', '']),
    )
    .map(([symbol, side, price, amount, ts]) => `{"symbol":"${symbol}","side":"${side}","price":"${price}","amount":"${amount}","ts":"${ts}"}`);
  const push = fc
    .tuple(
      withCopies(list(row, 5)),
      mostly(['usdt-futures', 'coin-futures', 'usdc-futures'], ['spot']),
      mostly(['update', 'snapshot'], ['delta']),
      mostly([',"ts":1736371332162', ''], [',"ts":"1"', ',"ts":12345678901234']),
    )
    .map(([rows, instType, action, ts]) => `{"data":[${rows.join(',')}],"arg":{"instType":"${instType}","topic":"liquidation"},"action":"${action}"${ts}}`);
  it('the generated pushes take the plain path often enough to test it', () =>
    expect(takenShare(push, (f) => readPlainPush(f, () => true, () => true))).toBeGreaterThan(0.2));
  it('property: plain pushes, hostile values and copies included, give the full path result', () =>
    assertFastPathExact(() => createBitgetParser(), fc.array(generatedAndMutated(push), { minLength: 1, maxLength: 6 }), RUNS));
  it('a push of more rows than the fast path numbers gives the full path result', () => {
    const rows = Array.from({ length: 70 }, (_, i) => `{"symbol":"BTCUSDT","side":"buy","price":"100","amount":"1","ts":"${1736371332162 + (i % 3)}"}`);
    const frame = `{"data":[${rows.join(',')}],"arg":{"instType":"usdt-futures","topic":"liquidation"},"action":"update"}`;
    expect(createBitgetParser()(frame, 1760128512000)).toEqual(createBitgetParser()(` ${frame}`, 1760128512000));
  });
});
