import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { manifestPath, type FileManifest } from '../../src/replay/manifests.js';
import { replay, replayParts, replayReport, type ReplayOptions } from '../../src/replay/replay.js';
import { mergeShares, shareResult } from '../../src/replay/shares.js';
import { BINANCE_FIXTURE_TOTALS } from '../support/fixtures.js';
import { recordedDir, RECORDED_HOURS } from '../support/recorded-dir.js';
import { binanceRecordingFrames, tempDir, writeRecording } from '../support/recording.js';

const { H21, H22 } = RECORDED_HOURS;

/** The warnings about manifests (the Binance samples bring others: a bad frame, a default contract size). */
function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const keep = (line: Record<string, unknown>) => void ('manifest' in line && lines.push(line));
  return { log: pino({ level: 'warn' }, { write: (s: string) => keep(JSON.parse(s) as Record<string, unknown>) }), lines };
}

const gapMetrics = async (metrics: ReturnType<typeof createMetrics>): Promise<string[]> =>
  (await metrics.registry.metrics()).split('\n').filter((l) => /^liqstream_gap(s|_seconds)_total\{/.test(l));

describe('replay applies the gaps of record’s manifests', () => {
  it('each manifest gap once, in the report and the gap counters, also with a file named twice', async () => {
    const { files } = await recordedDir();
    expect(files.map((f) => basename(f))).toEqual(['liqstream-20251010T21.ndjson.gz', 'liqstream-20251010T22.ndjson.gz']);
    const { log, lines } = capturingLogger();
    const metrics = createMetrics();
    const { report } = await replay({ files: [files[0]!, files[1]!, files[0]!], speed: 'max', log, metrics });
    expect(lines).toEqual([]);
    expect(report.totals.gaps).toBe(3);
    expect(report.totals.byVenue).toEqual(BINANCE_FIXTURE_TOTALS);
    expect(await gapMetrics(metrics)).toEqual([
      'liqstream_gaps_total{venue="binance-usdm"} 2',
      'liqstream_gaps_total{venue="binance-coinm"} 1',
      'liqstream_gap_seconds_total{venue="binance-usdm"} 32.5',
      'liqstream_gap_seconds_total{venue="binance-coinm"} 60',
    ]);
  });

  it('the same gap in two manifests counts once', async () => {
    const { files } = await recordedDir();
    const [first, second] = files.map((f) => JSON.parse(readFileSync(manifestPath(f), 'utf8')) as FileManifest);
    writeFileSync(manifestPath(files[1]!), JSON.stringify({ ...second, gaps: [...first!.gaps, ...second!.gaps] }));
    expect((await replay({ files, speed: 'max', log: capturingLogger().log })).report.totals.gaps).toBe(3);
  });

  it('--from/--to keep the gaps that overlap the slice', async () => {
    const { files } = await recordedDir();
    const log = capturingLogger().log;
    // [21:00:30, 22:00:11): the coinm gap (21:00:05–21:01:05) and the usdm one at 22:00:10 overlap it; the one before 21:00 does not.
    const slice = await replay({ files, speed: 'max', log, from: H21 + 30_000, to: H22 + 11_000 });
    expect(slice.report.totals.gaps).toBe(2);
    const before = await replay({ files, speed: 'max', log, to: H21 });
    expect(before.report.totals.gaps).toBe(1);
  });

  it('a missing or corrupt manifest, or a bad gap in one, is a warning naming it; the rest replays', async () => {
    const { files } = await recordedDir();
    rmSync(manifestPath(files[1]!));
    const { log, lines } = capturingLogger();
    const missing = await replay({ files, speed: 'max', log });
    expect(missing.report.totals.gaps).toBe(2);
    expect(missing.report.totals.byVenue).toEqual(BINANCE_FIXTURE_TOTALS);
    expect(lines.map((l) => [l.msg, l.manifest])).toEqual([['recording has no manifest: gaps recorded while it was open are unknown', manifestPath(files[1]!)]]);

    writeFileSync(manifestPath(files[1]!), '{"version":1,"gaps":[');
    lines.length = 0;
    expect((await replay({ files, speed: 'max', log })).report.totals.gaps).toBe(2);
    expect(lines.map((l) => [l.msg, l.manifest])).toEqual([['manifest unreadable: gaps recorded while its file was open are unknown', manifestPath(files[1]!)]]);

    writeFileSync(manifestPath(files[1]!), 'null');
    lines.length = 0;
    expect((await replay({ files, speed: 'max', log })).report.totals.gaps).toBe(2);
    expect(lines.map((l) => [l.msg, l.manifest])).toEqual([['manifest has no gaps list: gaps recorded while its file was open are unknown', manifestPath(files[1]!)]]);

    // Entry by entry: the bad gap is named and skipped, the good one counts.
    writeFileSync(manifestPath(files[1]!), JSON.stringify({ gaps: [{ venue: 'binance-usdm', from: 'soon', to: 1, reason: 'x' }, { venue: 'binance-usdm', from: H22, to: H22 + 1_000, reason: 'socket closed' }] }));
    lines.length = 0;
    expect((await replay({ files, speed: 'max', log })).report.totals.gaps).toBe(3);
    expect(lines.map((l) => [l.msg, l.manifest])).toEqual([['bad gap in manifest, skipped', manifestPath(files[1]!)]]);

    // A recording not written by `record` (another name) needs no manifest: no warning.
    lines.length = 0;
    const other = await writeRecording(join(tempDir(), 'day.ndjson.gz'), binanceRecordingFrames(H21).slice(0, 1));
    await replay({ files: [other, files[0]!], speed: 'max', log });
    expect(lines).toEqual([]);
  });

  it('shares (what --workers merges): the gaps count once, per venue too, as with one thread', async () => {
    const { files } = await recordedDir();
    const options: ReplayOptions = { files, speed: 'max', log: capturingLogger().log };
    const one = { ...options, metrics: createMetrics() };
    const whole = replayReport(one, await replayParts(one));
    const plan = { 'binance-usdm': 0, 'binance-coinm': 1 };
    const shares = await Promise.all([0, 1].map(async (index) => shareResult(await replayParts(options, { index, count: 2, plan }), 0)));
    const merged = mergeShares(shares, createMetrics());
    expect(replayReport(options, merged)).toEqual(whole);
    expect(whole.totals.gaps).toBe(3);
    expect(await gapMetrics(merged.metrics)).toEqual(await gapMetrics(one.metrics));
  });
});
