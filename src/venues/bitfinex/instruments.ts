import type { Instrument } from '../instruments.js';

/**
 * Bitfinex pair names (docs "Symbols"): `t` + base + quote, three letters each (`tBTCUSD`, `tETHUST`) or joined by a
 * colon when one is longer (`tBTCF0:USTF0`, `tDOGE:USD`). Derivative assets end in `F0` (`BTCF0`, `USTF0`), and
 * Bitfinex writes USDT `UST`, USDC `UDC`. Perpetuals (`tBTCF0:USTF0`) are linear in USDT, one contract = one unit
 * of base ("Derivative Product Description": type Linear, "Minimum Order Size 0.01 BTCF0", settled in Tether); margin positions on spot pairs (`tBTCUSD`, also in
 * the liquidation feed) are base units too. So every pair is linear with contract value 1.
 */
const COLON = /^t([A-Z0-9]+):([A-Z0-9]+)$/;
const SIX = /^t([A-Z0-9]{3})([A-Z0-9]{3})$/;
const ALIASES: Readonly<Record<string, string>> = { UST: 'USDT', UDC: 'USDC', EUT: 'EURT' };

const assetName = (code: string): string => {
  const bare = code.endsWith('F0') && code.length > 2 ? code.slice(0, -2) : code;
  return ALIASES[bare] ?? bare;
};

export function bitfinexInstrument(symbol: string): Instrument | undefined {
  const m = COLON.exec(symbol) ?? SIX.exec(symbol);
  if (!m) return undefined;
  const quote = assetName(m[2]!);
  return { symbol, base: assetName(m[1]!), quote, settle: quote, type: 'linear', contractValue: 1, from: 'built-in' };
}

/** Perpetuals are the pairs whose both assets are derivative (`F0`) assets. */
export const isPerpetual = (symbol: string): boolean => /^t[A-Z0-9]+F0:[A-Z0-9]+F0$/.test(symbol);
