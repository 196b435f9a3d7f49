import type { Prng } from './prng.js';

/** The coins of the synthetic day: price at 00:00 UTC, crash depth at the 21:20 low, share of liquidated USD. */
export const COINS = [
  { coin: 'BTC', price: 121_500, depth: 0.127, weight: 0.3, qtyDecimals: 3 },
  { coin: 'ETH', price: 4_350, depth: 0.2, weight: 0.25, qtyDecimals: 3 },
  { coin: 'SOL', price: 220, depth: 0.32, weight: 0.12, qtyDecimals: 1 },
  { coin: 'XRP', price: 2.8, depth: 0.35, weight: 0.08, qtyDecimals: 0 },
  { coin: 'DOGE', price: 0.25, depth: 0.45, weight: 0.06, qtyDecimals: 0 },
  { coin: 'BNB', price: 1_250, depth: 0.2, weight: 0.04, qtyDecimals: 2 },
  { coin: 'HYPE', price: 45, depth: 0.3, weight: 0.06, qtyDecimals: 1 },
  { coin: 'AVAX', price: 28, depth: 0.5, weight: 0.03, qtyDecimals: 1 },
  { coin: 'LINK', price: 22, depth: 0.4, weight: 0.03, qtyDecimals: 1 },
  { coin: 'PEPE', price: 0.0000098, depth: 0.5, weight: 0.03, qtyDecimals: 0 },
] as const;
export type Coin = (typeof COINS)[number];

const cumulative = COINS.reduce<number[]>((acc, c) => [...acc, (acc.at(-1) ?? 0) + c.weight], []);

export function pickCoin(r: Prng): Coin {
  const x = r.next() * cumulative.at(-1)!;
  return COINS[cumulative.findIndex((c) => x < c)] ?? COINS[0];
}

/**
 * The synthetic 8-hour funding rate of `coin` at `price` (issue 21: the demo shows funding): 0.01% (the usual
 * baseline) while the coin holds its price, falling 0.5% per 100% of drawdown (−0.05% at 10% down: shorts paid as
 * longs are flushed), bounded at ±0.75%. A function of the price only, so it draws nothing from the generator and
 * the rest of the day's bytes stay what they were. 8 decimals, as Binance and Bybit print rates.
 */
export function simulatedFundingRate8h(coin: Coin, price: number): number {
  const drawdown = 1 - price / coin.price;
  return Number(Math.max(-0.0075, Math.min(0.0075, 0.0001 - 0.005 * drawdown)).toFixed(8));
}

/** The next of 00:00, 08:00 and 16:00 UTC after `t` (the 8-hour funding schedule of Binance and Bybit). */
export const nextEightHour = (t: number): number => (Math.floor(t / 28_800_000) + 1) * 28_800_000;

/** A rate as a plain decimal (no exponent: 1e-7 would be refused by every venue parser). */
export const rateText = (rate: number): string => rate.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');

/** Price as a decimal string with 5 significant digits, as venues print them. */
export const priceText = (p: number): string => Number(p.toPrecision(5)).toString();

export const qtyText = (qty: number, decimals: number): string => {
  const q = Number(qty.toFixed(decimals));
  return (q > 0 ? q : 10 ** -decimals).toFixed(decimals);
};
