import { describe, expect, it } from 'vitest';
import { toUnits, toUsd } from '../../src/aggregate/fixed-point.js';
import type { RawFrame } from '../../src/schema/events.js';
import { simulateOct10, defaultSimulation, type GroundTruth } from '../../src/simulate/oct10.js';
import { createBybitParser, type BybitVenue } from '../../src/venues/bybit/parse.js';

/**
 * The simulator writes Bybit frames in the venue's format and sums its ground truth "exactly as liqstream's
 * parser computes it": the parser must accept every frame it writes and arrive at the same totals.
 */
describe('Bybit parser on the simulated 10 October 2025 frames', () => {
  it('accepts every frame and reproduces the ground truth per side, linear and inverse', () => {
    const gen = simulateOct10({ ...defaultSimulation(), fromMinute: 1270, toMinute: 1275 });
    const frames: RawFrame[] = [];
    let step = gen.next();
    while (!step.done) {
      frames.push(...step.value);
      step = gen.next();
    }
    const truth: GroundTruth = step.value;
    for (const venue of ['bybit-linear', 'bybit-inverse'] as BybitVenue[]) {
      const parse = createBybitParser({ venue });
      const sums = { long: 0, short: 0, count: 0, oi: 0 };
      const ids = new Set<string>();
      for (const f of frames.filter((x) => x.venue === venue)) {
        const r = parse(f.frame, f.recv);
        if (!r.ok) throw new Error(`${venue} rejected ${f.frame.slice(0, 200)}: ${r.reason}`);
        for (const e of r.events) {
          if (e.type === 'liquidation') {
            sums[e.side] += toUnits(e.notionalUsd);
            sums.count += 1;
            ids.add(e.id);
          } else if (e.type === 'open_interest') sums.oi += 1;
        }
      }
      const expected = truth.byVenue[venue]!;
      expect(sums.count).toBe(expected.count);
      expect(ids.size).toBe(expected.count);
      expect(toUsd(sums.long)).toBe(expected.longUsd);
      expect(toUsd(sums.short)).toBe(expected.shortUsd);
      expect(sums.oi).toBeGreaterThan(0);
    }
  });
});
