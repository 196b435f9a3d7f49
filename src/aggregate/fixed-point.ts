/**
 * USD amounts are summed as integers of 1/10,000 USD so that totals do not depend on the order
 * events arrive in (Kafka partitions interleave differently from run to run; float addition is
 * not associative). A JS number holds such an integer exactly up to 2^53 - 1 units
 * (MAX_EXACT_UNITS, $900,719,925,474.0991): every sum stays at or below it, or is refused
 * (see Aggregator: a liquidation that would take its sums past it is not applied), never rounded.
 */
export const USD_SCALE = 10_000;
export const toUnits = (usd: number): number => Math.round(usd * USD_SCALE);
export const toUsd = (units: number): number => units / USD_SCALE;

/** The largest sum of units that is exact: Number.MAX_SAFE_INTEGER, about $900.7B. */
export const MAX_EXACT_UNITS = Number.MAX_SAFE_INTEGER;

/**
 * The most one event may be worth (the ceiling of the configurable bounds in value-limits.ts): $100B is
 * 10^15 units, so an event's units are an exact integer and any sum that is exact stays exact when it is added.
 */
export const MAX_EVENT_USD = 100_000_000_000;
