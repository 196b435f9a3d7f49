import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { BINANCE_FIXTURE_TOTALS } from '../support/fixtures.js';
import { binanceRecordingFrames, tempDir, writeRecording } from '../support/recording.js';

describe('liqstream replay (CLI)', () => {
  it('writes a report with exact totals, identical on a second run', async () => {
    const dir = tempDir();
    const rec = await writeRecording(join(dir, 'fixtures.ndjson.gz'), binanceRecordingFrames());
    const outs = [join(dir, 'r1.json'), join(dir, 'r2.json')];
    for (const out of outs) {
      const r = await runCli(['replay', rec, '--speed', 'max', '--report', out], { LIQSTREAM_LOG_LEVEL: 'error' });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const [a, b] = outs.map((o) => readFileSync(o, 'utf8'));
    expect(a).toBe(b);
    const report = JSON.parse(a!) as { totals: { usd: number; byVenue: unknown } };
    expect(report.totals.byVenue).toEqual(BINANCE_FIXTURE_TOTALS);
    expect(report.totals.usd).toBe(50646.7389);
  });

  it('a recording line that is not a frame is counted, not fatal', async () => {
    const dir = tempDir();
    const rec = join(dir, 'bad.ndjson');
    writeFileSync(rec, '{"recv":1,"venue":"binance-usdm","frame":"{}"}\nnot json\n{"recv":"x"}\n');
    const r = await runCli(['replay', rec, '--speed', 'max'], { LIQSTREAM_LOG_LEVEL: 'silent' });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { input: { frames: number; badFrames: number; badLines: number } };
    expect(report.input).toMatchObject({ frames: 1, badFrames: 1, badLines: 2 });
  });

  it('a bad config value fails at start naming the field', async () => {
    const r = await runCli(['run', '--metrics-port', '70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^config error: metrics\.port: /);
    const env = await runCli(['run'], { LIQSTREAM_BUS__BATCH_SIZE: 'lots' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^config error: bus\.batchSize: /);
    const hl = await runCli(['run'], { LIQSTREAM_VENUES__HYPERLIQUID__SOURCE: 'node' });
    expect(hl.code).toBe(2);
    expect(hl.stderr).toBe('config error: venues.hyperliquid.nodeDir: source "node" needs nodeDir\n');
  });
});
