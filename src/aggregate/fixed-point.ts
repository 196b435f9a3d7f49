/**
 * USD amounts are summed as integers of 1/10,000 USD so that totals do not depend on the order
 * events arrive in (Kafka partitions interleave differently from run to run; float addition is
 * not associative). Safe up to 2^53 units, about 900 billion USD per sum.
 */
export const USD_SCALE = 10_000;
export const toUnits = (usd: number): number => Math.round(usd * USD_SCALE);
export const toUsd = (units: number): number => units / USD_SCALE;
