import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NormalizedEvent } from '../../src/schema/events.js';
import { compileValidator } from '../../src/schema/validator.js';
import { ForceOrder, OpenInterestRest, PremiumIndexRest } from '../../src/venues/binance/schema.js';

const liquidation = {
  type: 'liquidation', id: 'binance-usdm:BTCUSDT:1:SELL:1:100', venue: 'binance-usdm', symbol: 'BTCUSDT', base: 'BTC', side: 'long',
  price: 100, qty: 1, notionalUsd: 100, eventTime: 1, receiveTime: 2, fidelity: 'sampled', kind: 'liquidation', source: 'forceOrder',
};
const openInterest = { type: 'open_interest', venue: 'bybit-linear', symbol: 'ETHUSDT', base: 'ETH', oiBase: 2, oiUsd: 6000, markPrice: 3000, eventTime: 1, receiveTime: 2, source: 'tickers' };
const gap = { type: 'gap', venue: 'hyperliquid', from: 1, to: 2, reason: 'disconnected' };
const forceOrder = { e: 'forceOrder', E: 3, o: { s: 'BTCUSDT', ps: 'BTCUSD', S: 'SELL', ap: '100', z: '1', X: 'FILLED', T: 1 } };

// Values near the edges of the rules: empty strings, zero, negatives, fractions, non-finite, unsafe integers.
const edgy = fc.oneof(
  fc.constantFrom<unknown>('', ' ', 0, -0, -1, 0.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, 'BUY', 'long', 'liquidation', 'binance-usdm'),
  fc.jsonValue(),
  fc.double(),
  fc.string(),
);

/** Sets or deletes up to three fields at `path` ([] = top level, ['o'] = the order inside). */
function mutations(sample: Record<string, unknown>, path: string[] = []) {
  const target = path.reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, sample);
  const key = fc.constantFrom(...Object.keys(target), 'extra');
  return fc.array(fc.tuple(key, edgy, fc.boolean()), { minLength: 1, maxLength: 3 }).map((changes) => {
    const copy = structuredClone(sample);
    const t = path.reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, copy);
    for (const [k, v, remove] of changes) {
      if (remove) delete t[k];
      else t[k] = v;
    }
    return copy;
  });
}

