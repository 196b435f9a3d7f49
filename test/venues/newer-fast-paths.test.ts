import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKrakenParser } from '../../src/venues/kraken/parse.js';
import { readTradeFrame } from '../../src/venues/kraken/fast-frame.js';
import { MAX_EPOCH_MS } from '../../src/venues/fields.js';
import { assertFastPathExact, generatedAndMutated } from '../support/fast-path.js';
import { fixture } from '../support/fixtures.js';
import { HOSTILE_NUMERIC_STRINGS } from '../support/hostile.js';

/**
 * The fast paths of the venues added after the simulator's five (one flat-object scan per entry, scan.ts
 * `flatObject`): for every frame, generated valid or mutated, a parser with its fast path gives exactly what the
 * full path (JSON.parse and the schemas) gives, events and rejections, and leaves the same state behind.
 */

const RUNS = 400;
const compact = (name: string): string => JSON.stringify(JSON.parse(fixture(name)));

// Mostly the values venues send (varied, so no two frames alike), sometimes what the schemas refuse.
const positive = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 1e-8, max: 1e9, noNaN: true }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 10_000_000 }) },
  fc.constantFrom(0, -1, 1e-7, 1e21, 0.1, 123456789.123456789),
);
const decimalText = fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: undefined })).map(([i, f]) => (f === undefined ? `${i}` : `${i}.${f}`));
const numericText = fc.oneof({ weight: 6, arbitrary: decimalText }, fc.constantFrom(...HOSTILE_NUMERIC_STRINGS));
const time = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1_500_000_000_000, max: MAX_EPOCH_MS }) }, fc.constantFrom(MAX_EPOCH_MS + 1, -1, 1.5, 0));
const withStrings = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: a as fc.Arbitrary<unknown> }, fc.constantFrom('x', '', null, true, 1, [1]));

/** An object with its keys in the documented order, or (sometimes) shuffled, or one left out. */
function objectOf(shape: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(shape);
  return fc.tuple(fc.record(shape), fc.nat({ max: 9 }), fc.nat({ max: keys.length - 1 })).map(([o, how, k]) => {
    if (how === 0) return Object.fromEntries(Object.entries(o).reverse());
    if (how === 1) return Object.fromEntries(Object.entries(o).filter(([key]) => key !== keys[k]));
    return o;
  });
}
const framesOf = (frame: fc.Arbitrary<string>, ...docs: string[]) =>
  fc.array(generatedAndMutated(fc.oneof({ weight: 4, arbitrary: frame }, fc.constantFrom(...docs))), { minLength: 1, maxLength: 6 });

describe('Kraken Futures fast path', () => {
  const trade = objectOf({
    feed: fc.constantFrom('trade', 'trade', 'trade', 'trade_snapshot'),
    product_id: fc.constantFrom('PF_XBTUSD', 'PI_XRPUSD', 'PI_ETHUSD', 'FI_XBTUSD_251226', 'PF_SOLUSD', 'no market', ''),
    uid: fc.oneof(fc.uuid(), fc.constant('')),
    side: fc.constantFrom('buy', 'sell', 'Sell'),
    type: fc.constantFrom('liquidation', 'liquidation', 'fill', 'termination'),
    seq: fc.nat(),
    time: withStrings(time),
    qty: withStrings(positive),
    price: withStrings(positive),
  }).map((o) => JSON.stringify(o));
  const docs = [compact('kraken-futures-trade-2.json'), compact('kraken-futures-trade-3.json'), compact('kraken-futures-trade-1.json')];

  it('reads the documented trade frames', () => {
    expect(readTradeFrame(docs[0]!)).toMatchObject({ product_id: 'PI_XRPUSD', type: 'liquidation', qty: 12000, price: 0.1736 });
    expect(readTradeFrame(` ${docs[0]!}`)).toBeUndefined();
  });
  it('property: the full path result for every frame', () => assertFastPathExact(() => createKrakenParser(), framesOf(trade, ...docs), RUNS));
});
