import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiquidationEvent } from '../../src/schema/events.js';
import { MAX_EPOCH_MS } from '../../src/venues/fields.js';
import { createBlockReader } from '../../src/venues/hyperliquid/fast-block.js';
import { HLP_LIQUIDATORS, createHyperliquidParser } from '../../src/venues/hyperliquid/parse.js';
import { assertFastPathExact, generatedAndMutated } from '../support/fast-path.js';
import { HOSTILE_NUMERIC_STRINGS } from '../support/hostile.js';

/**
 * The marked-block fast path (fast-block.ts): for every node block line, generated in the node's layout or hostile,
 * the WebSocket parser with it gives exactly what its full path (scanNodeBlock or JSON.parse, asFill, fillToEvent)
 * gives, events and rejections.
 */

const VAULTS = new Set(HLP_LIQUIDATORS.map((a) => a.toLowerCase()));
const TRADER = '0x7ba283114573bde6fd304ad7b188a763e5402a52';
const MAKER = '0x31ca8395cf837de08b24da3f660e77761dfb974b';
const user = fc.constantFrom(TRADER, MAKER, TRADER.toUpperCase().replace('0X', '0x'), HLP_LIQUIDATORS[0]!, HLP_LIQUIDATORS[1]!.toUpperCase().replace('0X', '0x'));
const decimalText = fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: undefined })).map(([i, f]) => (f === undefined ? `${i}` : `${i}.${f}`));
const huge = fc.constantFrom('1' + '0'.repeat(400), '1' + '0'.repeat(200), '0.' + '0'.repeat(400) + '1', '0', '0.0', '123456789012345678');
const amount = fc.oneof({ weight: 30, arbitrary: decimalText }, huge, fc.constantFrom(...HOSTILE_NUMERIC_STRINGS), fc.constant(5));
const startPosition = fc.oneof({ weight: 10, arbitrary: fc.tuple(fc.boolean(), decimalText).map(([neg, d]) => (neg ? `-${d}` : d)) }, fc.constantFrom('0.0', '-0.0', '-', 'x', 3));
const time = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1_700_000_000_000, max: MAX_EPOCH_MS }) }, fc.constantFrom(MAX_EPOCH_MS + 1, -1, 1.5, 0, '1760128203796'));
const tid = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 2 ** 50 }) }, fc.constantFrom(-1, 1.5, 1e16, 2 ** 53 + 2, '7'));
const coin = fc.oneof({ weight: 12, arbitrary: fc.constantFrom('BTC', 'ETH', 'kPEPE', 'xyz:CRWV') }, fc.constantFrom('', 'BAD COIN', 'é'.repeat(70)));
const dir = fc.constantFrom('Close Long', 'Close Short', 'Open Long', 'Open Short', 'Auto-Deleveraging', 'Liquidated Cross Long', 'Long > Short', '');

/** A fill in the node's key order; sometimes without its liquidation object, reordered, or with one key more or less. */
const fill = fc
  .record({
    user,
    liquidated: user,
    coin,
    px: amount,
    sz: amount,
    side: fc.constantFrom('A', 'B', 'A', 'B', 'C'),
    time,
    startPosition,
    dir,
    tid,
    markPx: amount,
    method: fc.constantFrom('market', 'market', 'backstop', 'other'),
    how: fc.nat({ max: 30 }),
  })
  .map((r) => {
    const f: Record<string, unknown> = {
      coin: r.coin,
      px: r.px,
      sz: r.sz,
      side: r.side,
      time: r.time,
      startPosition: r.startPosition,
      dir: r.dir,
      closedPnl: '0.0',
      hash: `0x${'ab'.repeat(32)}`,
      oid: 912300000000,
      crossed: r.how % 2 === 0,
      fee: '0.0',
      tid: r.tid,
      liquidation: { liquidatedUser: r.liquidated, markPx: r.markPx, method: r.method },
      feeToken: 'USDC',
    };
    if (r.how === 1) delete f.liquidation;
    if (r.how === 2) delete f.startPosition;
    if (r.how === 3) f.extra = 1;
    if (r.how === 4) return [r.user, Object.fromEntries(Object.entries(f).reverse())];
    if (r.how === 5) return { user: r.user, fill: f };
    return [r.user, f];
  });
const localTime = fc.oneof({ weight: 10, arbitrary: fc.constant('2025-10-10T21:15:03.861000000') }, fc.constantFrom('2025-10-10T21:15:03', '2025-13-40T99:00:00.1', 'yesterday', ''));
const block = fc
  .tuple(localTime, fc.array(fill, { maxLength: 6 }), fc.nat({ max: 2 ** 40 }))
  .map(([local, events, n]) => JSON.stringify({ local_time: local, block_time: '2025-10-10T21:15:03.799000000', block_number: n, events }));
// The node's own layout with valid values only (counted fills, the counterparty's, ADL, vaults): read whole by the fast path.
const cleanFill = fc.record({ user, liquidated: user, coin: fc.constantFrom('BTC', 'ETH', 'kPEPE'), px: decimalText, sz: decimalText, dir, start: startPosition, tid: fc.nat(), backstop: fc.boolean() }).map((r) => [
  r.user,
  { coin: r.coin, px: `1${r.px}`, sz: `1${r.sz}`, side: 'A', time: 1760128203796, startPosition: typeof r.start === 'string' && /^-?\d/.test(r.start) ? r.start : '0.0', dir: r.dir, closedPnl: '0.0', hash: '0x00', oid: 1, crossed: true, fee: '0.0', tid: r.tid, liquidation: { liquidatedUser: r.liquidated, markPx: '1.5', method: r.backstop ? 'backstop' : 'market' }, feeToken: 'USDC' },
]);
const cleanBlock = fc.array(cleanFill, { maxLength: 8 }).map((events) => JSON.stringify({ local_time: '2025-10-10T21:15:03.861000000', block_time: '2025-10-10T21:15:03.799000000', block_number: 8800641018, events }));
const frames = fc.array(generatedAndMutated(fc.oneof(block, cleanBlock)), { minLength: 1, maxLength: 4 });

describe('Hyperliquid marked-block fast path', () => {
  it('property: reads every block of marked fills in the node layout, as the full path does', () => {
    fc.assert(
      fc.property(cleanBlock, (line) => {
        const fast = createBlockReader()(line, VAULTS);
        expect(fast).toBeDefined();
        expect(fast).toEqual(createHyperliquidParser()(` ${line}`, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('declines an unmarked fill, whitespace and escapes', () => {
    const line = fc.sample(cleanBlock.filter((l) => l.includes('liquidation')), { numRuns: 1, seed: 7 })[0]!;
    expect(createBlockReader()(line, VAULTS)).toBeDefined();
    expect(createBlockReader()(line.replace(',"liquidation":{', ',"liquidatio\\u006e":{'), VAULTS)).toBeUndefined();
    expect(createBlockReader()(line.replace('"events":[', '"events": ['), VAULTS)).toBeUndefined();
    expect(createBlockReader()(line.replace(/,"liquidation":\{[^}]*\}/, ''), VAULTS)).toBeUndefined();
  });

  it('property: the full path result for every block line, accepted or declined', () => {
    assertFastPathExact(() => createHyperliquidParser(), frames, 500);
  });

  it('property: every event it emits passes the schema', () => {
    fc.assert(
      fc.property(fc.oneof(block, cleanBlock), (line) => {
        const result = createBlockReader()(line, VAULTS);
        if (result?.ok) for (const e of result.events) expect(LiquidationEvent.safeParse(e).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
