import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPlainFrame } from '../../src/venues/bitfinex/fast-frame.js';
import { createBitfinexParser } from '../../src/venues/bitfinex/parse.js';
import { readPlainInsert } from '../../src/venues/bitmex/fast-frame.js';
import { createBitmexParser } from '../../src/venues/bitmex/parse.js';
import { SpanSlots, nameAt } from '../../src/venues/fast-events.js';
import { plainEntry, readPlainUpdate } from '../../src/venues/gate/fast-frame.js';
import { createGateParser } from '../../src/venues/gate/parse.js';
import { MAX_FINITE_DIGITS, hasLongInteger } from '../../src/venues/scan.js';
import type { FrameParser } from '../../src/venues/venue.js';
import { expectFramesAsFullPath, generatedAndMutated } from '../support/fast-path.js';

/**
 * The plain paths of Gate, BitMEX and Bitfinex after issue 22 §1's fifth pass: one pattern tests the whole frame,
 * with no counted repeats (the lengths the schemas bound are checked on the positions the walk finds), then the
 * walk finds each field by the character that ends it; names are found by SpanSlots. Each frame below sits at an
 * edge the pattern no longer checks (a length just inside or outside a bound, a name holding the characters the walk
 * looks for): the parser gives what the full path (JSON.parse and the schemas) gives, and the plain path takes the
 * frames inside the bounds (a path that declined them all would pass the comparison).
 */

const RECEIVE = 1_760_128_209_000;
const D308 = '9'.repeat(MAX_FINITE_DIGITS);
const D309 = '1' + '0'.repeat(MAX_FINITE_DIGITS);
const D309_MAX = '9'.repeat(MAX_FINITE_DIGITS + 1);

const assertSame = (make: () => FrameParser, frames: string[]): void => expectFramesAsFullPath(make, frames, RECEIVE);

