import type { Aggregator } from '../aggregate/aggregator.js';
import { figureMark } from '../schema/events.js';

const DAY_MS = 86_400_000;

/**
 * GET /api/totals?by=base: liquidations per coin across venues (docs/api.md). Each coin's figures are exact sums
 * of its venues' liquidations; `mark` says what they claim, from the least complete fidelity among them
 * (`≥` a lower bound, `≈` an estimate, '' exact), as the report marks its figures (src/report/marks.ts).
 */
export function baseTotalsView(aggregator: Aggregator) {
  const end = aggregator.windowEnd();
  const bases: Record<string, unknown> = {};
  for (const base of [...aggregator.byBase.names()].sort()) {
    const v = aggregator.byBase.view(base, aggregator.windowNames, end);
    if (!v || (v.count === 0 && v.adlUsd === 0)) continue;
    const { fidelity, ...figures } = v;
    bases[base] = { ...figures, mark: figureMark(fidelity) };
  }
  return { asOf: aggregator.watermark || null, windowsEnd: end || null, by: 'base' as const, bases };
}

/**
 * GET /api/minutes?by=base&base=BTC: the coin's minutes of the last 24 h before the windows' end (within
 * [from, to) when given): long and short USD, count, per venue, and `price`, the last mark price of the minute
 * (funding or open-interest events of the coin's markets; null when none came that minute).
 */
export function baseMinutesView(aggregator: Aggregator, base: string, from: number, to: number) {
  const start = Math.max(from, aggregator.windowEnd() - DAY_MS);
  const minutes = aggregator.byBase.minutes(base, start).filter((m) => m.minute < to);
  return { by: 'base' as const, base, minutes };
}
