import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO, decimalAt, decimalStr, str, uint } from '../../src/venues/scan.js';
import { decimalValue } from '../../src/venues/fields.js';
import { HOSTILE_NUMERIC_STRINGS } from '../support/hostile.js';

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
// Decimals of every length around the 15-character limit of the exact shortcut, with leading zeros too.
const decimal = fc.oneof(
  digits(1, 25),
  fc.tuple(digits(1, 12), digits(1, 14)).map(([i, f]) => `${i}.${f}`),
  fc.tuple(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.integer({ min: 0, max: 14 })).map(([x, k]) => x.toFixed(k)),
);

describe('scan steps', () => {
  it('property: a decimal string is read where fields.ts reads one, to the same value, bit for bit', () => {
    fc.assert(
      fc.property(fc.oneof(decimal, fc.constantFrom(...HOSTILE_NUMERIC_STRINGS), fc.string().filter((t) => !t.includes(`"`))), (text) => {
        const quoted = `"${text}"`;
        const end = decimalStr(quoted, 0);
        const expected = decimalValue(text);
        if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) expect(end).toBe(NO);
        else {
          expect(end).toBe(quoted.length);
          // decimalValue is undefined only for text too long for a double; Number gives Infinity there.
          expect(Object.is(decimalAt(quoted, 1, end - 1), expected ?? Number(text))).toBe(true);
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads only canonical integers of the allowed length, and strings without escapes or control characters', () => {
    expect(uint('0', 0, 13)).toBe(1);
    expect(uint('0123', 0, 13)).toBe(1); // the next step then fails on "1"
    expect(uint('1234567890123', 0, 13)).toBe(13);
    expect(uint('12345678901234', 0, 13)).toBe(NO);
    expect(uint('-1', 0, 13)).toBe(NO);
    expect(str('"ab"', 0)).toBe(4);
    expect(str('"a\\"b"', 0)).toBe(NO);
    expect(str('"a\u0001"', 0)).toBe(NO);
    expect(str('"ab', 0)).toBe(NO);
  });
});
