import { z } from 'zod';
import { MAX_EVENT_USD } from '../aggregate/fixed-point.js';
import type { NormalizedEvent } from '../schema/events.js';

/**
 * The largest values one event may carry (config `limits`, defaults stated here only). A venue's bug, a
 * mutated frame or a hostile producer can send `z` = `ap` = 1e20, a liquidation of $1e40: counted, it
 * would swamp every total it joined (a sum of 1/10,000 USD integers is exact to $900.7B only, see
 * fixed-point.ts) and the real liquidations beside it would vanish in the rounding. An event over a bound
 * is dead-lettered with the bound named, by the ingestor (with its frame) and again by the consumer (a bus
 * message from another producer).
 *
 * maxNotionalUsd, $10B: the largest single liquidation on record is about $203M (an ETH position on
 * Hyperliquid, 10 October 2025, the largest liquidation day on record at ~$19B in all); $10B is ~50 times
 * that, so no real liquidation comes near it, while 90 events at the bound still fit the exact range.
 * maxOpenInterestUsd, $100B: one market's open interest; the whole market's, every venue and symbol, was
 * $207.62B just before 10 October 2025 (Galaxy Research), and any single market holds a small share of it.
 * Both are at most MAX_EVENT_USD, so one event's units are far below 2^53.
 */
export const ValueLimits = z.strictObject({
  maxNotionalUsd: z.number().positive().max(MAX_EVENT_USD).default(10_000_000_000),
  maxOpenInterestUsd: z.number().positive().max(MAX_EVENT_USD).default(100_000_000_000),
});
export type ValueLimits = z.output<typeof ValueLimits>;

export const defaultValueLimits = (): ValueLimits => ValueLimits.parse({});

/**
 * The largest funding rate one interval may state, either sign: 100%. Venues cap funding at a few percent per
 * interval (Binance and Bybit at most ±2–4% on their most volatile markets, Hyperliquid at 4% an hour), so a
 * larger one is a mutated frame or a hostile producer, and would make every per-hour gauge and chart beside it
 * unreadable. Not a setting: no venue's rule comes near it.
 */
export const MAX_FUNDING_RATE = 1;

/**
 * Why `event` is over a bound (naming it, for the dead letter), or undefined. Written as `!(x <= bound)` so
 * that NaN, which the schema already refuses, is refused here too.
 */
export function valueLimitBreach(event: NormalizedEvent, limits: ValueLimits): string | undefined {
  // A retraction carries its liquidation: bounded the same way (the store writes its USD).
  const liquidation = event.type === 'liquidation' ? event : event.type === 'retraction' ? event.event : undefined;
  if (liquidation && !(liquidation.notionalUsd <= limits.maxNotionalUsd))
    return `liquidation of $${liquidation.notionalUsd} (${liquidation.venue} ${liquidation.symbol}) exceeds limits.maxNotionalUsd ($${limits.maxNotionalUsd})`;
  // An on-chain liquidation's debt repaid and collateral seized are summed too (DeFi totals): the same bound.
  const onchain = liquidation?.onchain;
  if (onchain && !(Math.max(onchain.debtUsd, onchain.collateralUsd) <= limits.maxNotionalUsd))
    return `on-chain liquidation with debt $${onchain.debtUsd}, collateral $${onchain.collateralUsd} (${event.venue} ${onchain.chain}) exceeds limits.maxNotionalUsd ($${limits.maxNotionalUsd})`;
  if (event.type === 'open_interest' && !(event.oiUsd <= limits.maxOpenInterestUsd))
    return `open interest of $${event.oiUsd} (${event.venue} ${event.symbol}) exceeds limits.maxOpenInterestUsd ($${limits.maxOpenInterestUsd})`;
  if (event.type === 'funding' && !(Math.abs(event.rate) <= MAX_FUNDING_RATE))
    return `funding rate ${event.rate} (${event.venue} ${event.symbol}) exceeds ${MAX_FUNDING_RATE} (100%) per interval`;
  return undefined;
}
