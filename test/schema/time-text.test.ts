import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTimeText } from '../../src/schema/time-text.js';

describe('readTimeText', () => {
  it('refuses dates and times that do not exist, which Date.parse read as others', () => {
    // Before: 2025-02-30 was 2 March, T24:00 the next midnight, +24:00 a day's shift.
    for (const text of ['2025-02-30', '2025-02-29', '1900-02-29', '2025-13-01', '2025-00-10', '2025-10-00', '2025-10-32', '2025-10-10T24:00', '2025-10-10T20:60', '2025-10-10T20:50:60', '2025-10-10T20:50+24:00', '2025-10-10T20:50+05:60'])
      expect(readTimeText(text), text).toHaveProperty('error');
  });

  it('reads real ones as UTC unless a zone is given, and 13-digit milliseconds', () => {
    expect(readTimeText('2024-02-29')).toEqual({ ms: Date.UTC(2024, 1, 29) });
    expect(readTimeText('2025-10-10T20:50')).toEqual({ ms: Date.UTC(2025, 9, 10, 20, 50) });
    expect(readTimeText('2025-10-10T23:59:59.999Z')).toEqual({ ms: Date.UTC(2025, 9, 10, 23, 59, 59, 999) });
    expect(readTimeText('2025-10-10T20:50+05:30')).toEqual({ ms: Date.UTC(2025, 9, 10, 15, 20) });
    expect(readTimeText('1760129400000')).toEqual({ ms: 1760129400000 });
    expect(readTimeText('1760129400')).toHaveProperty('error');
  });

  it('property: every written date-time of a real moment reads back as that moment', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(Date.UTC(1, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }), (d) => {
        const iso = d.toISOString();
        if (iso.startsWith('-') || iso.startsWith('+')) return;
        expect(readTimeText(iso)).toEqual({ ms: d.getTime() });
      }),
    );
  });
});
