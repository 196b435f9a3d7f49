import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FundingEvent, LiquidationEvent, OpenInterestEvent, type NormalizedEvent } from '../../src/schema/events.js';
import { compileValidator } from '../../src/schema/validator.js';
import { checkEvent, plainlyValid } from '../../src/venues/venue.js';

const liquidation = compileValidator(LiquidationEvent);
const openInterest = compileValidator(OpenInterestEvent);
const funding = compileValidator(FundingEvent);
const compiled = (e: NormalizedEvent): boolean =>
  e.type === 'liquidation' ? liquidation.is(e) : e.type === 'open_interest' ? openInterest.is(e) : e.type === 'funding' ? funding.is(e) : true;

// Each field: mostly a valid value, sometimes one the schema refuses or one at its edge.
const oneOf = <T>(valid: fc.Arbitrary<T>, ...others: unknown[]) => fc.oneof({ weight: 6, arbitrary: valid as fc.Arbitrary<unknown> }, fc.constantFrom(...others));
const edgeNumbers = [0, -0, -1, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 1.5, '1', null, undefined];
const positive = oneOf(fc.double({ min: Number.MIN_VALUE, max: 1e300, noNaN: true }), ...edgeNumbers);
const nonNegative = oneOf(fc.double({ min: 0, max: 1e300, noNaN: true }), ...edgeNumbers);
const epoch = oneOf(fc.integer({ min: 0, max: 9_999_999_999_999 }), ...edgeNumbers, 2 ** 60, 1.0000001);
const market = oneOf(fc.constantFrom('BTCUSDT', 'BTC-USD-SWAP', '@107', 'xyz:XYZ100', '币安人生USDT', 'BTC'), '', 'a b', '<x>', 'x'.repeat(65), 'é'.repeat(64), 5, undefined);
const venue = oneOf(fc.constantFrom('bybit-linear', 'bitmex', 'hyperliquid'), 'constructor', 'Bybit', '', 'a'.repeat(33), 1);
const text = oneOf(fc.constantFrom('allLiquidation', 'x', 'bybit-linear:BTCUSDT:1:Buy:1:1'), '', 0, null);

const liquidationEvent = fc.record(
  {
    type: fc.constant('liquidation'),
    id: text,
    venue,
    symbol: market,
    base: market,
    side: oneOf(fc.constantFrom('long', 'short'), 'Long', ''),
    price: positive,
    qty: positive,
    notionalUsd: positive,
    eventTime: epoch,
    receiveTime: epoch,
    fidelity: oneOf(fc.constantFrom('complete', 'sampled', 'partial', 'inferred'), 'exact'),
    kind: oneOf(fc.constantFrom('liquidation', 'adl', 'backstop', 'vault'), 'other'),
    source: text,
  },
  { requiredKeys: ['type'] },
);
const openInterestEvent = fc.record(
  {
    type: fc.constant('open_interest'),
    venue,
    symbol: market,
    base: market,
    oiBase: nonNegative,
    oiUsd: nonNegative,
    markPrice: positive,
    eventTime: epoch,
    receiveTime: epoch,
    source: text,
  },
  { requiredKeys: ['type'] },
);

describe('checkEvent written out (plainlyValid)', () => {
  it('property: accepts only what the compiled schema accepts, and every plain event it accepts', () => {
    fc.assert(
      fc.property(fc.oneof(liquidationEvent, openInterestEvent), (e) => {
        const event = e as unknown as NormalizedEvent;
        const valid = compiled(event);
        // Exact on these shapes: the written-out rules are the schema's.
        expect(plainlyValid(event)).toBe(valid);
        expect(checkEvent(event, 'x') === undefined).toBe(valid);
      }),
      { numRuns: 5_000 },
    );
  });

  it('leaves on-chain liquidations and funding to the compiled check', () => {
    const event = {
      type: 'liquidation', id: 'a', venue: 'aave-v3', symbol: 'WETH', base: 'WETH', side: 'long', price: 1, qty: 1, notionalUsd: 1,
      eventTime: 1, receiveTime: 1, fidelity: 'complete', kind: 'liquidation', source: 'LiquidationCall', onchain: { chain: 'ethereum' },
    } as unknown as NormalizedEvent;
    expect(plainlyValid(event)).toBe(false);
    expect(checkEvent(event, 'x')).toMatch(/^invalid x: onchain\./);
    const rate = { type: 'funding', venue: 'bybit-linear', symbol: 'BTCUSDT', base: 'BTC', rate: 0.0001, intervalHours: 8, ratePerHour: 0.0000125, eventTime: 1, receiveTime: 1, source: 'tickers' } as NormalizedEvent;
    expect(plainlyValid(rate)).toBe(false);
    expect(checkEvent(rate, 'x')).toBeUndefined();
  });
});
