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

describe('DeFi on the aggregates topic (minute records), apart from the perps', () => {
  it('each minute record carries its DeFi by protocol, net of the retractions read before it closed; the perps figures are their own', async () => {
    const { MemoryBus } = await import('../../src/bus/memory-bus.js');
    const { defaultTopics } = await import('../../src/bus/topics.js');
    const bus = new MemoryBus();
    const topics = defaultTopics();
    const records: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    await bus.subscribe({ topics: [topics.aggregates], groupId: 'reader', fromBeginning: true }, async (b) => void records.push(...b.messages.map((m) => m.value as Record<string, unknown>)));
    const M = 60_000;
    const gone = defiLiquidation(11, T + 10_000, 1_234.5678);
    const kept = [defiLiquidation(13, T + 20_000, 500), defiLiquidation(14, T + 4 * M + 2_000, 7_000, { venue: 'morpho-blue', chain: 'base' })];
    // Every venue (each a source of the watermark) delivers every minute, so minutes close as the replay goes.
    const ticks = (venue: string, n: number) => Array.from({ length: 8 }, (_, i) => defiLiquidation(100 + n * 10 + i, T + i * M + 30_000, 1, { venue }));
    const tickEvents = [...ticks('aave-v3', 0), ...ticks('morpho-blue', 1)];
    const frames: RawFrame[] = [
      { recv: T + 10_100, venue: 'aave-v3', frame: JSON.stringify([gone]) },
      { recv: T + 20_100, venue: 'aave-v3', frame: JSON.stringify([kept[0], retraction(gone)]) },
      { recv: T + 4 * M + 2_100, venue: 'morpho-blue', frame: JSON.stringify([kept[1]]) },
      ...tickEvents.map((e) => ({ recv: e.eventTime + 100, venue: e.venue, frame: JSON.stringify([e]) })),
      ...Array.from({ length: 8 }, (_, i) => ({ recv: T + i * M + 30_000, venue: 'bybit-linear', frame: JSON.stringify([liquidationOf(i)]) })),
    ];
    const file = await writeRecording(join(tempDir(), 'topic.ndjson'), frames.sort((x, y) => x.recv - y.recv));
    const result = await replay({ files: [file], speed: 'max', log: silentLogger(), parsers: { ...parsers, 'bybit-linear': eventsParser }, bus, topics });
    const minutes = records.filter((r) => r.type === 'minute');
    expect(minutes.map((r) => (r.minute - T) / M)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(minutes[0]!.defi).toEqual({ 'aave-v3': { longUsd: 501, shortUsd: 0, count: 2 }, 'morpho-blue': { longUsd: 1, shortUsd: 0, count: 1 } });
    expect(minutes[4]!.defi).toEqual({ 'aave-v3': { longUsd: 1, shortUsd: 0, count: 1 }, 'morpho-blue': { longUsd: 7_001, shortUsd: 0, count: 2 } });
    // The perps' records: exactly their own figures (minute 7 is still open at the end).
    expect(minutes.map((r) => r.usd)).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(minutes.every((r) => Object.keys(r.byVenue).join() === 'bybit-linear')).toBe(true);
    expect(result.report.totals.usd).toBe(10 + 11 + 12 + 13 + 14 + 15 + 16 + 17);
  });
});

function liquidationOf(i: number): NormalizedEvent {
  return { type: 'liquidation', id: `perp${i}`, venue: 'bybit-linear', symbol: 'BTCUSDT', base: 'BTC', side: 'long', price: 1, qty: 10 + i, notionalUsd: 10 + i, eventTime: T + i * 60_000 + 29_000, receiveTime: T + i * 60_000 + 30_000, fidelity: 'complete', kind: 'liquidation', source: 'test' };
}
