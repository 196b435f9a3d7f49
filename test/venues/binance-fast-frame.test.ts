import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readForceOrderFrame } from '../../src/venues/binance/fast-frame.js';
import { createBinanceParser } from '../../src/venues/binance/parse.js';
import { ForceOrder } from '../../src/venues/binance/schema.js';
import { MAX_EPOCH_MS } from '../../src/venues/fields.js';
import { binanceFrames } from '../support/fixtures.js';
import { assertFastPathExact, generatedAndMutated } from '../support/fast-path.js';
import { HOSTILE_NUMERIC_STRINGS } from '../support/hostile.js';

/**
 * What the full path (JSON.parse, then the schema) makes of a frame's order (the fields events use,
 * and T as text as the fast path gives it), or undefined if it rejects it.
 */
function fullPath(frame: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return undefined;
  }
  const data = typeof json === 'object' && json !== null && 'stream' in json ? (json as { data?: unknown }).data : json;
  const parsed = ForceOrder.safeParse(data);
  if (!parsed.success) return undefined;
  const { s, ps, S, ap, z, T } = parsed.data.o;
  return { s, ...(ps === undefined ? {} : { ps }), S, ap, z, T, Ttext: String(T) };
}

const decimalText = fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: undefined })).map(([i, f]) => (f === undefined ? `${i}` : `${i}.${f}`));
// Text that is sometimes a decimal, sometimes what Number() reads but no venue writes, sometimes anything.
const numericText = fc.oneof(fc.string(), decimalText, fc.constantFrom(...HOSTILE_NUMERIC_STRINGS));
const order = fc.record(
  {
    s: fc.string({ minLength: 1 }),
    ps: fc.string({ minLength: 1 }),
    S: fc.constantFrom('BUY', 'SELL'),
    o: fc.string(),
    f: fc.string(),
    q: fc.string(),
    p: fc.string(),
    ap: numericText,
    X: fc.string(),
    l: fc.string(),
    z: numericText,
    T: fc.oneof(fc.maxSafeNat(), fc.integer({ min: 0, max: MAX_EPOCH_MS + 10 }), fc.integer({ min: -10, max: 10 }), fc.double()),
  },
  { requiredKeys: ['s', 'S', 'o', 'f', 'q', 'p', 'ap', 'X', 'l', 'z', 'T'] },
);
const frameOf = (o: object, E: number) => JSON.stringify({ stream: '!forceOrder@arr', data: { e: 'forceOrder', E, o } });
const plain = fc.stringMatching(/^[A-Z0-9._]{1,12}$/);

describe('Binance forceOrder fast path', () => {
  it('reads the documented frames as the full path does', () => {
    const { usdm, coinm } = binanceFrames();
    for (const frame of [...usdm, ...coinm]) {
      expect(readForceOrderFrame(frame)).toBeDefined();
      expect(readForceOrderFrame(frame)).toEqual(fullPath(frame));
    }
  });

  it('property: whatever it accepts, JSON.parse and the schema accept with the same values', () => {
    const mutated = fc
      .tuple(order, fc.maxSafeNat(), fc.nat(), fc.string({ maxLength: 3 }), fc.nat())
      .map(([o, E, at, insert, cut]) => {
        const f = frameOf(o, E);
        const i = at % (f.length + 1);
        return f.slice(0, i) + insert + f.slice(i + (cut % 3));
      });
    fc.assert(
      fc.property(fc.oneof(order.chain((o) => fc.maxSafeNat().map((E) => frameOf(o, E))), mutated), (frame) => {
        const fast = readForceOrderFrame(frame);
        if (fast !== undefined) expect(fast).toEqual(fullPath(frame));
      }),
      { numRuns: 5_000 },
    );
  });

  it('property: takes every frame laid out as Binance sends it (decimal ap/z, times up to 13 digits), with or without ps', () => {
    fc.assert(
      fc.property(plain, fc.option(plain, { nil: undefined }), fc.constantFrom('BUY', 'SELL'), decimalText, decimalText, fc.integer({ min: 0, max: MAX_EPOCH_MS }), (s, ps, S, ap, z, T) => {
        const o = { s, ...(ps === undefined ? {} : { ps }), S, o: 'LIMIT', f: 'IOC', q: z, p: ap, ap, X: 'FILLED', l: z, z, T };
        const fast = readForceOrderFrame(frameOf(o, T));
        expect(fast).toBeDefined();
        expect(fast).toEqual(fullPath(frameOf(o, T)));
      }),
    );
  });

  it.each(HOSTILE_NUMERIC_STRINGS.filter((t) => t !== `1${'0'.repeat(400)}`))('declines ap %j, which the full path rejects too', (ap) => {
    const frame = binanceFrames().usdm[0]!.replace('"ap":"9910"', `"ap":${JSON.stringify(ap)}`);
    expect(readForceOrderFrame(frame)).toBeUndefined();
    expect(fullPath(frame)).toBeUndefined();
  });

  it('declines a trade time beyond 13 digits (microseconds), which the full path rejects too', () => {
    const frame = binanceFrames().usdm[0]!.replace('"T":1568014460893', '"T":1568014460893000');
    expect(readForceOrderFrame(frame)).toBeUndefined();
    expect(fullPath(frame)).toBeUndefined();
  });
});

describe('Binance parsers with and without the fast path', () => {
  const frame = fc
    .tuple(order, fc.integer({ min: 0, max: MAX_EPOCH_MS }), plain, plain)
    .map(([o, E, s, ps]) => frameOf({ ...o, s, ps }, E));
  const documented = fc.constantFrom(...binanceFrames().usdm, ...binanceFrames().coinm);
  const frames = fc.array(generatedAndMutated(fc.oneof(frame, documented)), { minLength: 1, maxLength: 4 });

  it.each(['binance-usdm', 'binance-coinm'] as const)('property: %s gives the full path result for every frame, accepted or declined', (venue) => {
    assertFastPathExact(() => createBinanceParser({ venue }), frames, 1_000);
  });
});
