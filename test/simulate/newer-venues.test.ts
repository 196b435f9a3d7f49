import { beforeAll, describe, expect, it } from 'vitest';
import { toUnits, toUsd } from '../../src/aggregate/fixed-point.js';
import type { RawFrame, VenueId } from '../../src/schema/events.js';
import { defaultSimulation, simulateOct10, type GroundTruth } from '../../src/simulate/oct10.js';
import { FIRST_VENUES, OCT10, type SimVenue } from '../../src/simulate/oct10-profile.js';
import { perpsMetadata } from '../../src/simulate/venue-frames.js';
import { venueModule } from '../../src/venues/registry.js';
import { silentLogger } from '../../src/log.js';

/**
 * The newer venues (OKX, HTX, Gate, Deribit, dYdX, BitMEX, Kraken Futures, Bitfinex, Bitget) in the simulated day:
 * each venue's own parser, given the metadata.json the simulator writes, accepts every frame it writes, rejects no
 * entry, and arrives at the ground truth per side to the cent, with one event per liquidation (unique ids).
 */
const NEWER = (Object.keys(OCT10.venueUsd) as SimVenue[]).filter((v) => !(FIRST_VENUES as readonly string[]).includes(v));

function simulate(fromMinute: number, toMinute: number, seed = defaultSimulation().seed): { frames: RawFrame[]; truth: GroundTruth } {
  const gen = simulateOct10({ ...defaultSimulation(), seed, fromMinute, toMinute, defi: false });
  const frames: RawFrame[] = [];
  for (;;) {
    const step = gen.next();
    if (step.done) return { frames, truth: step.value };
    frames.push(...step.value);
  }
}

function parseAll(venue: VenueId, frames: RawFrame[]) {
  const parse = venueModule(venue).parser(perpsMetadata()[venue] ?? {}, { log: silentLogger() });
  const sums = { long: 0, short: 0, count: 0, oi: 0, adl: 0 };
  const ids = new Set<string>();
  for (const f of frames) {
    if (f.venue !== venue) continue;
    const r = parse(f.frame, f.recv);
    if (!r.ok) throw new Error(`${venue} rejected ${f.frame.slice(0, 300)}: ${r.reason}`);
    if (r.rejected?.length) throw new Error(`${venue} rejected an entry of ${f.frame.slice(0, 300)}: ${JSON.stringify(r.rejected[0]).slice(0, 300)}`);
    for (const e of r.events) {
      if (e.type === 'liquidation' && e.kind === 'liquidation') {
        sums[e.side] += toUnits(e.notionalUsd);
        sums.count += 1;
        ids.add(e.id);
      } else if (e.type === 'liquidation') sums.adl += 1;
      else if (e.type === 'open_interest') sums.oi += 1;
    }
  }
  return { sums, ids };
}

describe('the newer venues in the simulated 10 October 2025', () => {
  let peak: { frames: RawFrame[]; truth: GroundTruth };
  beforeAll(() => {
    peak = simulate(21 * 60 + 13, 21 * 60 + 17);
  }, 120_000);

  it.each(NEWER)('%s: its parser accepts every frame and reproduces the ground truth per side', (venue) => {
    const { sums, ids } = parseAll(venue, peak.frames);
    const expected = peak.truth.byVenue[venue]!;
    expect(expected.count).toBeGreaterThan(0);
    expect(sums.count).toBe(expected.count);
    expect(ids.size).toBe(expected.count);
    expect(toUsd(sums.long)).toBe(expected.longUsd);
    expect(toUsd(sums.short)).toBe(expected.shortUsd);
    // Every venue whose connector polls open interest has it in the day (Bitget's connector reads none).
    if (OCT10.openInterestUsd[venue] > 0) expect(sums.oi).toBeGreaterThan(0);
  });

  it('dYdX deleveraging gives ADL events besides, never counted as liquidations', () => {
    expect(parseAll('dydx', peak.frames).sums.adl).toBeGreaterThan(0);
  });

  it('a quiet hour too, with another seed: every venue exact', () => {
    const quiet = simulate(600, 660, 7);
    for (const venue of NEWER) {
      const { sums } = parseAll(venue, quiet.frames);
      const expected = quiet.truth.byVenue[venue]!;
      expect([venue, sums.count, toUsd(sums.long), toUsd(sums.short)]).toEqual([venue, expected.count, expected.longUsd, expected.shortUsd]);
    }
  }, 60_000);
});
