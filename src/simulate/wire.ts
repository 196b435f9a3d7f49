import type { Side } from '../schema/events.js';
import { priceText } from './market.js';
import type { Prng } from './prng.js';

/**
 * Small pieces of the newer venues' wire formats, shared by their encoders: prices as JSON numbers, whole
 * contract counts, synthetic UUIDs and hex ids. The notional each encoder carries is computed with the same
 * float steps as the venue's parser (src/venues/instruments.ts `fillSize`): linear `(qty × contractValue) ×
 * price`, inverse `qty × contractValue`.
 */

/** A price as a JSON number with 5 significant digits (venues that send numbers, not strings). */
export const priceNum = (p: number): number => Number(priceText(p));

/** A price on a tick of `tick` (BitMEX and Deribit quote BTC in 0.5 steps). */
export const onTick = (p: number, tick: number): number => Math.max(tick, Math.round(p / tick) * tick);

/** At least one whole lot of `lot` contracts. */
export const lots = (contracts: number, lot = 1): number => Math.max(1, Math.round(contracts / lot)) * lot;

/** A quantity on `decimals` decimals as a JSON number (never 0: the smallest step instead). */
export const qtyNum = (qty: number, decimals: number): number => Math.max(Number(qty.toFixed(decimals)), Number((10 ** -decimals).toFixed(decimals)));

export const linearUsd = (qty: number, contractValue: number, price: number): number => qty * contractValue * price;
export const inverseUsd = (qty: number, contractValue: number): number => qty * contractValue;

const hex = (n: number, width: number) => (n >>> 0).toString(16).padStart(8, '0').slice(-width);
/** A UUID-shaped id from the generator (BitMEX order ids, Kraken trade uids). */
export const uuid = (r: Prng): string => {
  const a = hex(r.int(2 ** 32), 8);
  const b = hex(r.int(2 ** 32), 8);
  const c = hex(r.int(2 ** 32), 8);
  const d = hex(r.int(2 ** 32), 8);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-a${c.slice(1, 4)}-${c.slice(4)}${d}`;
};

/** The order side that closes a position of `side` (a liquidated long is sold). */
export const closingSide = (side: Side): 'buy' | 'sell' => (side === 'long' ? 'sell' : 'buy');

/** Liquidations grouped by a key (per market, per second, …), in the order first seen. */
export function groupBy<T>(items: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

export const second = (t: number): number => Math.floor(t / 1000);
