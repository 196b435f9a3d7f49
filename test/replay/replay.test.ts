import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { replay, ReplayInputError } from '../../src/replay/replay.js';
import { BINANCE_FIXTURE_TOTALS } from '../support/fixtures.js';
import { binanceRecordingFrames, tempDir, writeRecording } from '../support/recording.js';

describe('replay (library)', () => {
  it('gives exact totals, the same report at max speed and at 4x, and reads .gz', async () => {
    const dir = tempDir();
    const frames = binanceRecordingFrames();
    const plain = await writeRecording(join(dir, 'a.ndjson'), frames);
    const gz = await writeRecording(join(dir, 'a.ndjson.gz'), frames);
    const log = silentLogger();
    const max = await replay({ files: [plain], speed: 'max', log });
    expect(max.report.totals.byVenue).toEqual(BINANCE_FIXTURE_TOTALS);
    expect(max.report.totals.usd).toBe(50646.7389); // 309.65 + 50237.0889 + 100, exact in 1/10,000 USD
    expect(max.report.totals.count).toBe(4);
    // Binance samples its liquidation stream: every total with it in is a lower bound.
    expect(max.report.totals.lowerBound).toBe(true);
    expect(max.report.input).toEqual({ files: ['a.ndjson'], frames: 5, badFrames: 1, badEntries: 0, badLines: 0, duplicates: 0 });
    // Per symbol, exact and adding up to the total; the largest liquidations, largest first.
    expect(max.report.bySymbol).toEqual([
      { venue: 'binance-usdm', symbol: 'BTCUSDT', longUsd: 309.65, shortUsd: 50_237.0889, count: 3 },
      { venue: 'binance-coinm', symbol: 'BTCUSD_200925', longUsd: 100, shortUsd: 0, count: 1 },
    ]);
    expect(max.report.largest.map((l) => [l.venue, l.side, l.notionalUsd])).toEqual([
      ['binance-usdm', 'short', 1.437 * 34_959.7],
      ['binance-usdm', 'long', 0.009 * 18_990],
      ['binance-usdm', 'long', 0.014 * 9_910],
      ['binance-coinm', 'long', 100],
    ]);

    const started = performance.now();
    const paced = await replay({ files: [gz], speed: 4, log });
    // 2 s of recorded receive time at 4x takes about 0.5 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect({ ...paced.report, input: { ...paced.report.input, files: ['a.ndjson'] } }).toEqual(max.report);
  });

  it('a gzip file that is corrupt (not merely cut short) fails the replay naming that file', async () => {
    const dir = tempDir();
    const frames = binanceRecordingFrames();
    const good = await writeRecording(join(dir, 'good.ndjson.gz'), frames);
    const bad = await writeRecording(join(dir, 'bad.ndjson.gz'), frames);
    writeFileSync(bad, Buffer.concat([readFileSync(bad), Buffer.from('trailing garbage')]));
    const failure = await replay({ files: [good, bad], speed: 'max', log: silentLogger() }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ReplayInputError);
    expect((failure as Error).message).toBe(`${bad}: incorrect header check`);
  });

  it('merges several files in receive-time order', async () => {
    const dir = tempDir();
    const frames = binanceRecordingFrames();
    const odd = await writeRecording(join(dir, 'odd.ndjson'), frames.filter((_, i) => i % 2 === 1));
    const even = await writeRecording(join(dir, 'even.ndjson'), frames.filter((_, i) => i % 2 === 0));
    const seen: number[] = [];
    const { report } = await replay({
      files: [odd, even],
      speed: 'max',
      log: silentLogger(),
      parsers: {
        'binance-usdm': (_f, recv) => (seen.push(recv), { ok: true, events: [] }),
        'binance-coinm': (_f, recv) => (seen.push(recv), { ok: true, events: [] }),
      },
    });
    expect(seen).toEqual(frames.map((f) => f.recv));
    expect(report.input.frames).toBe(5);
  });
});
