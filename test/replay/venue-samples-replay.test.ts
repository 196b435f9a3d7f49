import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toUnits, toUsd } from '../../src/aggregate/fixed-point.js';
import { silentLogger } from '../../src/log.js';
import { replay } from '../../src/replay/replay.js';
import type { LiquidationEvent, RawFrame } from '../../src/schema/events.js';
import { VENUES, venueModule } from '../../src/venues/registry.js';
import { fixture, fixturePath } from '../support/fixtures.js';
import { tempDir, writeRecording } from '../support/recording.js';

/** Every registered venue's documented sample frames that carry liquidations on their own (no metadata, no network). */
function sampleFrames(): RawFrame[] {
  const names = readdirSync(fixturePath('.')).filter((n) => n.endsWith('.json'));
  const frames: RawFrame[] = [];
  let recv = 1_760_130_000_000;
  for (const venue of VENUES) {
    const parse = venueModule(venue).parser({}, { log: silentLogger() });
    for (const name of names.filter((n) => n.startsWith(`${venue}-`))) {
      const frame = fixture(name);
      const r = parse(frame, recv);
      if (r.ok && r.events.some((e) => e.type === 'liquidation')) frames.push({ venue, recv: (recv += 1_000), frame });
    }
  }
  return frames;
}

describe('every venue replays its documented frames offline', () => {
  it('to the exact totals its parser gives them, with no network and no recorded metadata', async () => {
    const frames = sampleFrames();
    // Each venue whose docs carry a liquidation sample that needs no market list is in the recording (OKX's
    // docs sample is IOST, outside its built-in table: okx-replay.test.ts replays it with recorded metadata).
    const venues = new Set(frames.map((f) => f.venue));
    for (const v of ['binance-usdm', 'bybit-linear', 'htx-linear', 'gate-usdt', 'gate-btc', 'deribit', 'dydx', 'bitmex', 'kraken-futures', 'bitfinex', 'bitget'])
      expect(venues, v).toContain(v);

    // What the parsers make of the frames, one event at a time (their exact values are the parse tests').
    const expected: Record<string, { longUsd: number; shortUsd: number; count: number }> = {};
    for (const f of frames) {
      const r = venueModule(f.venue).parser({}, { log: silentLogger() })(f.frame, f.recv);
      if (!r.ok) throw new Error(r.reason);
      for (const e of r.events) {
        if (e.type !== 'liquidation' || (e as LiquidationEvent).kind !== 'liquidation') continue;
        const l = e as LiquidationEvent;
        // Lending protocols' liquidations are kept apart from the perps' totals (the report's defi block, issue 20).
        if (l.onchain) continue;
        const t = (expected[l.venue] ??= { longUsd: 0, shortUsd: 0, count: 0 });
        t[l.side === 'long' ? 'longUsd' : 'shortUsd'] = toUsd(toUnits(t[l.side === 'long' ? 'longUsd' : 'shortUsd']) + toUnits(l.notionalUsd));
        t.count += 1;
      }
    }
    const file = await writeRecording(join(tempDir(), 'samples.ndjson'), frames);
    const { report } = await replay({ files: [file], speed: 'max', log: silentLogger() });
    const got = Object.fromEntries(Object.entries(report.totals.byVenue).map(([v, t]) => [v, { longUsd: t.longUsd, shortUsd: t.shortUsd, count: t.count }]));
    expect(got).toEqual(expected);
    expect(report.input.badFrames).toBe(0);
  });
});
