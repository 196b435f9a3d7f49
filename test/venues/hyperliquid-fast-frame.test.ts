import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readActiveAssetCtxFrame, readTradesFrame, type AssetCtxFields } from '../../src/venues/hyperliquid/fast-frame.js';
import { HLP_LIQUIDATORS, createHyperliquidParser } from '../../src/venues/hyperliquid/parse.js';
import { MAX_EPOCH_MS } from '../../src/venues/fields.js';
import { assertFastPathExact, generatedAndMutated } from '../support/fast-path.js';
import { fixture } from '../support/fixtures.js';
import { HOSTILE_NUMERIC_STRINGS } from '../support/hostile.js';

const DOCS_CTX = fixture('hyperliquid-activeassetctx-1.json');
const LIQUIDATOR = HLP_LIQUIDATORS[0]!;
const TRADER = '0x7ba283114573bde6fd304ad7b188a763e5402a52';
const MAKER = '0x31ca8395cf837de08b24da3f660e77761dfb974b';
// Hyperliquid API docs, "WsTrade": the public trades channel's item.
const TRADE = { coin: 'SOL', side: 'B', px: '67.5499', sz: '28.33', time: 1770337193454, hash: `0x${'ab'.repeat(32)}`, tid: 88001, users: [MAKER, TRADER] };
const tradesFrame = (...items: unknown[]) => JSON.stringify({ channel: 'trades', data: items });

const readCtx = (frame: string): AssetCtxFields | undefined => {
  const into: AssetCtxFields = { coin: '', markPx: 0, openInterest: 0, funding: undefined, oraclePx: undefined };
  return readActiveAssetCtxFrame(frame, into) ? into : undefined;
};
const isLiquidator = (u: string) => HLP_LIQUIDATORS.includes(u.toLowerCase());

const coin = fc.constantFrom('BTC', 'ETH', 'kPEPE', 'xyz:TSLA', '');
const decimalText = fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: undefined })).map(([i, f]) => (f === undefined ? `${i}` : `${i}.${f}`));
const numericText = fc.oneof({ weight: 4, arbitrary: decimalText }, fc.constantFrom(...HOSTILE_NUMERIC_STRINGS, '0', '0.0'), fc.string());
const ctx = fc.record(
  {
    funding: fc.constant('0.0000125'),
    openInterest: numericText,
    prevDayPx: decimalText,
    oraclePx: decimalText,
    markPx: numericText,
    midPx: fc.oneof(decimalText, fc.constant(null)),
    impactPxs: fc.array(decimalText, { maxLength: 2 }),
    dayBaseVlm: decimalText,
  },
  { requiredKeys: [] },
);
const ctxFrame = fc.tuple(coin, ctx).map(([c, x]) => JSON.stringify({ channel: 'activeAssetCtx', data: { coin: c, ctx: x } }));
const user = fc.constantFrom(LIQUIDATOR, LIQUIDATOR.toUpperCase().replace('0X', '0x'), TRADER, MAKER, '');
const trade = fc.record({
  coin,
  side: fc.constantFrom('A', 'B'),
  px: numericText,
  sz: numericText,
  time: fc.integer({ min: 0, max: MAX_EPOCH_MS }),
  hash: fc.constant(TRADE.hash),
  tid: fc.nat(),
  users: fc.oneof({ weight: 4, arbitrary: fc.tuple(user, user) }, fc.constant([]), fc.constant(null)),
});
const tradeFrame = fc.array(trade, { maxLength: 4 }).map((items) => tradesFrame(...items));
const frames = fc.array(generatedAndMutated(fc.oneof(ctxFrame, tradeFrame, fc.constant(DOCS_CTX))), { minLength: 1, maxLength: 6 });

describe('Hyperliquid fast path', () => {
  it('reads the documented activeAssetCtx frame and a trades frame without liquidators', () => {
    expect(readCtx(DOCS_CTX)).toEqual({ coin: 'ETH', markPx: 3227.4, openInterest: 446072.075, oraclePx: '3230.1' });
    expect(readTradesFrame(tradesFrame(TRADE, { ...TRADE, users: [TRADER, MAKER] }), isLiquidator)).toBe(true);
  });

  it('declines a trades frame naming a liquidator (in any case), which the full path reads', () => {
    expect(readTradesFrame(tradesFrame(TRADE, { ...TRADE, users: [LIQUIDATOR, TRADER] }), isLiquidator)).toBe(false);
    expect(readTradesFrame(tradesFrame({ ...TRADE, users: [TRADER, LIQUIDATOR.toUpperCase().replace('0X', '0x')] }), isLiquidator)).toBe(false);
  });

  it('declines what the schema rejects or reads differently: a zero or non-decimal markPx, a missing openInterest, an escape', () => {
    expect(readCtx(DOCS_CTX.replace('"markPx":"3227.4"', '"markPx":"0"'))).toBeUndefined();
    expect(readCtx(DOCS_CTX.replace('"markPx":"3227.4"', '"markPx":"1e3"'))).toBeUndefined();
    expect(readCtx(DOCS_CTX.replace(',"openInterest":"446072.075"', ''))).toBeUndefined();
    expect(readCtx(DOCS_CTX.replace('"coin":"ETH"', '"coin":"\\u0045TH"'))).toBeUndefined();
  });

  it('property: takes every activeAssetCtx frame laid out as the venue sends it', () => {
    const positive = decimalText.filter((t) => Number(t) > 0);
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9:]{1,12}$/), positive, decimalText, (c, mark, oi) => {
        const frame = JSON.stringify({ channel: 'activeAssetCtx', data: { coin: c, ctx: { funding: '0.0000125', openInterest: oi, markPx: mark, midPx: null, impactPxs: [mark, mark] } } });
        expect(readCtx(frame)).toEqual({ coin: c, markPx: Number(mark), openInterest: Number(oi), funding: '0.0000125' });
      }),
    );
  });

  it('property: the parser gives the full path result for every frame, accepted or declined', () => {
    assertFastPathExact(() => createHyperliquidParser(), frames, 1_000);
    assertFastPathExact(() => createHyperliquidParser({ oiMinIntervalMs: 0, liquidatorMustTake: false }), frames, 300);
  });
});
