import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { BLOCK_BUCKETS, addToSample, feedShares, fedSource, frameRouter, itemsOf, mergeFed, planRoutes, UnsafeSplit, type Routes, type Sample } from '../../src/replay/feed.js';
import { hyperliquidFrameClass } from '../../src/venues/hyperliquid/frame-class.js';
import { readRecording, type RecordingItem } from '../../src/replay/recording.js';
import { readRawBatches } from '../../src/replay/raw-lines.js';
import { PAST_SLICE_FRAMES } from '../../src/replay/input-files.js';
import { frameBatcher } from '../../src/replay/frame-batch.js';
import { replayParts, replayReport, type ReplayOptions } from '../../src/replay/replay.js';
import { shareResult, type ReplayParts } from '../../src/replay/shares.js';
import type { RawFrame } from '../../src/schema/events.js';
import { writeOct10 } from '../../src/simulate/write.js';
import { tempDir, writeRecording } from '../support/recording.js';

/** Everything the CLI writes from a replay: the report (as its bytes) and the per-minute series of the CSV, HTML and OpenMetrics. */
function outputs(options: ReplayOptions, parts: ReplayParts) {
  const minutes = parts.aggregator.minutes.range();
  return {
    report: JSON.stringify(replayReport(options, parts)),
    minutes,
    openInterest: parts.aggregator.openInterestByMinute(minutes),
    adl: parts.aggregator.adlByMinute(minutes),
    fidelity: Object.entries(parts.aggregator.fidelity).sort(),
  };
}

/** What replayInWorkers does, in one thread: the reader deals the frames, each share replays its own, the shares merge. */
async function fedReplay(options: ReplayOptions, routes: Routes, count: number) {
  const dealt: RecordingItem[][] = Array.from({ length: count }, () => []);
  // As the workers get them: written lines as bytes in batches, decoded (and checked) on arrival.
  const batchers = dealt.map((d) => frameBatcher((batch) => void d.push(...itemsOf(batch, routes.blocks !== undefined))));
  const fed = await feedShares(options, readRawBatches, frameRouter(routes, count), (w, frame) => batchers[w]!.add(frame));
  for (const b of batchers) b.flush();
  const shares = [];
  for (let index = 0; index < count; index++)
    shares.push(structuredClone(shareResult(await replayParts({ ...options, source: fedSource(dealt[index]!) }, { index, count, fed: true }), 0)));
  return { outputs: outputs(options, mergeFed(shares, fed, createMetrics())), dealt: dealt.map((d) => d.length) };
}

async function sampleOf(files: string[]): Promise<Sample> {
  const s: Sample = { venues: {}, blocks: 0, fills: false };
  for (const f of files) for await (const item of readRecording(f)) if (item.ok) addToSample(s, item.frame);
  return s;
}

const block = (n: number, events = '[]') => `{"local_time":"2025-10-10T21:11:00.000000000","block_time":"2025-10-10T21:11:00.000000000","block_number":${n},"events":${events}}`;

