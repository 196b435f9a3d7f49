import { describe, expect, it } from 'vitest';
import { NormalizedEvent } from '../../src/schema/events.js';
import { compileValidator } from '../../src/schema/validator.js';
import { isMarketName } from '../../src/venues/fields.js';
import { liquidation, openInterest } from '../support/events.js';

// A symbol becomes a Prometheus label value, a cell of the live page and a key of per-symbol state: the
// normalized schema takes only what venues name markets with, in zod and in the compiled check the consumer
// applies to every bus message, and the parsers' isMarketName is the same rule.
describe('market symbols in the normalized schema', () => {
  const compiled = compileValidator(NormalizedEvent);
  const venueForms = ['BTCUSDT', '1000PEPEUSDT', 'BTC-USDT-SWAP', 'tBTCF0:USTF0', 'PF_XBTUSD', 'BTC_USDT', 'BTC-PERPETUAL', 'BTC-USD', 'BTC', 'xyz:XYZ100', 'kPEPE', '@107', 'BTCUSD_251226', 'BTC-27DEC25', '币安人生USDT'];
  const hostile = ['<img src=x onerror=alert(1)>USDT', '', 'BTC USDT', 'BTC"}', 'a\nb', 'x'.repeat(65), '\ud800', '😀USDT', 'BTC\u202eUSDT'];

  it('accepts every form venues use, as symbol and base, in zod and compiled alike', () => {
    for (const s of venueForms) {
      for (const event of [liquidation('x', 1_000, 1, { symbol: s, base: s }), openInterest(s, 1_000, 1)]) {
        expect(NormalizedEvent.safeParse(event).success, s).toBe(true);
        expect(compiled.is(event), s).toBe(true);
      }
      expect(isMarketName(s), s).toBe(true);
    }
  });

  it('refuses markup, spaces, controls, lone surrogates, symbols and overlong names, and says which rule', () => {
    for (const s of hostile) {
      for (const event of [liquidation('x', 1_000, 1, { symbol: s }), liquidation('x', 1_000, 1, { base: s }), openInterest(s, 1_000, 1)]) {
        expect(NormalizedEvent.safeParse(event).success, s).toBe(false);
        expect(compiled.is(event), s).toBe(false);
      }
      expect(isMarketName(s), s).toBe(false);
    }
    expect(compiled.explain(liquidation('x', 1_000, 1, { symbol: hostile[0] }))).toBe('symbol: expected a market symbol: 1-64 letters, digits, combining marks or . _ : / @ -');
  });
});
