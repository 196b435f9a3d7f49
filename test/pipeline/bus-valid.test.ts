import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NormalizedEvent } from '../../src/schema/events.js';
import { compileValidator } from '../../src/schema/validator.js';
import { validBusValue } from '../../src/pipeline/checked-batches.js';

const compiled = compileValidator(NormalizedEvent);

// Mostly valid fields, sometimes one the schema refuses, as a bus value carries them (JSON: no undefined, -0 read as 0).
const oneOf = <T>(valid: fc.Arbitrary<T>, ...others: unknown[]) => fc.oneof({ weight: 6, arbitrary: valid as fc.Arbitrary<unknown> }, fc.constantFrom(...others));
const bad = [0, -1, 1.5, '1', null, true, [], {}];
const number = oneOf(fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }), ...bad);
const epoch = oneOf(fc.integer({ min: 0, max: 9_999_999_999_999 }), ...bad, 2 ** 60);
const market = oneOf(fc.constantFrom('BTCUSDT', 'BTC-USD-SWAP', '@107', 'BTC'), '', 'a b', 'x'.repeat(65), 5);
const venue = oneOf(fc.constantFrom('bybit-linear', 'hyperliquid', 'aave-v3'), 'constructor', 'Bybit', '', 1);
const text = oneOf(fc.constantFrom('allLiquidation', 'x'), '', 0, null);
const extra = fc.dictionary(fc.constantFrom('extra', 'onchain', 'note', 'constructor', 'toString'), fc.jsonValue(), { maxKeys: 2 });
const liquidation = fc.record(
  {
    type: oneOf(fc.constant('liquidation'), 'open_interest', 'funding', 'gap', 'x'),
    id: text, venue, symbol: market, base: market,
    side: oneOf(fc.constantFrom('long', 'short'), 'Long'),
    price: number, qty: number, notionalUsd: number, eventTime: epoch, receiveTime: epoch,
    fidelity: oneOf(fc.constantFrom('complete', 'sampled', 'partial', 'inferred'), 'exact'),
    kind: oneOf(fc.constantFrom('liquidation', 'adl', 'backstop', 'vault'), 'other'),
    source: text,
  },
  { requiredKeys: ['type'] },
);
const openInterest = fc.record(
  { type: fc.constant('open_interest'), venue, symbol: market, base: market, oiBase: number, oiUsd: number, markPrice: number, eventTime: epoch, receiveTime: epoch, source: text },
  { requiredKeys: ['type'] },
);
const event = fc.tuple(fc.oneof(liquidation, openInterest), extra).map(([e, more]) => ({ ...more, ...e }));

describe('validBusValue: the written-out check first for values read from a bus', () => {
  it('property: the same answer as the compiled schema for any JSON value, event-like objects with more keys included', () => {
    fc.assert(
      fc.property(fc.oneof(event, fc.jsonValue()), (value) => {
        const read = JSON.parse(JSON.stringify(value)) as unknown;
        expect(validBusValue(read)).toBe(compiled.is(read));
      }),
      { numRuns: 5_000 },
    );
  });

  it('takes null, primitives and arrays without reading fields of them', () => {
    for (const v of [null, 1, 'liquidation', true, [], [{ type: 'liquidation' }]]) expect(validBusValue(v)).toBe(false);
  });
});