describe('compiled validators', () => {
  it('refuse zod parts that JSON Schema drops or changes, naming where they are', () => {
    expect(() => compileValidator(z.object({ a: z.string().refine((s) => s !== 'x') }))).toThrow('.a has a check that JSON Schema drops (custom)');
    expect(() => compileValidator(z.object({ a: z.array(z.string().trim()) }))).toThrow('.a.element has a check that JSON Schema drops (overwrite)');
    expect(() => compileValidator(z.object({ b: z.number().default(1) }))).toThrow('.b is a zod default');
    expect(() => compileValidator(z.object({ c: z.string().transform((s) => s.length) }))).toThrow('.c is a zod pipe');
    expect(() => compileValidator(z.object({ d: z.string().max(3) }))).toThrow('only min(1)');
    expect(() => compileValidator(z.object({ d: z.string().min(2) }))).toThrow('.d: only min(1)');
    expect(() => compileValidator(z.object({ d: z.string().length(2) }))).toThrow('.d: only min(1)');
    // At load, though the JSON Schema is made only at first use: what toJSONSchema cannot represent.
    expect(() => compileValidator(z.object({ e: z.bigint() }))).toThrow('.e is a zod bigint');
    expect(() => compileValidator(z.object({ e: z.array(z.date()) }))).toThrow('.e.element is a zod date');
    expect(compileValidator(z.object({ f: z.string().min(1) })).is({ f: '' })).toBe(false);
    // JSON Schema's pattern has no flags: /…/i would check another language than zod's (Ajv's own `u` is the one allowed).
    expect(() => compileValidator(z.object({ g: z.string().regex(/^a$/i) }))).toThrow('.g: a pattern with flags (/^a$/i)');
    expect(compileValidator(z.object({ g: z.string().regex(/^\p{L}$/u) })).is({ g: 'é' })).toBe(true);
    expect(() => compileValidator(z.object({ h: z.success(z.string()) }))).toThrow('.h is a zod success');
    // zod and Ajv disagree on 0.3 as a multiple of 0.1.
    expect(() => compileValidator(z.object({ m: z.number().multipleOf(0.1) }))).toThrow('.m: only an integer divisor');
    expect(compileValidator(z.object({ m: z.number().multipleOf(5) })).is({ m: 10 })).toBe(true);
  });

  it('property: the NormalizedEvent predicate agrees with zod on mutated events of every type', () => {
    const is = compileValidator(NormalizedEvent).is;
    fc.assert(
      fc.property(fc.oneof(mutations(liquidation), mutations(openInterest), mutations(gap)), (value) => {
        expect(is(value)).toBe(NormalizedEvent.safeParse(value).success);
      }),
      { numRuns: 3_000 },
    );
    for (const valid of [liquidation, openInterest, gap]) expect(is(valid)).toBe(true);
  });

  it('property: a discriminated union, checked by the option its tag names, agrees with zod and with the whole oneOf (tags swapped too)', () => {
    const funding = { type: 'funding', venue: 'hyperliquid', symbol: 'BTC', base: 'BTC', rate: 0.0001, intervalHours: 1, ratePerHour: 0.0001, eventTime: 1, receiveTime: 2, source: 'ctx' };
    const retraction = { type: 'retraction', venue: 'aave-v3', id: liquidation.id, event: liquidation, reason: 'reorg', receiveTime: 3 };
    const is = compileValidator(NormalizedEvent).is;
    // The same schema as one oneOf, as compiled before the dispatch by tag: every option tried.
    const { $schema: _d, ...oneOf } = z.toJSONSchema(NormalizedEvent, { io: 'input', target: 'draft-7', unrepresentable: 'throw' });
    const whole = new Ajv({ strict: true }).compile(JSON.parse(JSON.stringify(oneOf).replaceAll('"minLength":1', '"not":{"const":""}')) as object);
    const tag = fc.constantFrom<unknown>('liquidation', 'open_interest', 'gap', 'funding', 'retraction', 'other', '', undefined, null, 1);
    const samples = [liquidation, openInterest, gap, funding, retraction].map((s) => fc.oneof(mutations(s), fc.tuple(fc.constant(s), tag).map(([v, t]) => ({ ...v, type: t }))));
    fc.assert(
      fc.property(fc.oneof(...samples, edgy), (value) => {
        expect(is(value)).toBe(NormalizedEvent.safeParse(value).success);
        expect(is(value)).toBe(whole(value));
      }),
      { numRuns: 3_000 },
    );
    for (const valid of [liquidation, openInterest, gap, funding, retraction]) expect(is(valid)).toBe(true);
  });

  it('property: the ForceOrder predicate agrees with zod on mutated frames and orders', () => {
    const is = compileValidator(ForceOrder).is;
    fc.assert(
      fc.property(fc.oneof(mutations(forceOrder), mutations(forceOrder, ['o'])), (value) => {
        expect(is(value)).toBe(ForceOrder.safeParse(value).success);
      }),
      { numRuns: 3_000 },
    );
    expect(is(forceOrder)).toBe(true);
  });

  it('property: the Binance REST predicates (openInterest, premiumIndex) agree with zod on mutated answers', () => {
    const oi = { symbol: 'BTCUSD_PERP', pair: 'BTCUSD', openInterest: '12345', contractType: 'PERPETUAL', time: 1 };
    const mark = { symbol: 'BTCUSDT', markPrice: '60000.5', indexPrice: '60001', time: 1 };
    const oiIs = compileValidator(OpenInterestRest).is;
    const indexIs = compileValidator(PremiumIndexRest).is;
    fc.assert(
      fc.property(mutations(oi), mutations(mark), (o, m) => {
        expect(oiIs(o)).toBe(OpenInterestRest.safeParse(o).success);
        expect(indexIs([mark, m])).toBe(PremiumIndexRest.safeParse([mark, m]).success);
      }),
      { numRuns: 3_000 },
    );
    expect(oiIs(oi) && indexIs([mark])).toBe(true);
  });
});
