import type { Instrument } from '../instruments.js';
import type { InstType } from './schema.js';

/**
 * What the liquidation channel's `instType` says of a market: the quote coin its `amount` is in (docs
 * "Liquidation amount. Unit: quote coin.") and the contract kind. USDT-M and USDC-M futures are linear,
 * coin-margined futures are inverse, quoted in USD and settled in the base coin.
 */
const QUOTES: Readonly<Record<InstType, { quote: string; type: Instrument['type']; suffixes: readonly string[] }>> = {
  'usdt-futures': { quote: 'USDT', type: 'linear', suffixes: ['USDT'] },
  // USDC-M perpetuals are named `BTCPERP` as well as `BTCUSDC`.
  'usdc-futures': { quote: 'USDC', type: 'linear', suffixes: ['USDC', 'PERP'] },
  'coin-futures': { quote: 'USD', type: 'inverse', suffixes: ['USD'] },
};

/**
 * Base coin, then the quote suffix, then an optional delivery suffix: `_` and a date (`ETHUSD_231229`) or a
 * futures month code and year (`ETHUSDM24`); Bitget's docs write coin-M delivery contracts both ways.
 */
const SYMBOL = /^([A-Z0-9]+?)(USDT|USDC|PERP|USD)(?:_[A-Z0-9]{1,12}|[FGHJKMNQUVXZ][0-9]{2})?$/;

/**
 * The instrument a liquidation row names, from its product type and symbol; undefined when the symbol does not
 * end in a quote suffix of that product type, so that a base coin is never guessed. The channel states the
 * quote amount itself, so no contract value from a market list is needed to value a row.
 */
export function bitgetInstrument(instType: InstType, symbol: string): Instrument | undefined {
  const kind = QUOTES[instType];
  const m = SYMBOL.exec(symbol);
  if (m === null || !kind.suffixes.includes(m[2] ?? '')) return undefined;
  const base = m[1] ?? '';
  return { symbol, base, quote: kind.quote, settle: kind.type === 'inverse' ? base : kind.quote, type: kind.type, contractValue: 1, from: 'built-in' };
}
