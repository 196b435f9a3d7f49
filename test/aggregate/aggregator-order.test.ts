import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import type { NormalizedEvent } from '../../src/schema/events.js';

/** Kafka keeps each key's (venue:symbol's) events in order but interleaves keys differently on every run. */
function interleave<T>(streams: T[][], picks: number[]): T[] {
  const queues = streams.map((s) => [...s]);
  const out: T[] = [];
  let k = 0;
  while (queues.some((q) => q.length)) {
    const live = queues.filter((q) => q.length);
    out.push(live[(picks[k++ % Math.max(1, picks.length)] ?? 0) % live.length]!.shift()!);
  }
  return out;
}

describe('Aggregator results do not depend on how symbols are interleaved', () => {
  it('property: totals, minute series and open interest by minute are identical for any interleaving', () => {
    const symbols = ['BTC', 'ETH', 'SOL'];
    const event = fc.record({ t: fc.integer({ min: 0, max: 20 * 60_000 }), usd: fc.integer({ min: 1, max: 10_000_000 }).map((n) => n / 100), oi: fc.integer({ min: 0, max: 1e9 }) });
    fc.assert(
      fc.property(fc.tuple(...symbols.map(() => fc.array(event, { maxLength: 30 }))), fc.array(fc.nat(), { minLength: 1, maxLength: 50 }), (perSymbol, picks) => {
        const streams = perSymbol.map((list, i) =>
          [...list]
            .sort((a, b) => a.t - b.t)
            .flatMap(({ t, usd, oi }, j): NormalizedEvent[] => [
              { type: 'liquidation', id: `${i}-${j}`, venue: 'hyperliquid', symbol: symbols[i]!, base: symbols[i]!, side: j % 3 ? 'long' : 'short', price: 1, qty: usd, notionalUsd: usd, eventTime: t, receiveTime: t, fidelity: 'complete', kind: 'liquidation', source: 't' },
              { type: 'open_interest', venue: 'hyperliquid', symbol: symbols[i]!, base: symbols[i]!, oiBase: oi, oiUsd: oi, markPrice: 1, eventTime: t, receiveTime: t, source: 't' },
            ]),
        );
        const run = (events: NormalizedEvent[]) => {
          const a = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
          events.forEach((e) => a.apply(e));
          const minutes = a.minutes.range();
          return { totals: a.totalsSnapshot(), minutes, oi: a.openInterestAt(minutes) };
        };
        expect(run(interleave(streams, picks))).toEqual(run(streams.flat()));
      }),
      { numRuns: 200 },
    );
  });
});
