import type { Aggregator } from '../aggregate/aggregator.js';
import { CascadeDetector, type CascadeParams, type CascadeSignal } from './detector.js';

/**
 * Every cascade episode in the aggregator's minute history, from a fresh detector run over the
 * complete series. Used for reports: unlike the live signals it cannot depend on arrival order.
 */
export function cascadeEpisodes(aggregator: Aggregator, params: Partial<CascadeParams> = {}): CascadeSignal[] {
  const detector = new CascadeDetector(params);
  const minutes = aggregator.minutes.range();
  const oi = aggregator.openInterestAt(minutes);
  const ended: CascadeSignal[] = [];
  minutes.forEach((bucket, i) => {
    for (const s of detector.step(bucket, oi[i])) if (s.phase === 'end') ended.push(s);
  });
  ended.push(...detector.finish());
  return ended;
}
