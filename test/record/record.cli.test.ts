import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BinanceServer } from '../support/binance-server.js';
import { runCli } from '../support/cli.js';
import { writeTestConfig } from '../support/config-file.js';
import { binanceFrames, BINANCE_FIXTURE_TOTALS } from '../support/fixtures.js';
import { scrape } from '../support/prom-text.js';
import { tempDir } from '../support/recording.js';
import { startServiceProcess } from '../support/service-process.js';
import { until } from '../support/until.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('liqstream record → liqstream replay', () => {
  it('records every raw frame with a manifest (frame counts, gaps) and the replay gives the live totals', async () => {
    const usdm = await BinanceServer.start();
    const coinm = await BinanceServer.start();
    cleanup.push(() => usdm.close(), () => coinm.close());
    const config = writeTestConfig({ 'binance-usdm': { url: usdm.url }, 'binance-coinm': { url: coinm.url } });
    const out = tempDir('liqstream-rec-');
    const rec = await startServiceProcess(['record', '--config', config, '--out', out]);
    cleanup.push(() => rec.stop());
    await usdm.subscriptions(1);
    await coinm.subscriptions(1);
    const { raw } = binanceFrames();
    usdm.send(raw.usdm1);
    coinm.send(raw.coinm1);
    usdm.dropAll(); // a gap, recorded in the manifest
    await usdm.subscriptions(2);
    usdm.send(raw.usdm2);
    usdm.send(JSON.stringify({ e: 'forceOrder', E: 1698871323061, o: JSON.parse(raw.usdm3).o as unknown }));
    // Every frame read before the stop (a frame still in the socket when the connectors close is not recorded).
    const read = async () => (await scrape(rec.metricsUrl)).filter((x) => x.name === 'liqstream_frames_total').reduce((a, x) => a + x.value, 0);
    await until(async () => (await read()) === 7, 'the recorder read 7 frames', 30_000);
    expect(await rec.stop()).toBe(0);

    const files = readdirSync(out).sort();
    const data = files.filter((f) => f.endsWith('.ndjson.gz'));
    expect(data.length).toBeGreaterThanOrEqual(1);
    expect(files).toContain('metadata.json');
    const manifests = files.filter((f) => f.endsWith('.manifest.json')).map((f) => JSON.parse(readFileSync(join(out, f), 'utf8')) as Record<string, unknown>);
    expect(manifests.length).toBe(data.length);
    const frames = manifests.reduce((s, m) => s + (m.frames as number), 0);
    expect(frames).toBe(7); // 3 subscribe replies + 4 liquidations
    const gaps = manifests.flatMap((m) => m.gaps as { venue: string; reason: string }[]);
    expect(gaps.map((g) => g.venue)).toEqual(['binance-usdm']);

    const r = await runCli(['replay', ...data.map((f) => join(out, f)), '--speed', 'max'], { LIQSTREAM_LOG_LEVEL: 'silent' });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { totals: { byVenue: unknown }; input: { frames: number; badFrames: number } };
    expect(report.totals.byVenue).toEqual(BINANCE_FIXTURE_TOTALS);
    expect(report.input).toMatchObject({ frames: 7, badFrames: 0 });
  });
});