describe('SpanSlots and nameAt', () => {
  it('finds a name by the span that writes it, and a name that takes a taken slot replaces the one there', () => {
    const slots = new SpanSlots<number>();
    const text = 'xx"BTC_USDT","ETH_USDT"';
    slots.set('BTC_USDT', 1);
    expect(slots.get(text, 3, 11)).toBe(1);
    expect(slots.get(text, 14, 22)).toBeUndefined();
    expect(slots.get(text, 3, 10)).toBeUndefined();
    // Two names of one slot: the last one set is found, the other worked out again.
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z']
      .flatMap((a) => ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K'].map((b) => `${a}${b}`));
    const slotOf = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (const name of names) {
      const probe = new SpanSlots<string>();
      probe.set(name, name);
      // The first earlier name whose slot this one takes.
      for (const [, other] of slotOf) {
        probe.set(other, other);
        if (probe.get(name, 0, name.length) === undefined) {
          pair = [other, name];
          break;
        }
        probe.set(name, name);
      }
      if (pair) break;
      slotOf.set(slotOf.size, name);
    }
    expect(pair).toBeDefined();
    const [first, second] = pair!;
    slots.set(first, 10);
    slots.set(second, 20);
    expect(slots.get(second, 0, second.length)).toBe(20);
    expect(slots.get(first, 0, first.length)).toBeUndefined();
    slots.clear();
    expect(slots.get(text, 3, 11)).toBeUndefined();
  });

  it('property: nameAt gives the text of the span, the same string again for a name read again', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }), { minLength: 1, maxLength: 40 }), (list) => {
        const names = new SpanSlots<string>();
        const kept = new Map<string, string>();
        for (const name of list) {
          const text = `"${name}"`;
          const got = nameAt(names, text, 1, text.length - 1);
          expect(got).toBe(name);
          // Right after it was read, the same name comes back as the very string kept (a Map lookup hashes it once).
          expect(nameAt(names, `,"${name}"`, 2, name.length + 2)).toBe(got);
          kept.set(name, got);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('hasLongInteger', () => {
  it('property: whether a number among others has more integer digits than a double keeps finite', () => {
    const number = fc
      .tuple(fc.boolean(), fc.integer({ min: 1, max: 320 }), fc.option(fc.integer({ min: 1, max: 320 })))
      .map(([minus, int, fraction]) => `${minus ? '-' : ''}${'7'.repeat(int)}${fraction === null ? '' : `.${'3'.repeat(fraction)}`}`);
    const separator = fc.constantFrom(',', ',null,', '","', ',"leavesQty":');
    fc.assert(
      fc.property(fc.array(fc.tuple(number, separator), { minLength: 1, maxLength: 5 }), (parts) => {
        const text = parts.map(([n, s]) => n + s).join('');
        const expected = parts.some(([n]) => n.replace('-', '').split('.')[0]!.length > MAX_FINITE_DIGITS);
        expect(hasLongInteger(text, 0, text.length)).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
    expect(Number(D308)).toBeLessThan(Infinity);
    expect(Number(D309_MAX)).toBe(Infinity);
  });
});

describe('Gate: the whole update in one pattern', () => {
  const update = (entries: string[], time = '1760128227', timeMs = '1760128227000') =>
    `{"channel":"futures.public_liquidates","event":"update","time":${time},"time_ms":${timeMs},"result":[${entries.join(',')}]}`;
  const entry = (price: string, size: string, time: string, contract: string) => `{"price":${price},"size":"${size}","time_ms":${time},"contract":"${contract}"}`;
  const taken = [
    update([entry('4305.5', '7', '1760128211946', 'ETH_USDT')]),
    update([]),
    // The envelope's times are read by no path: any JSON integer, however long.
    update([entry('120130', '-373', '1760128218693', 'BTC_USDT')], '0', '12345678901234567890123'),
    update([entry('1', '1', '9999999999999', 'BTC_USDT'), entry('2', '-2', '0', 'ETH_USDT'), entry('1', '1', '9999999999999', 'BTC_USDT')]),
    // Names holding the characters the walk looks for (they make no event: the frame is declined after the walk reads them).
    update([entry('3', '1', '1760128211946', 'A,B]}'), entry('3', '1', '1760128211946', 'ETH_USDT')]),
    update([entry(D308, '1', '1760128211946', 'SOL_USDT')]),
  ];
  const declined = [
    update([entry('4305.5', '7', '17601282119460', 'ETH_USDT')]),
    update([entry('4305.5', '7', '1760128211946', 'ETH_USDT')], '01'),
    update([entry('4305.5', '7', '1760128211946', 'ETH_USDT')], '1.5'),
    update([entry('4305.5', '7', '1760128211946', 'ETH_USDT')]).replace(']}', ']} '),
    update([entry('4305.5', '7', '01760128211946', 'ETH_USDT')]),
    update([entry(D309_MAX, '7', '1760128211946', 'ETH_USDT')]),
    update([entry('4305.5', '7', '1760128211946', 'ETH"USDT')]),
  ];
  it.each(['gate-usdt', 'gate-btc'] as const)('%s: frames at the edges give the full path result', (venue) => {
    assertSame(() => createGateParser({ venue }), [...taken, ...declined, ...taken.map((f) => f.replaceAll('_USDT', '_USD'))]);
  });
  it('the plain path reads the frames inside the bounds and declines those outside', () => {
    const sink = { begin: () => undefined, entry: () => true };
    expect(taken.map((f) => readPlainUpdate(f, sink, plainEntry()))).toEqual(taken.map(() => true));
    expect(declined.map((f) => readPlainUpdate(f, sink, plainEntry()))).toEqual(declined.map(() => false));
  });
  it('property: updates of many entries, lengths around the bounds, clean and mutated', () => {
    const time = fc.oneof(fc.integer({ min: 0, max: 9_999_999_999_999 }).map(String), fc.constantFrom('9999999999999', '10000000000000', '0', '00'));
    const e = fc
      .tuple(fc.constantFrom('4305.5', '0', '1', D308, D309, '0.10'), fc.constantFrom('7', '-7', '0', '-0', '1.5', D309), time, fc.constantFrom('BTC_USDT', 'ETH_USDT', 'SOL_USDT', 'BTC_USD', 'x]}', 'X'))
      .map(([p, z, t, c]) => entry(p, z, t, c));
    const frame = fc.tuple(fc.array(e, { maxLength: 6 }), fc.constantFrom('1760128227', '0', '123456789012345678')).map(([es, t]) => update(es, t, `${t}000`));
    fc.assert(
      fc.property(fc.array(generatedAndMutated(frame), { minLength: 1, maxLength: 5 }), fc.constantFrom('gate-usdt', 'gate-btc'), (frames, venue) =>
        assertSame(() => createGateParser({ venue }), frames),
      ),
      { numRuns: 300 },
    );
  });
});

describe('BitMEX: the whole insert in one pattern', () => {
  const row = (id: string, symbol: string, side: string, price: string, qty: string) => `{"orderID":"${id}","symbol":"${symbol}","side":"${side}","price":${price},"leavesQty":${qty}}`;
  const insert = (rows: string[]) => `{"table":"liquidation","action":"insert","data":[${rows.join(',')}]}`;
  const ID = '542b26c5-a73d-4087-aff4-339ad26e3ed7';
  const taken = [
    insert([row(ID, 'ETHUSDT', 'Sell', '4320.9', '323000')]),
    insert([row('a'.repeat(64), 'XBTUSD', 'Buy', '120243.5', '628200'), row('F', 'ETHUSDT', 'Sell', '1', '1'), row(ID, 'XBTUSD', 'Buy', '120243.5', '628200')]),
    insert([row(ID, 'XBTUSDT', 'Buy', D308, '1')]),
    insert([row(ID, 'XBTUSDT', 'Buy', '1', `${D308}.${'5'.repeat(40)}`)]),
    // Names holding the characters the walk looks for (no contract: declined after the walk reads them).
    insert([row(ID, 'X,side:Buy}],{', 'Sell', '1', '1')]),
  ];
  const declined = [
    insert([row('a'.repeat(65), 'XBTUSD', 'Buy', '1', '1')]),
    insert([row(ID, 'XBTUSD', 'Buy', D309, '1')]),
    insert([row(ID, 'XBTUSD', 'Buy', '1', D309_MAX)]),
    insert([row(ID, 'XBTUSD', 'Buy', '1', '1'), row(ID, 'XBTUSD', 'Buy', '2', `${D309}.5`)]),
    insert([row(ID, 'XBTUSD', 'Buy', '01', '1')]),
    insert([row(ID, 'XBTUSD', 'buy', '1', '1')]),
    insert([]),
  ];
  it('frames at the edges give the full path result', () => assertSame(() => createBitmexParser(), [...taken, ...declined]));
  it('the plain path reads the frames inside the bounds and declines those outside', () => {
    expect(taken.map((f) => readPlainInsert(f, () => true))).toEqual(taken.map(() => true));
    expect(declined.map((f) => readPlainInsert(f, () => true))).toEqual(declined.map(() => false));
  });
  it('property: inserts of many rows, lengths around the bounds, clean and mutated', () => {
    const num = fc.constantFrom('4320.9', '1', '0', D308, D309, D309_MAX, `${D308}.9`, '0.5');
    const r = fc
      .tuple(fc.constantFrom(ID, 'a'.repeat(64), 'a'.repeat(65), 'F'), fc.constantFrom('XBTUSD', 'XBTUSDT', 'ETHUSDT', 'x}', 'X'), fc.constantFrom('Buy', 'Sell'), num, num)
      .map(([id, s, side, p, q]) => row(id, s, side, p, q));
    fc.assert(
      fc.property(fc.array(generatedAndMutated(fc.array(r, { minLength: 1, maxLength: 6 }).map(insert)), { minLength: 1, maxLength: 5 }), (frames) =>
        assertSame(() => createBitmexParser(), frames),
      ),
      { numRuns: 300 },
    );
  });
});

describe('Bitfinex: the whole update in one pattern', () => {
  const pos = (id: string, mts: string, symbol: string, amount: string, base: string, match: string, sold: string, acquired: string) =>
    `["pos",${id},${mts},null,"${symbol}",${amount},${base},null,${match},${sold},null,${acquired}]`;
  const update = (entries: string[], tail = '') => `[386841,[${entries.join(',')}]${tail}]`;
  const trigger = (id = '192300000', mts = '1760128208887', symbol = 'tSOLF0:USTF0', amount = '-4.38414544', acquired = '217.58', sold = '1') =>
    pos(id, mts, symbol, amount, '206.7', '0', sold, acquired);
  const execution = (id = '192300000', mts = '1760128208887', amount = '-4.38414544', acquired = '217.8') => pos(id, mts, 'tSOLF0:USTF0', amount, 'null', '1', '1', acquired);
  const taken = [
    update([trigger(), execution()]),
    update([]),
    update([trigger('999999999999999', '9999999999999')]),
    update([trigger('0', '0'), trigger('1', '12')]),
    update([trigger(undefined, undefined, undefined, undefined, 'null', 'null'), trigger(undefined, undefined, 'tBTCF0:USTF0', '1', '120000', '0')]),
    update([trigger(undefined, undefined, undefined, D308), execution(undefined, undefined, `-${D308}`, D308)]),
    update([execution(undefined, undefined, '1', `${D308}.${'1'.repeat(30)}`)], ',5,"x"'),
    // Names holding the characters the walk looks for (no pair: declined after the walk reads them).
    update([trigger(undefined, undefined, 't]x,null,y'), execution()]),
  ];
  const declined = [
    update([trigger('1000000000000000')]),
    update([execution('1000000000000000')]),
    update([trigger(undefined, '17601282088870')]),
    update([execution(undefined, '17601282088870')]),
    update([trigger(undefined, undefined, undefined, D309)]),
    update([trigger(), execution(undefined, undefined, D309_MAX)]),
    update([trigger(), execution(undefined, undefined, '1', `-${D309}`)]),
    update([trigger(undefined, '1760128208887.5')]),
    update([trigger()], ',{}'),
  ];
  const status = JSON.stringify([['tSOLF0:USTF0', 1760128200000, null, 1, 1, null, 1, null, 1, 0, 1, null, 0, null, null, 217.83, null, null, 1000, null, null, null, 0, 0]]);
  it('frames at the edges give the full path result', () => {
    assertSame(() => createBitfinexParser(), [...taken, ...declined]);
    assertSame(() => createBitfinexParser(), [status, ...taken, ...declined]);
  });
  it('the plain path reads the frames inside the bounds and declines those outside', () => {
    expect(taken.map((f) => readPlainFrame(f, () => true))).toEqual(taken.map(() => true));
    expect(declined.map((f) => readPlainFrame(f, () => true))).toEqual(declined.map(() => false));
  });
  it('reads a trigger\'s fields wherever IS_MARKET_SOLD and PRICE_ACQUIRED are null or not', () => {
    const seen: unknown[] = [];
    const frame = update([trigger('7', '1760128208887', 'tBTCF0:USTF0', '-0.5', 'null', 'null'), execution(), trigger('8', '1760128208888', 'tETHF0:USTF0', '2', '4000.5', '0')]);
    expect(readPlainFrame(frame, (idStart, idEnd, mts, symbol, amount, acquired) => seen.push([frame.slice(idStart, idEnd), mts, symbol, amount, acquired]) > 0)).toBe(true);
    expect(seen).toEqual([
      ['7', 1760128208887, 'tBTCF0:USTF0', -0.5, null],
      ['8', 1760128208888, 'tETHF0:USTF0', 2, 4000.5],
    ]);
  });
  it('property: updates of many entries, lengths around the bounds, clean and mutated', () => {
    const num = fc.constantFrom('-4.38414544', '1', '0', '-0', D308, D309, `-${D308}.5`, 'null');
    const e = fc
      .tuple(
        fc.constantFrom('192300000', '999999999999999', '1000000000000000', '0'),
        fc.constantFrom('1760128208887', '9999999999999', '10000000000000', '5'),
        fc.constantFrom('tSOLF0:USTF0', 'tBTCF0:USTF0', 't]', 'tX'),
        num,
        num,
        fc.constantFrom('0', '1'),
        fc.constantFrom('0', '1', 'null'),
        num,
      )
      .map(([id, mts, s, a, b, m, sold, q]) => pos(id, mts, s, a === 'null' ? '1' : a, b, m, sold, q));
    const frame = fc.tuple(fc.array(e, { maxLength: 5 }), fc.constantFrom('', '', ',5', ',"x",null')).map(([es, tail]) => update(es, tail));
    fc.assert(
      fc.property(fc.boolean(), fc.array(generatedAndMutated(frame), { minLength: 1, maxLength: 5 }), (marks, frames) =>
        assertSame(() => createBitfinexParser(), marks ? [status, ...frames] : frames),
      ),
      { numRuns: 300 },
    );
  });
});
