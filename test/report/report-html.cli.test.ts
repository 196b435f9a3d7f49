import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromium } from '../support/chromium.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/recording.js';

describe('replay --report-dir', () => {
  it('writes JSON, a per-minute CSV and an HTML page whose charts render in headless Chromium', async () => {
    const dir = tempDir();
    const rec = join(dir, 'slice.ndjson.gz');
    const sim = await runCli(['simulate', 'oct-10', '--out', rec, '--from', '20:00', '--to', '22:00', '--accounts', '40000']);
    expect(sim.code).toBe(0);
    const out = join(dir, 'report');
    const r = await runCli(['replay', rec, '--speed', 'max', '--report-dir', out], { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const csv = readFileSync(join(out, 'minutes.csv'), 'utf8').trim().split('\n');
    expect(csv[0]!.startsWith('minute_utc,minute_ms,total_usd,')).toBe(true);
    expect(csv.length).toBe(1 + 120);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { totals: { usd: number } };
    const csvTotal = csv.slice(1).reduce((s, line) => s + Number(line.split(',')[2]), 0);
    expect(csvTotal).toBeCloseTo(report.totals.usd, 2);

    const html = join(out, 'report.html');
    expect(readFileSync(html, 'utf8')).not.toMatch(/<(script|link|img)[^>]+(src|href)=/); // self-contained
    const dom = await chromium(['--virtual-time-budget=3000', '--dump-dom', `file://${html}`]);
    expect(dom).toContain('data-charts-rendered="4"');
    const png = join(dir, 'report.png');
    await chromium(['--window-size=1200,1600', `--screenshot=${png}`, `file://${html}`]);
    expect(statSync(png).size).toBeGreaterThan(30_000);
  });
});