describe('replay feed (the reader of --workers N)', () => {
  it('tells node blocks (bucket by block number), frames without liquidations and frames that may carry fills apart', () => {
    const a = hyperliquidFrameClass(block(8800272060));
    expect(a).toEqual({ block: expect.any(Number) });
    expect(hyperliquidFrameClass(block(8800272060, '[["0xabc",{"coin":"BTC"}]]'))).toEqual(a);
    const buckets = new Set(Array.from({ length: 2_000 }, (_, i) => (hyperliquidFrameClass(block(8800272060 + i)) as { block: number }).block));
    expect(buckets.size).toBe(BLOCK_BUCKETS);
    expect(hyperliquidFrameClass('{"channel":"activeAssetCtx","data":{}}')).toBe('quiet');
    expect(hyperliquidFrameClass('{"channel":"pong"}')).toBe('quiet');
    expect(hyperliquidFrameClass('{"channel":"trades","data":[]}')).toBe('fills');
    expect(hyperliquidFrameClass('{"channel":"userFills","data":[]}')).toBe('fills');
    expect(hyperliquidFrameClass('{"channel":"activeAssetCtx","data":{},"channel":"trades"}')).toBe('fills');
    expect(hyperliquidFrameClass('{"\\u0063hannel":"trades","data":[]}')).toBe('fills');
    // Not JSON, or a REST listing: no liquidation whatever worker reads it.
    expect(hyperliquidFrameClass('{"truncated":')).toBe('quiet');
    expect(hyperliquidFrameClass('[{"universe":[]},[]]')).toBe('quiet');
    // Another key order, whitespace, or a channel inside: not dealt as a block (its owner reads it, as a possible fill carrier).
    expect(hyperliquidFrameClass('{"block_number":1,"local_time":"x","block_time":"y","events":[]}')).toBe('fills');
    expect(hyperliquidFrameClass(`${block(5).slice(0, -1)},"channel":"trades","data":[]}`)).toBe('fills');
  });

  it('plans the blocks into the room the venues leave, and no split when Hyperliquid fills arrive outside blocks', () => {
    const routes = planRoutes({ venues: { 'binance-usdm': 300, 'bybit-linear': 100, hyperliquid: 10 }, blocks: 1_000, fills: false }, 2);
    expect(routes.venues).toEqual({ 'binance-usdm': 0, 'bybit-linear': 1, hyperliquid: 1 });
    // Mean 705: share 0 has room for 405, share 1 for 595.
    expect(routes.blocks!.filter((o) => o === 0)).toHaveLength(Math.round((BLOCK_BUCKETS * 405) / 1_000));
    expect(routes.blocks).toHaveLength(BLOCK_BUCKETS);
    expect(planRoutes({ venues: { hyperliquid: 10 }, blocks: 1_000, fills: true }, 2)).toEqual({ venues: { hyperliquid: 0 } });
    expect(planRoutes({ venues: { okx: 5 }, blocks: 1_000, fills: false }, 2, false)).toEqual({ venues: { hyperliquid: 0, okx: 1 } });
    const route = frameRouter(routes, 2);
    const frame = (venue: string, text: string): RawFrame => ({ recv: 1, venue, frame: text });
    expect(route(frame('hyperliquid', '{"channel":"activeAssetCtx"}'))).toBe(1);
    expect(() => route(frame('hyperliquid', '{"channel":"trades","data":[]}'))).toThrow(UnsafeSplit);
    expect([route(frame('okx', '{}')), route(frame('gate', '{}')), route(frame('okx', '{}'))]).toEqual([0, 1, 0]);
  });

  describe('a simulated window with a second recorder’s copies, bad frames and lines', () => {
    let options: ReplayOptions;
    let whole: ReturnType<typeof outputs>;
    let files: string[];
    let simulatedVenues: string[] = [];
    beforeAll(async () => {
      const dir = tempDir();
      const sim = join(dir, 'sim.ndjson.gz');
      simulatedVenues = Object.keys((await writeOct10(sim, { seed: 7, accounts: 20_000, fromMinute: 21 * 60 + 10, toMinute: 21 * 60 + 13 })).truth.byVenue).sort();
      // A second recorder: a copy of every third Hyperliquid block and every fifth other frame, 3 ms later.
      const lines = gunzipSync(readFileSync(sim)).toString('utf8').trim().split('\n');
      const copies = lines
        .map((l) => JSON.parse(l) as RawFrame)
        .filter((f, i) => (f.venue === 'hyperliquid' && typeof hyperliquidFrameClass(f.frame) === 'object' ? i % 3 === 0 : i % 5 === 0))
        .map((f) => ({ ...f, recv: f.recv + 3 }));
      const second = await writeRecording(join(dir, 'second.ndjson'), copies);
      // Inside the window: a frame each venue's parser rejects, a line that is not JSON, one not UTF-8.
      const at = Date.UTC(2025, 9, 10, 21, 11);
      const venues = ['binance-usdm', 'binance-coinm', 'bybit-linear', 'bybit-inverse', 'hyperliquid'] as const;
      const extra = await writeRecording(join(dir, 'extra.ndjson'), venues.map((venue, i) => ({ recv: at + i, venue, frame: '{"truncated":' })));
      appendFileSync(extra, 'not json\n');
      appendFileSync(extra, Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]));
      files = [sim, second, extra];
      options = { files, speed: 'max', log: silentLogger(), maxBadShare: 0.5, cascade: { warmupMinutes: 0 } };
      whole = outputs(options, await replayParts(options));
    }, 60_000);

    it('the one-thread report, series and counts, with 2 and 3 workers and the blocks split', async () => {
      const report = JSON.parse(whole.report) as { input: { duplicates: number; badLines: number; badFrames: number }; totals: { byVenue: Record<string, { count: number }> } };
      expect(report.input).toMatchObject({ badLines: 2, badFrames: 5 });
      // The copies were dropped.
      expect(report.input.duplicates).toBeGreaterThan(100);
      // Every venue the simulator wrote in the window (all perps venue ids).
      expect(Object.keys(report.totals.byVenue)).toEqual(simulatedVenues);
      expect(simulatedVenues.length).toBeGreaterThanOrEqual(13);
      const sample = await sampleOf(files);
      for (const count of [2, 3]) {
        const routes = planRoutes(sample, count);
        expect(new Set(routes.blocks)).toEqual(new Set(Array.from({ length: count }, (_, i) => i)));
        const { outputs: merged, dealt } = await fedReplay(options, routes, count);
        // Every share replayed a part of the day (Hyperliquid's blocks went to more than one).
        expect(dealt.every((n) => n > 0)).toBe(true);
        expect(merged).toEqual(whole);
      }
    }, 120_000);

    it('property: any dealing of the block buckets to 2 or 3 workers merges to the one-thread output', async () => {
      const sample = await sampleOf(files);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 2, max: 3 }).chain((count) => fc.tuple(fc.constant(count), fc.array(fc.nat(count - 1), { minLength: BLOCK_BUCKETS, maxLength: BLOCK_BUCKETS }))),
          async ([count, blocks]) => {
            const routes = { venues: planRoutes(sample, count).venues, blocks };
            expect((await fedReplay(options, routes, count)).outputs).toEqual(whole);
          },
        ),
        { numRuns: 4 },
      );
    }, 240_000);

    it('a Hyperliquid trades frame while blocks are split stops the reader; whole venues then give the one-thread output', async () => {
      const dir = tempDir();
      const trades = join(dir, 'trades.ndjson');
      writeFileSync(trades, `${JSON.stringify({ recv: Date.UTC(2025, 9, 10, 21, 12), venue: 'hyperliquid', frame: '{"channel":"trades","data":[]}' })}\n`);
      const withTrades: ReplayOptions = { ...options, files: [...files, trades] };
      const one = outputs(withTrades, await replayParts(withTrades));
      const sample = await sampleOf(files);
      await expect(fedReplay(withTrades, planRoutes(sample, 2), 2)).rejects.toThrow(UnsafeSplit);
      expect((await fedReplay(withTrades, planRoutes(sample, 2, false), 2)).outputs).toEqual(one);
    }, 120_000);
  });

  it('a line whose receive time jumped past the slice does not end the read; PAST_SLICE_FRAMES in a row do, with 1 and 2 workers', async () => {
    // A recording host's clock stepped forward for one line: the frames after it (in the slice) count.
    const base = Date.UTC(2025, 9, 10, 21, 0);
    const liquidation = (t: number) => `{"e":"forceOrder","E":${t},"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"1","p":"100","ap":"100","X":"FILLED","l":"1","z":"1","T":${t}}}`;
    const line = (recv: number, t: number) => ({ recv, venue: 'binance-usdm' as const, frame: liquidation(t) });
    const inSlice = Array.from({ length: 50 }, (_, i) => line(base + i * 1_000 + 10, base + i * 1_000));
    const jumped = line(base + 86_400_000, base + 20_500);
    const after = Array.from({ length: PAST_SLICE_FRAMES }, (_, i) => line(base + 600_000 + i, base + 600_000 + i));
    // After PAST_SLICE_FRAMES frames in a row past the margin the read has stopped: this one is not read (the limit).
    const late = line(base + 700_000, base + 30_500);
    const file = await writeRecording(join(tempDir(), 'jump.ndjson'), [...inSlice.slice(0, 21), jumped, ...inSlice.slice(21), ...after, late]);
    const options: ReplayOptions = { files: [file], speed: 'max', log: silentLogger(), from: base, to: base + 60_000, cascade: { warmupMinutes: 0 } };
    const one = outputs(options, await replayParts(options));
    const report = JSON.parse(one.report) as { input: { frames: number }; totals: { count: number; usd: number } };
    expect(report.totals).toMatchObject({ count: 51, usd: 5_100 });
    expect(report.input.frames).toBe(51 + PAST_SLICE_FRAMES - 1); // the frame that ends the read is not replayed
    const sample = await sampleOf([file]);
    expect((await fedReplay(options, planRoutes(sample, 2), 2)).outputs).toEqual(one);
  }, 60_000);

  it('frames past the slice of one venue among another’s in it: the reader ends the read, not a worker on its own venue’s frames', async () => {
    // A clock jumping back and forth: binance-usdm lines a day ahead, each followed by a bybit-linear line in the slice.
    // One thread never sees 1,000 in a row past the margin; binance's worker alone did, stopped (its later in-slice
    // liquidations lost: a report unlike the one-thread report), and left the reader waiting on it for ever.
    const base = Date.UTC(2025, 9, 10, 21, 0);
    const liquidation = (t: number) => `{"e":"forceOrder","E":${t},"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"1","p":"100","ap":"100","X":"FILLED","l":"1","z":"1","T":${t}}}`;
    const binance = (recv: number, t = recv) => ({ recv, venue: 'binance-usdm' as const, frame: liquidation(t) });
    const bybit = (recv: number) => ({ recv, venue: 'bybit-linear' as const, frame: '{"topic":"x"}' });
    const lines = [
      ...Array.from({ length: 10 }, (_, i) => binance(base + i * 100)),
      ...Array.from({ length: 2 * PAST_SLICE_FRAMES }, (_, i) => (i % 2 === 0 ? binance(base + 86_400_000 + i) : bybit(base + 2_000 + i))),
      ...Array.from({ length: 10 }, (_, i) => binance(base + 30_000 + i * 100)),
    ];
    const file = await writeRecording(join(tempDir(), 'alternate.ndjson'), lines);
    const options: ReplayOptions = { files: [file], speed: 'max', log: silentLogger(), from: base, to: base + 60_000, maxBadShare: 0.9, cascade: { warmupMinutes: 0 } };
    const one = outputs(options, await replayParts(options));
    expect(JSON.parse(one.report)).toMatchObject({ totals: { count: 20, usd: 2_000 } });
    const sample = await sampleOf([file]);
    const routes = planRoutes(sample, 2);
    expect(routes.venues['binance-usdm']).not.toBe(routes.venues['bybit-linear']);
    expect((await fedReplay(options, routes, 2)).outputs).toEqual(one);
  }, 60_000);
});
