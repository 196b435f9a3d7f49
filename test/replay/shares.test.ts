import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { replayParts, replayReport, type ReplayOptions } from '../../src/replay/replay.js';
import { mergeShares, planShares, shareResult, venueOwner, type ReplayParts } from '../../src/replay/shares.js';
import { writeOct10 } from '../../src/simulate/write.js';
import { tempDir, writeRecording } from '../support/recording.js';

/** Everything the CLI writes from a replay: the report and the per-minute series of the CSV, HTML and OpenMetrics. */
function outputs(options: ReplayOptions, parts: ReplayParts) {
  const minutes = parts.aggregator.minutes.range();
  return {
    report: replayReport(options, parts),
    minutes,
    openInterest: parts.aggregator.openInterestByMinute(minutes),
    adl: parts.aggregator.adlByMinute(minutes),
    fidelity: Object.entries(parts.aggregator.fidelity).sort(),
  };
}

describe('replay shares (what --workers N merges)', () => {
  it('plans the largest venue to the least loaded share; venues seen later are dealt round-robin, the same in every share', () => {
    const plan = planShares({ okx: 10, hyperliquid: 900, 'bybit-linear': 300, 'binance-usdm': 300, deribit: 10 }, 2);
    // hyperliquid alone; then binance-usdm (300, before bybit-linear by name), bybit-linear, and the ties by name.
    expect(plan).toEqual({ hyperliquid: 0, 'binance-usdm': 1, 'bybit-linear': 1, deribit: 1, okx: 1 });
    expect(planShares({ a: 5, b: 5, c: 5 }, 3)).toEqual({ a: 0, b: 1, c: 2 });
    const venues = ['okx', 'bitmex', 'hyperliquid', 'gate', 'bitmex', 'kraken'] as const;
    const owned = [0, 1].map((index) => {
      const owns = venueOwner({ index, count: 2, plan: { okx: 1, hyperliquid: 1 } });
      return venues.filter((v) => owns(v));
    });
    expect(owned).toEqual([['bitmex', 'bitmex', 'kraken'], ['okx', 'hyperliquid', 'gate']]);
  });

  it('merged shares give the one-thread report, series and counts of bad lines and frames exactly', async () => {
    const dir = tempDir();
    const sim = join(dir, 'sim.ndjson');
    const { truth } = await writeOct10(sim, { seed: 7, accounts: 20_000, fromMinute: 21 * 60 + 10, toMinute: 21 * 60 + 17 });
    // A second file inside the simulated span: a frame every venue's parser rejects (so every share has
    // one), then a line that is not JSON and one whose bytes are not UTF-8.
    const at = Date.UTC(2025, 9, 10, 21, 11);
    const venues = ['binance-usdm', 'binance-coinm', 'bybit-linear', 'bybit-inverse', 'hyperliquid'] as const;
    const extra = await writeRecording(join(dir, 'extra.ndjson'), venues.map((venue, i) => ({ recv: at + i, venue, frame: '{"truncated":' })));
    appendFileSync(extra, 'not json\n');
    appendFileSync(extra, Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]));
    const options: ReplayOptions = { files: [sim, extra], speed: 'max', log: silentLogger(), maxBadShare: 0.5, cascade: { warmupMinutes: 0 } };
    const whole = outputs(options, await replayParts(options));
    expect(whole.report.input).toMatchObject({ badLines: 2, badFrames: 5 });
    // Every venue the simulator wrote (the newer ones too: OKX, HTX, Gate, Deribit, dYdX, BitMEX, Kraken, Bitfinex, Bitget).
    expect(Object.keys(whole.report.totals.byVenue)).toEqual(Object.keys(truth.byVenue).sort());
    expect(Object.keys(truth.byVenue).length).toBeGreaterThanOrEqual(13);
    expect(whole.report.cascades).toHaveLength(1);
    for (const { count, plan } of [{ count: 2 }, { count: 3 }, { count: 2, plan: { hyperliquid: 1 } }]) {
      const shares = [];
      for (let index = 0; index < count; index++) shares.push(structuredClone(shareResult(await replayParts(options, { index, count, plan }), 0)));
      // Bad lines are counted by the first share only; rejected frames by their venue's owner, one not the first.
      expect(shares.map((s) => s.badLines)).toEqual([2, ...Array(count - 1).fill(0)]);
      expect(shares.every((s) => s.stats.badFrames > 0)).toBe(true);
      const merged = outputs(options, mergeShares(shares, createMetrics()));
      expect(merged).toEqual(whole);
      // The report as written, byte for byte (the series' key order differs; report-files orders venues itself).
      expect(JSON.stringify(merged.report)).toBe(JSON.stringify(whole.report));
    }
    // An event-time slice: every share stops reading at the same line, so frames and bad lines still add up.
    // Ends early enough that more than PAST_SLICE_FRAMES frames come after its margin (input-files.ts).
    const slice: ReplayOptions = { ...options, from: Date.UTC(2025, 9, 10, 21, 10), to: Date.UTC(2025, 9, 10, 21, 10, 10) };
    const sliced = outputs(slice, await replayParts(slice));
    expect(sliced.report.input.frames).toBeLessThan(whole.report.input.frames);
    const halves = [];
    for (let index = 0; index < 2; index++) halves.push(structuredClone(shareResult(await replayParts(slice, { index, count: 2 }), 0)));
    expect(JSON.stringify(outputs(slice, mergeShares(halves, createMetrics())).report)).toBe(JSON.stringify(sliced.report));
  }, 60_000);
});
