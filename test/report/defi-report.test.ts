import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { silentLogger } from '../../src/log.js';
import { replay } from '../../src/replay/replay.js';
import { minutesCsv, reportHtml } from '../../src/report/report-files.js';
import { summarize } from '../../src/report/summary.js';
import type { NormalizedEvent, RawFrame } from '../../src/schema/events.js';
import type { FrameParser } from '../../src/venues/venue.js';
import { defiLiquidation, retraction } from '../support/defi-events.js';
import { binanceRecordingFrames, tempDir, writeRecording } from '../support/recording.js';

const T = 1_760_130_000_000;

/** Stands in for the protocol parsers (other branches of issue 20): each frame is the JSON of the events it yields. */
const eventsParser: FrameParser = (frame) => ({ ok: true, events: JSON.parse(frame) as NormalizedEvent[] });
const parsers = { 'aave-v3': eventsParser, 'morpho-blue': eventsParser };

const a1 = defiLiquidation(1, T + 100, 82_170_000.5);
const a2 = defiLiquidation(2, T + 61_000, 1_000, { chain: 'base' });
const m1 = defiLiquidation(3, T + 62_000, 27_700_000, { venue: 'morpho-blue', chain: 'base' });
const m2 = defiLiquidation(4, T + 63_000, 5_000, { venue: 'morpho-blue', chain: 'arbitrum' });
const defiFrames: RawFrame[] = [
  { recv: T + 200, venue: 'aave-v3', frame: JSON.stringify([a1]) },
  { recv: T + 61_100, venue: 'aave-v3', frame: JSON.stringify([a2]) },
  { recv: T + 62_100, venue: 'morpho-blue', frame: JSON.stringify([m1, m2]) },
  // A reorg orphans a2's and m2's blocks; the retraction of a2 is seen twice (reorg, then removed: true).
  { recv: T + 64_000, venue: 'aave-v3', frame: JSON.stringify([retraction(a2)]) },
  { recv: T + 64_100, venue: 'morpho-blue', frame: JSON.stringify([retraction(m2)]) },
  { recv: T + 64_200, venue: 'aave-v3', frame: JSON.stringify([retraction(a2, 'removed')]) },
];

async function replayOf(frames: RawFrame[]) {
  const file = await writeRecording(join(tempDir(), 'day.ndjson'), [...frames].sort((x, y) => x.recv - y.recv));
  return replay({ files: [file], speed: 'max', log: silentLogger(), parsers });
}

describe('DeFi beside the perps in the replay report (JSON, CSV, HTML, summary)', () => {
  it('perps figures are exactly those of the perps-only replay; DeFi is a section of its own, net of retractions', async () => {
    const perpsOnly = await replayOf(binanceRecordingFrames(T));
    const both = await replayOf([...binanceRecordingFrames(T), ...defiFrames]);
    const { defi, ...perps } = both.report.totals;
    expect(perps).toEqual(perpsOnly.report.totals);
    expect(both.report.bySymbol).toEqual(perpsOnly.report.bySymbol);
    expect(both.report.largest).toEqual(perpsOnly.report.largest);
    expect(both.report.cascades).toEqual(perpsOnly.report.cascades);
    expect(defi).toEqual({
      usd: 109_870_000.5,
      debtUsd: 105_475_200.48,
      count: 2,
      lowerBound: false,
      byProtocol: {
        'aave-v3': { usd: 82_170_000.5, debtUsd: 78_883_200.48, count: 1, lowerBound: false, byChain: { base: { usd: 0, debtUsd: 0, count: 0 }, ethereum: { usd: 82_170_000.5, debtUsd: 78_883_200.48, count: 1 } } },
        'morpho-blue': { usd: 27_700_000, debtUsd: 26_592_000, count: 1, lowerBound: false, byChain: { arbitrum: { usd: 0, debtUsd: 0, count: 0 }, base: { usd: 27_700_000, debtUsd: 26_592_000, count: 1 } } },
      },
      retracted: { usd: 6_000, count: 2 },
    });

    const summary = summarize(both.report);
    // The perps' lines as before (the first line's frame count differs: the recording has the DeFi frames too).
    const perpsLines = summarize(perpsOnly.report).split('\n');
    expect(summary.split('\n').slice(1, perpsLines.length - 3)).toEqual(perpsLines.slice(1, -3));
    expect(summary.split('\n')[0]).toBe(perpsLines[0]!.replace('(5 frames', '(11 frames'));
    expect(summary).toContain('defi (on-chain lending, apart from the above): $109.9M collateral seized in 2 events, 2 retracted\n  aave-v3           $82.2M  base $0, ethereum $82.2M\n  morpho-blue       $27.7M  arbitrum $0, base $27.7M\ncascade episodes: 0\n');

    const minutes = both.aggregator.reportMinutes();
    expect(perpsOnly.aggregator.reportMinutes()).toEqual(perpsOnly.aggregator.minutes.range());
    const input = { report: both.report, minutes, openInterest: both.aggregator.openInterestByMinute(minutes), fidelity: both.aggregator.fidelity, defi: both.aggregator.defiByMinute(minutes) };
    const csv = minutesCsv(input).trim().split('\n');
    const header = csv[0]!.split(',');
    expect(header.slice(-2)).toEqual(['defi_aave-v3_usd', 'defi_morpho-blue_usd']);
    const perpsMinutes = perpsOnly.aggregator.minutes.range();
    const perpsCsv = minutesCsv({ report: perpsOnly.report, minutes: perpsMinutes, openInterest: perpsOnly.aggregator.openInterestByMinute(perpsMinutes), fidelity: perpsOnly.aggregator.fidelity }).trim().split('\n');
    // The perps' columns as before, in the minutes both have (the DeFi minute after them is all zero for perps).
    expect(csv.slice(0, perpsCsv.length).map((line) => line.split(',').slice(0, -2).join(','))).toEqual(perpsCsv);
    const sumOf = (col: number) => csv.slice(1).reduce((s, line) => s + Number(line.split(',')[col]), 0);
    expect([sumOf(header.length - 2), sumOf(header.length - 1)]).toEqual([82_170_000.5, 27_700_000]);

    const html = reportHtml(input);
    expect(html).toContain('<h2>DeFi: on-chain lending liquidations</h2>');
    expect(html).toContain('<tr><td>aave-v3</td><td>ethereum</td><td>$82.2M</td><td>$78.9M</td><td>1</td></tr>');
    expect(html).toContain('2 liquidations ($6.0k) were taken back after a reorg');
    expect(html).toContain('<figcaption>DeFi: collateral seized per minute, by lending protocol (apart from the perps)</figcaption>');
    expect(reportHtml({ ...input, report: perpsOnly.report, defi: undefined })).not.toContain('DeFi');
  });

  it('replay workers: a share with DeFi merges into the same totals and minutes as one aggregator', () => {
    const events: NormalizedEvent[] = [a1, a2, m1, m2, retraction(a2), retraction(m2)];
    const one = new Aggregator({ clock: 'watermark', retainMinutes: Infinity });
    for (const e of events) one.apply(e);
    const [aave, morpho, merged] = [0, 1, 2].map(() => new Aggregator({ clock: 'watermark', retainMinutes: Infinity }));
    for (const e of events) (e.venue === 'aave-v3' ? aave : morpho)!.apply(e);
    merged!.mergeReplayState(aave!.replayState());
    merged!.mergeReplayState(morpho!.replayState());
    expect(merged!.totalsSnapshot()).toEqual(one.totalsSnapshot());
    expect(merged!.defi.minutes.range()).toEqual(one.defi.minutes.range());
  });
});
