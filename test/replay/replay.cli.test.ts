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
    const r = await runCli(['replay', rec, '--speed', 'max', '--max-bad-share', '0.7'], { LIQSTREAM_LOG_LEVEL: 'silent' });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { input: { frames: number; badFrames: number; badLines: number } };
    expect(report.input).toMatchObject({ frames: 1, badFrames: 1, badLines: 2 });
    // Over the default share of bad lines (10%), it fails instead of passing for a quiet day.
    const strict = await runCli(['replay', rec, '--speed', 'max'], { LIQSTREAM_LOG_LEVEL: 'silent' });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toBe(`liqstream: ${rec}: 2 of 3 lines (66.7%) are not valid input, over the limit of 10.0% (--max-bad-share)\n`);
  });

  it('wrong input is an error, not a quiet day: the wrong --format, binary junk (warnings name file and line, at most 10)', async () => {
    const dir = tempDir();
    const rec = await writeRecording(join(dir, 'fixtures.ndjson.gz'), binanceRecordingFrames());
    const wrong = await runCli(['replay', rec, '--format', 'tardis-liquidations'], { LIQSTREAM_LOG_LEVEL: 'silent' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(new RegExp(`^liqstream: ${rec}: no frames recognised in \\d+ lines — is --format right\\?\n$`));

    const junk = join(dir, 'junk.ndjson');
    writeFileSync(junk, Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 256)));
    const j = await runCli(['replay', junk], { LIQSTREAM_LOG_LEVEL: 'warn' });
    expect(j.code).toBe(1);
    const warnings = j.stderr.split('\n').filter((l) => l.includes('"bad recording line"'));
    expect(warnings).toHaveLength(10);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ file: junk, line: 1 });
    expect(j.stderr).toContain('"more bad recording lines than were logged"');
    expect(j.stderr).toMatch(/^liqstream: .*junk\.ndjson: no frames recognised in \d+ lines — is --format right\?$/m);
  });

  it('times: ISO 8601 without a zone is UTC, seconds and reversed ranges are refused with one line and exit 2', async () => {
    const dir = tempDir();
    // Received when the first fixture trade happened (2019-09-09T07:34:20Z), as a live recording would be.
    const rec = await writeRecording(join(dir, 'fixtures.ndjson.gz'), binanceRecordingFrames(1_568_014_460_000));
    const zoned = await runCli(['replay', rec, '--from', '2019-09-09T07:00Z', '--to', '2019-09-09T08:00Z'], { LIQSTREAM_LOG_LEVEL: 'silent', TZ: 'Asia/Tokyo' });
    const bare = await runCli(['replay', rec, '--from', '2019-09-09T07:00', '--to', '2019-09-09T08:00'], { LIQSTREAM_LOG_LEVEL: 'silent', TZ: 'Asia/Tokyo' });
    expect(bare.code).toBe(0);
    expect(JSON.parse(bare.stdout).totals).toEqual(JSON.parse(zoned.stdout).totals);
    expect((JSON.parse(bare.stdout) as { totals: { count: number } }).totals.count).toBe(1);
    const seconds = await runCli(['replay', rec, '--from', '1568014460']);
    expect(seconds).toMatchObject({ code: 2, stderr: 'liqstream: "1568014460" looks like seconds since the epoch; give milliseconds (1568014460000) or ISO 8601\n' });
    const reversed = await runCli(['replay', rec, '--from', '2019-09-09T08:00Z', '--to', '2019-09-09T07:00Z']);
    expect(reversed).toMatchObject({ code: 2, stderr: 'liqstream: --from (2019-09-09T08:00:00.000Z) must be before --to (2019-09-09T07:00:00.000Z)\n' });
    const accounts = await runCli(['simulate', 'oct-10', '--out', join(dir, 'x.ndjson.gz'), '--accounts', 'abc']);
    expect(accounts.code).not.toBe(0);
    expect(accounts.stderr).toContain('--accounts must be an integer from 1 to 100000000, got "abc"');
    expect((await runCli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('a bad config value fails at start naming the field', async () => {
    const r = await runCli(['run', '--metrics-port', '70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: option '--metrics-port <port>' argument '70000' is invalid. a port must be an integer from 0 to 65535, got "70000"\n`);
    const file = await runCli(['run'], { LIQSTREAM_METRICS__PORT: '70000' });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/^config error: metrics\.port: /);
    const env = await runCli(['run'], { LIQSTREAM_BUS__BATCH_SIZE: 'lots' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^config error: bus\.batchSize: /);
    const hl = await runCli(['run'], { LIQSTREAM_VENUES__HYPERLIQUID__SOURCE: 'node' });
    expect(hl.code).toBe(2);
    expect(hl.stderr).toBe('config error: venues.hyperliquid.nodeDir: source "node" needs nodeDir\n');
  });
});
