import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { BLOCK_BUCKETS, addToSample, feedShares, fedSource, frameRouter, itemsOf, idHash, mergeFed, planRoutes, splitCollides, splitIdSink, UnsafeSplit, type Routes, type Sample } from '../../src/replay/feed.js';
import { readRecording, type RecordingItem } from '../../src/replay/recording.js';
import { readRawBatches } from '../../src/replay/raw-lines.js';
import { frameBatcher } from '../../src/replay/frame-batch.js';
import { replayParts, replayReport, type ReplayOptions } from '../../src/replay/replay.js';
import { shareResult } from '../../src/replay/shares.js';
import type { RawFrame } from '../../src/schema/events.js';
import { hyperliquidFrameClass } from '../../src/venues/hyperliquid/frame-class.js';
import { HLP_LIQUIDATORS } from '../../src/venues/hyperliquid/vaults.js';
import { writeOct10 } from '../../src/simulate/write.js';
import { tempDir, writeRecording } from '../support/recording.js';

// Hostile mixes of Hyperliquid blocks and socket frames for the reader of `replay --workers N` (feed.ts):
// whatever the frames, the workers' merged report is the one-thread report, or the reader refuses to split.

const T = Date.UTC(2026, 5, 28, 8, 43, 53);
const fill = (tid: number, extra = '') =>
  `["0x5ef843ccf26810073ee689a954f6d05f5b48fccb",{"coin":"SOL","px":"72.153","sz":"0.58","side":"A","time":${T},"startPosition":"-162.6","dir":"Open Short","closedPnl":"0.0","hash":"0xdc25","oid":1,"crossed":false,"fee":"-0.001255","tid":${tid},"liquidation":{"liquidatedUser":"0x5ef843ccf26810073ee689a954f6d05f5b48fccb","markPx":"72.149","method":"market"},"feeToken":"USDC"${extra}}]`;
const block = (n: number, events: string[], tail = '') =>
  `{"local_time":"2026-06-28T08:43:53.687645997","block_time":"2026-06-28T08:43:53.257028820","block_number":${n},"events":[${events.join(',')}]${tail}}`;
const bucket = (n: number) => (hyperliquidFrameClass(block(n, [])) as { block: number }).block;
/** Two block numbers in buckets of different owners under `routes` below. */
const [B1, B2] = (() => {
  const first = 1052527672;
  for (let n = first + 1; ; n++) if (bucket(n) % 2 !== bucket(first) % 2) return [first, n];
})();
/** Even buckets to worker 0, odd to 1; Hyperliquid's other frames to worker 0. */
const routes: Routes = { venues: { hyperliquid: 0 }, blocks: Array.from({ length: BLOCK_BUCKETS }, (_, b) => b % 2) };
const liquidator = HLP_LIQUIDATORS[0]!;
const trade = (tid: number) =>
  `[{"coin":"SOL","side":"B","px":"72.153","sz":"0.58","time":${T},"hash":"0xdc25","tid":${tid},"users":["${liquidator}","0x5ef843ccf26810073ee689a954f6d05f5b48fccb"]}]`;

async function oneThread(options: ReplayOptions) {
  return JSON.stringify(replayReport(options, await replayParts(options)));
}

/**
 * What replayInWorkers does, in one thread: the reader deals the frames by `routes`, each share replays its
 * own (handing back its Hyperliquid ids when blocks are split), the shares merge; UnsafeSplit as it throws it.
 */
async function fedReport(options: ReplayOptions, routes: Routes, count = 2): Promise<string> {
  const dealt: RecordingItem[][] = Array.from({ length: count }, () => []);
  // As the workers get them: written lines as bytes in batches, decoded (and checked) on arrival.
  const batchers = dealt.map((d) => frameBatcher((batch) => void d.push(...itemsOf(batch, routes.blocks !== undefined))));
  const fed = await feedShares(options, readRawBatches, frameRouter(routes, count), (w, frame) => batchers[w]!.add(frame));
  for (const b of batchers) b.flush();
  const shares = [];
  for (let index = 0; index < count; index++) {
    const ids = splitIdSink();
    const parts = await replayParts({ ...options, source: fedSource(dealt[index]!), sinks: () => [ids.sink] }, { index, count, fed: true });
    shares.push(structuredClone({ ...shareResult(parts, 0), splitIds: ids.ids() }));
  }
  if (routes.blocks && splitCollides(shares.map((s) => s.splitIds))) throw new UnsafeSplit('collision');
  return JSON.stringify(replayReport(options, mergeFed(shares, fed, createMetrics())));
}

