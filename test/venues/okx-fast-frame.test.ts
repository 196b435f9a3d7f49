import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiquidationEvent } from '../../src/schema/events.js';
import { MAX_EPOCH_MS } from '../../src/venues/fields.js';
import { readLiquidationPush, type LiquidationSink } from '../../src/venues/okx/fast-frame.js';
import { createOkxParser } from '../../src/venues/okx/parse.js';
import { assertFastPathExact, generatedAndMutated } from '../support/fast-path.js';
import { fixture } from '../support/fixtures.js';
import { HOSTILE_NUMERIC_STRINGS } from '../support/hostile.js';

/**
 * OKX's liquidation-orders fast path (fast-frame.ts): for every frame, generated valid or hostile, a parser with
 * it gives exactly what the full path (JSON.parse and the schemas) gives, events and rejections, and leaves the
 * same state behind (the market list a REST answer brings, the contract values it caches).
 */

const DOCS = JSON.stringify(JSON.parse(fixture('okx-liquidation-orders-1.json')));

/** What the fast path hands over, or undefined when it declines. */
function read(frame: string): unknown[][] | undefined {
  const calls: unknown[][] = [];
  const sink: LiquidationSink = {
    begin: (...a) => (calls.push(['begin', ...a]), true),
    item: (...a) => (calls.push(['item', ...a]), true),
    detail: (...a) => (calls.push(['detail', ...a]), true),
  };
  return readLiquidationPush(frame, sink) ? calls : undefined;
}

const decimalText = fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: undefined })).map(([i, f]) => (f === undefined ? `${i}` : `${i}.${f}`));
const huge = fc.constantFrom('1' + '0'.repeat(400), '1' + '0'.repeat(200), '0.' + '0'.repeat(400) + '1', '0', '0.0', '123456789012345678');
const numeric = fc.oneof({ weight: 40, arbitrary: decimalText }, huge, fc.constantFrom(...HOSTILE_NUMERIC_STRINGS), fc.constant(5), fc.string());
const ts = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 1_500_000_000_000, max: MAX_EPOCH_MS }).map(String) },
  fc.constantFrom('0', '0001760128202237', '17601282022370', '-1', '1.5', '', 'ｔ'),
  fc.constant(1_760_128_202_237),
);
// Built-in contract values (BTC-USDT, ETH-USD inverse, PEPE-USDT, a future), one only a market list values, names that are no market.
const instId = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('BTC-USDT-SWAP', 'ETH-USD-SWAP', 'PEPE-USDT-SWAP', 'BTC-USDT-251226', 'NEW-USDT-SWAP') },
  fc.constantFrom('NOPE-XYZ-SWAP', '', 'no market', 'BTC-USDT-SWAP\u00e9'),
);
const instType = fc.constantFrom(...Array<string>(12).fill('SWAP'), 'FUTURES', 'OPTION');

/** An object with its keys in OKX's order, or (sometimes) reversed, or one left out, or one more. */
function objectOf(shape: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(shape);
  return fc.tuple(fc.record(shape), fc.nat({ max: 40 }), fc.nat({ max: keys.length - 1 })).map(([o, how, k]) => {
    if (how === 0) return Object.fromEntries(Object.entries(o).reverse());
    if (how === 1) return Object.fromEntries(Object.entries(o).filter(([key]) => key !== keys[k]));
    if (how === 2) return { ...o, extra: 'x' };
    return o;
  });
}
const detail = objectOf({
  bkLoss: fc.constantFrom('0', '0', '0', '12.5', '', 0),
  bkPx: numeric,
  ccy: fc.constantFrom('', 'USDT'),
  posSide: fc.constantFrom('net', 'net', 'net', 'net', 'long', 'short', 'long', 'short', 'Net'),
  side: fc.constantFrom('buy', 'sell', 'buy', 'sell', 'buy', 'sell', 'Sell'),
  sz: numeric,
  ts,
});
const item = fc
  .tuple(fc.array(detail, { maxLength: 3 }), fc.boolean(), instId, instType)
  .chain(([details, dup, id, type]) =>
    objectOf({
      details: fc.constant(dup && details.length > 0 ? [...details, details[0]!] : details),
      instFamily: fc.constant(id.replace(/-SWAP$|-\d+$/, '')),
      instId: fc.constant(id),
      instType: fc.constant(type),
      uly: fc.constant(id.replace(/-SWAP$|-\d+$/, '')),
    }),
  );
const push = fc
  .tuple(fc.constantFrom(...Array<string>(12).fill('SWAP'), 'FUTURES', 'x'), fc.array(item, { maxLength: 4 }))
  .map(([type, data]) => JSON.stringify({ arg: { channel: 'liquidation-orders', instType: type }, data }));
// Pushes as OKX sends them (varied values, duplicates, the instruments above), most of which the fast path reads whole.
const cleanDetail = fc.record({
  bkLoss: fc.constant('0'),
  bkPx: fc.oneof({ weight: 9, arbitrary: decimalText }, huge),
  ccy: fc.constant(''),
  posSide: fc.constantFrom('net', 'net', 'long', 'short'),
  side: fc.constantFrom('buy', 'sell'),
  sz: fc.oneof({ weight: 9, arbitrary: decimalText }, huge),
  ts: fc.integer({ min: 1_500_000_000_000, max: MAX_EPOCH_MS }).map(String),
});
const cleanPush = fc
  .array(fc.tuple(fc.array(cleanDetail, { minLength: 1, maxLength: 3 }), fc.boolean(), instId), { minLength: 1, maxLength: 4 })
  .map((items) =>
    JSON.stringify({
      arg: { channel: 'liquidation-orders', instType: 'SWAP' },
      data: items.map(([details, dup, id]) => {
        const family = id.replace(/-SWAP$|-\d+$/, '');
        return { details: dup ? [...details, details[0]!] : details, instFamily: family, instId: id, instType: 'SWAP', uly: family };
      }),
    }),
  );
