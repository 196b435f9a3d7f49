import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip, decimalValue, isEpochMs, isMarketName, MAX_EPOCH_MS, preview } from '../../src/venues/fields.js';
import { deepObject, HOSTILE_NUMERIC_STRINGS } from '../support/hostile.js';

describe('venue field rules', () => {
  it('decimals: digits with an optional fraction, finite as a double; a sign only where allowed', () => {
    expect(['0', '9910', '0.014', '007.50'].map((t) => decimalValue(t))).toEqual([0, 9910, 0.014, 7.5]);
    expect(HOSTILE_NUMERIC_STRINGS.map((t) => decimalValue(t))).toEqual(HOSTILE_NUMERIC_STRINGS.map(() => undefined));
    expect([decimalValue('-0.14136'), decimalValue('-0.14136', true), decimalValue('--1', true)]).toEqual([undefined, -0.14136, undefined]);
  });

  it('times: safe integers from 0 to 13 digits', () => {
    expect([0, 1_568_014_460_893, MAX_EPOCH_MS].every(isEpochMs)).toBe(true);
    expect([-1, 1.5, MAX_EPOCH_MS + 1, 1_568_014_460_893_000, Number.NaN, Infinity].some(isEpochMs)).toBe(false);
  });

  it('market names: 1-64 letters, digits or . _ : / @ -, the forms venues use; nothing that is markup, space or control', () => {
    const venueForms = ['BTCUSDT', '1000PEPEUSDT', 'BTC-USDT-SWAP', 'tBTCF0:USTF0', 'PF_XBTUSD', 'pi_xbtusd', 'BTC_USDT', 'BTC-PERPETUAL', 'SOL_USDC-PERPETUAL'];
    const more = ['BTC-USD', 'BTC', 'xyz:XYZ100', 'kPEPE', '@107', 'PURR/USDC', '.BXBT', 'BTCUSD_251226', 'BTC-27DEC25', 'FI_XBTUSD_251226', 'ETH-22FEB19-140-P', '币安人生USDT', 'x'.repeat(64)];
    expect([...venueForms, ...more].filter((s) => !isMarketName(s))).toEqual([]);
    const hostile = ['', 'x'.repeat(65), 'BTC\u0000', 'BTC\n', '\ud800', 'a\udfffb', '😀', '<img src=x onerror=alert(1)>USDT', 'BTC USDT', 'BTC"USDT', "BTC'USDT", 'BTC&amp;', 'a=b', 'BTC\u200bUSDT'];
    expect(hostile.filter(isMarketName)).toEqual([]);
  });

  it('clip never cuts a surrogate pair in two', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('abc…');
    expect(clip('ab😀d', 3)).toBe('ab…');
  });

  it('preview: JSON.stringify for small plain values, bounded for deep or long ones', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
        const json = JSON.stringify(v);
        if (json.length <= 300) expect(preview(v)).toBe(json);
        else expect(preview(v).length).toBeLessThanOrEqual(301);
      }),
    );
    expect(preview(JSON.parse(deepObject(100_000)))).toBe('{"a":{"a":{"a":{"a":{…}}}}}');
    expect(preview('x'.repeat(5 << 20))).toBe(`"${'x'.repeat(299)}…`);
  });
});