async function recording(frames: string[]): Promise<ReplayOptions> {
  const path = await writeRecording(
    join(tempDir(), 'hl.ndjson'),
    frames.map((frame, i): RawFrame => ({ recv: T + 1_000 + i, venue: 'hyperliquid', frame })),
  );
  return { files: [path], speed: 'max', log: silentLogger(), maxBadShare: 1, cascade: { warmupMinutes: 0 } };
}

/** The one-thread report; the split replay refuses (UnsafeSplit) and whole venues give that report. */
async function splitRefused(frames: string[]) {
  const options = await recording(frames);
  const one = await oneThread(options);
  await expect(fedReport(options, routes)).rejects.toThrow(UnsafeSplit);
  expect(await fedReport(options, { venues: { hyperliquid: 1 } })).toBe(one);
  return JSON.parse(one) as { input: { duplicates: number }; totals: { count: number } };
}

describe('replay --workers reader: hostile Hyperliquid mixes', () => {
  it('classifies any frame with a \\u escape as one that may carry fills', () => {
    expect(hyperliquidFrameClass(block(B2, [], `,"\\u0063hannel":"trades","data":[]`))).toBe('fills');
    expect(hyperliquidFrameClass(`{"channel":"pong","\\u0063hannel":"trades","data":[]}`)).toBe('fills');
    expect(hyperliquidFrameClass(`{"channel":"activeAssetCtx","data":{},"channe\\u006c":"fills"}`)).toBe('fills');
    expect(hyperliquidFrameClass(block(B2, [fill(7)]))).toEqual({ block: bucket(B2) });
  });

  it('a block whose tail names the trades channel with a \\u escape (JSON.parse reads it as a trades frame): not dealt as a block', async () => {
    const one = await splitRefused([block(B1, [fill(7)]), block(B2, [], `,"\\u0063hannel":"trades","data":${trade(7)}`)]);
    expect(one.input.duplicates).toBe(1);
    expect(one.totals.count).toBe(1);
  });

  it('a pong that names trades a second time, escaped (the last key wins): not quiet', async () => {
    const one = await splitRefused([block(B2, [fill(7)]), `{"channel":"pong","\\u0063hannel":"trades","data":${trade(7)}}`]);
    expect(one.input.duplicates).toBe(1);
    expect(one.totals.count).toBe(1);
  });

  it('a block copied after more liquidations than the ingestor remembers (in other workers\' blocks): the report counts it as one thread does', async () => {
    // 17,000 liquidations in blocks of the other worker between a block and its copy: past the one-thread
    // ingestor's window of recent ids (16,384), not past the window of the worker that holds both.
    const others: string[] = [];
    let n = B2;
    for (let made = 0; made < 17; made++) {
      while (bucket(n) % 2 === bucket(B1) % 2) n++;
      others.push(block(n++, Array.from({ length: 1_000 }, (_, i) => fill(100_000 + made * 1_000 + i))));
    }
    const options = await recording([block(B1, [fill(7)]), ...others, block(B1, [fill(7)])]);
    const one = await oneThread(options);
    // The copy counted as dropped, whichever filter dropped it.
    expect(JSON.parse(one)).toMatchObject({ input: { duplicates: 1 }, totals: { count: 17_001 } });
    expect(await fedReport(options, routes)).toBe(one);
  }, 60_000);

  it('one fill in two blocks of different numbers (a hostile or re-numbered copy): counted once, as with one thread', async () => {
    const one = await splitRefused([block(B1, [fill(7)]), block(B2, [fill(7)])]);
    expect(one.input.duplicates).toBe(1);
    expect(one.totals.count).toBe(1);
  });

  it('property: a simulated window mixed with hostile files (copies at equal receive times, blocks out of order, CRLF, no last newline, bad lines, pongs and contexts) gives the one-thread report with 1 to 8 workers, any dealing of the buckets', async () => {
    const dir = tempDir();
    const sim = join(dir, 'sim.ndjson.gz');
    await writeOct10(sim, { seed: 11, accounts: 20_000, fromMinute: 21 * 60 + 10, toMinute: 21 * 60 + 13 });
    const lines = gunzipSync(readFileSync(sim)).toString('utf8').trim().split('\n');
    const frames = lines.map((l) => JSON.parse(l) as RawFrame);
    const blocks = frames.filter((f) => f.venue === 'hyperliquid' && typeof hyperliquidFrameClass(f.frame) === 'object');
    // A second recorder: every other block at the same receive time (ties across files), CRLF endings, no last newline.
    const copies = join(dir, 'copies.ndjson');
    writeFileSync(copies, blocks.filter((_, i) => i % 2 === 0).map((f) => JSON.stringify(f)).join('\r\n'));
    // A third: blocks out of their order (each a minute late), bad lines, frames with no liquidation beside them.
    const late = await writeRecording(
      join(dir, 'late.ndjson'),
      [...blocks.filter((_, i) => i % 5 === 0).reverse().map((f, i) => ({ ...f, recv: blocks[0]!.recv + 1_000 * i })), ...['{"channel":"pong"}', '{"channel":"subscriptionResponse","data":{}}', '{"truncated":'].map((frame, i) => ({ recv: blocks[0]!.recv + i, venue: 'hyperliquid', frame }))].sort((a, b) => a.recv - b.recv),
    );
    writeFileSync(late, `${readFileSync(late, 'utf8')}not json\n\n{"recv":1}\n`);
    const files = [sim, copies, late];
    const options: ReplayOptions = { files, speed: 'max', log: silentLogger(), maxBadShare: 0.5, cascade: { warmupMinutes: 0 } };
    const one = await oneThread(options);
    expect(JSON.parse(one).input.duplicates).toBeGreaterThan(10);
    expect(blocks.length).toBeGreaterThan(20);
    expect(JSON.parse(one).totals.byVenue.hyperliquid.count).toBeGreaterThan(100);
    const sample: Sample = { venues: {}, blocks: 0, fills: false };
    for (const f of files) for await (const item of readRecording(f)) if (item.ok) addToSample(sample, item.frame);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }).chain((count) => fc.tuple(fc.constant(count), fc.array(fc.nat(count - 1), { minLength: BLOCK_BUCKETS, maxLength: BLOCK_BUCKETS }))),
        async ([count, dealt]) => {
          expect(await fedReport(options, { venues: planRoutes(sample, count).venues, blocks: dealt }, count)).toBe(one);
        },
      ),
      { numRuns: 6 },
    );
  }, 240_000);
});

describe('the workers’ Hyperliquid id hashes (splitIdSink, splitCollides)', () => {
  it('property: each list sorted, each hash once; a collision exactly when two workers applied one id', () => {
    const id = fc.constantFrom('a', 'b', 'c', 'd', 'e', '0xdc25:7', '0xdc25:8');
    fc.assert(
      fc.property(fc.array(fc.array(id, { maxLength: 12 }), { minLength: 1, maxLength: 4 }), (workers) => {
        const lists = workers.map((ids) => {
          const sink = splitIdSink();
          for (const i of ids) void sink.sink.onEvent?.({ type: 'liquidation', venue: 'hyperliquid', id: i } as never);
          return sink.ids();
        });
        lists.forEach((l, w) => expect([...l]).toEqual([...new Set(workers[w]!.map(idHash))].sort((a, b) => a - b)));
        const shared = workers.some((a, x) => workers.some((b, y) => x < y && a.some((i) => b.includes(i))));
        expect(splitCollides(lists)).toBe(shared);
      }),
      { numRuns: 300 },
    );
  });
});