// The market list (values NEW-USDT-SWAP from then on) and open interest (USD prices of coins) change what a push yields.
const marketList = JSON.stringify({
  code: '0',
  msg: '',
  data: [{ instId: 'NEW-USDT-SWAP', instType: 'SWAP', ctType: 'linear', ctVal: '10', ctValCcy: 'NEW', settleCcy: 'USDT', ctMult: '1', state: 'live' }],
});
const frames = fc.array(generatedAndMutated(fc.oneof({ weight: 6, arbitrary: push }, { weight: 6, arbitrary: cleanPush }, fc.constantFrom(DOCS, marketList))), { minLength: 1, maxLength: 6 });

describe('OKX fast path', () => {
  it('reads the documented push and hands over its fields', () => {
    expect(read(DOCS)).toEqual([
      ['begin', 'SWAP'],
      ['item', 'IOST-USDT-SWAP', 'SWAP'],
      ['detail', 'short', 'buy', '13', '0.007831', '1692266434010', 13, 0.007831, 1692266434010],
    ]);
  });

  it('property: takes every push laid out as OKX sends it', () => {
    const plain = fc.stringMatching(/^[A-Z0-9]{1,8}-(USDT|USD)-SWAP$/);
    const canonical = fc.record({ bkPx: decimalText, posSide: fc.constantFrom('long', 'short', 'net'), side: fc.constantFrom('buy', 'sell'), sz: decimalText, ts: fc.integer({ min: 0, max: MAX_EPOCH_MS }).map(String) });
    fc.assert(
      fc.property(fc.array(fc.tuple(plain, fc.array(canonical, { maxLength: 3 })), { maxLength: 4 }), (items) => {
        const frame = JSON.stringify({
          arg: { channel: 'liquidation-orders', instType: 'SWAP' },
          data: items.map(([id, ds]) => ({ details: ds.map((d) => ({ bkLoss: '0', bkPx: d.bkPx, ccy: '', posSide: d.posSide, side: d.side, sz: d.sz, ts: d.ts })), instFamily: 'F', instId: id, instType: 'SWAP', uly: 'F' })),
        });
        expect(read(frame)).toEqual([
          ['begin', 'SWAP'],
          ...items.flatMap(([id, ds]) => [['item', id, 'SWAP'], ...ds.map((d) => ['detail', d.posSide, d.side, d.sz, d.bkPx, d.ts, Number(d.sz), Number(d.bkPx), Number(d.ts)])]),
        ]);
      }),
    );
  });

  it('declines what the schema reads differently from the text: escapes, whitespace, a number where a string belongs', () => {
    expect(read(DOCS.replace('"sz":"13"', '"sz":13'))).toBeUndefined();
    expect(read(DOCS.replace('"instId":"IOST-USDT-SWAP"', '"instId":"IOST-USDT-SWA\\u0050"'))).toBeUndefined();
    expect(read(DOCS.replace('"details":[', '"details": ['))).toBeUndefined();
    expect(read(`${DOCS} `)).toBeUndefined();
  });

  it('property: the full path result for every frame, accepted or declined', () => {
    assertFastPathExact(() => createOkxParser(), frames, 1_000);
  });

  it('a push of more details than the fast path counts ids among is read by the full path, duplicates numbered alike', () => {
    const d = { bkLoss: '0', bkPx: '100', ccy: '', posSide: 'net', side: 'sell', sz: '1', ts: '1760128202237' };
    const frame = JSON.stringify({ arg: { channel: 'liquidation-orders', instType: 'SWAP' }, data: [{ details: Array(70).fill(d), instFamily: 'BTC-USDT', instId: 'BTC-USDT-SWAP', instType: 'SWAP', uly: 'BTC-USDT' }] });
    const fast = createOkxParser()(frame, 1);
    expect(fast).toEqual(createOkxParser()(` ${frame}`, 1));
    expect(fast.ok && fast.events.map((e) => (e as LiquidationEvent).id).slice(0, 3)).toEqual(['okx:BTC-USDT-SWAP:1760128202237:net:sell:1:100', 'okx:BTC-USDT-SWAP:1760128202237:net:sell:1:100#1', 'okx:BTC-USDT-SWAP:1760128202237:net:sell:1:100#2']);
    expect(fast.ok && fast.events.length).toBe(70);
  });

  it('property: every event either path emits passes the schema (the shortened event check lets through nothing it refuses)', () => {
    fc.assert(
      fc.property(fc.oneof(push, cleanPush), fc.integer({ min: -1, max: 2 ** 53 }), (frame, receiveTime) => {
        for (const f of [frame, ` ${frame}`]) {
          const result = createOkxParser()(f, receiveTime);
          if (result.ok) for (const e of result.events) expect(LiquidationEvent.safeParse(e).success).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
