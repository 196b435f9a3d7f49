import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { replay } from '../../src/replay/replay.js';
import type { RawFrame } from '../../src/schema/events.js';
import { tempDir, writeRecording } from '../support/recording.js';
import { summarize } from '../../src/report/summary.js';

const T0 = 1_760_130_900_000;
const push = (instType: string, instId: string, posSide: string, side: string, sz: string, bkPx: string, ts: number) =>
  JSON.stringify({ arg: { channel: 'liquidation-orders', instType }, data: [{ instId, instType, details: [{ bkLoss: '0', bkPx, ccy: '', posSide, side, sz, ts: String(ts) }] }] });
const dogeRow = { instId: 'DOGE-USDT-SWAP', instType: 'SWAP', ctType: 'linear', ctVal: '1000', ctValCcy: 'DOGE', settleCcy: 'USDT', ctMult: '1', state: 'live' };
const frame = (i: number, text: string): RawFrame => ({ recv: T0 + i * 1000, venue: 'okx', frame: text });

/** OKX frames as `liqstream record` writes them: liquidations, and the refresh poller's instrument-list answer. */
const frames = [
  frame(0, push('SWAP', 'BTC-USDT-SWAP', 'net', 'sell', '3', '110000', T0)),
  frame(1, push('SWAP', 'ETH-USD-SWAP', 'short', 'buy', '25', '3900', T0 + 1000)),
  frame(2, push('FUTURES', 'SOL-USDT-251226', 'long', 'sell', '40', '180', T0 + 2000)),
  frame(3, push('SWAP', 'DOGE-USDT-SWAP', 'net', 'buy', '2', '0.2', T0 + 3000)),
  frame(4, JSON.stringify({ code: '0', msg: '', data: [dogeRow] })),
  frame(5, push('SWAP', 'DOGE-USDT-SWAP', 'net', 'buy', '2', '0.2', T0 + 5000)),
];

describe('OKX replay without network', () => {
  it('without metadata: the built-in table values BTC, ETH and SOL exactly; DOGE only once a recorded instrument list states it', async () => {
    const file = await writeRecording(join(tempDir(), 'okx.ndjson'), frames);
    const { report } = await replay({ files: [file], speed: 'max', log: silentLogger() });
    // long: 3 × 0.01 × 110000 + 40 × 1 × 180; short: 25 × 10 + 2 × 1000 × 0.2 (the second DOGE frame only)
    expect(report.totals.byVenue.okx).toEqual({ longUsd: 3300 + 7200, shortUsd: 250 + 400, count: 4, lowerBound: true });
    // The first DOGE push is understood; its one entry, which nothing could value yet, is dead-lettered on its own.
    expect(report.input).toMatchObject({ frames: 6, badFrames: 0, badEntries: 1 });
    expect(summarize(report)).toContain('in 4 events (6 frames, 0 bad, 1 bad entry)');
    expect(report.fidelity).toEqual({ okx: 'sampled' });
  });

  it("with a recording's metadata (discovery at start), the first DOGE liquidation is valued too", async () => {
    const file = await writeRecording(join(tempDir(), 'okx.ndjson'), frames);
    const instruments = { 'DOGE-USDT-SWAP': { symbol: 'DOGE-USDT-SWAP', base: 'DOGE', quote: 'USDT', settle: 'USDT', type: 'linear' as const, contractValue: 1000, from: 'discovery' as const } };
    const { report } = await replay({ files: [file], speed: 'max', log: silentLogger(), metadata: { okx: { instruments } } });
    expect(report.totals.byVenue.okx).toEqual({ longUsd: 10500, shortUsd: 250 + 400 + 400, count: 5, lowerBound: true });
    expect(report.input).toMatchObject({ frames: 6, badFrames: 0 });
  });
});
