import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { simulated } from '../support/simulated.js';
import { tempDir, writeRecording } from '../support/recording.js';
import type { RawFrame } from '../../src/schema/events.js';
import { BLOCK_BUCKETS } from '../../src/venues/venue.js';
import { hyperliquidFrameClass } from '../../src/venues/hyperliquid/frame-class.js';

const QUIET = { LIQSTREAM_LOG_LEVEL: 'error' };

/** Every file a replay writes, by name, and its stdout (the --summary). */
async function replayOutputs(files: string[], dir: string, workers: number, env: Record<string, string> = QUIET) {
  const out = join(dir, `w${workers}`);
  const r = await runCli(
    ['replay', ...files, '--workers', String(workers), '--summary', '--report', `${out}.json`, '--report-dir', out, '--openmetrics', `${out}.om`, '--max-bad-share', '0.5'],
    env,
  );
  expect(r.code).toBe(0);
  const written = Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
  return { r, files: { report: readFileSync(`${out}.json`, 'utf8'), openmetrics: readFileSync(`${out}.om`, 'utf8'), ...written }, summary: r.stdout };
}

describe('liqstream replay --workers (CLI)', () => {
  it('a simulated multi-venue window, a second recorder’s copies and a file with bad frames and lines: the same bytes with 1, 2 and 3 workers', async () => {
    // Made once and cached (test/support/simulated.ts); the copy's folder is this test's own.
    const { dir, recording: sim } = await simulated(['--from', '21:10', '--to', '21:13', '--accounts', '20000'], 'sim.ndjson.gz');
    // Inside the window: a frame each venue's parser rejects, a line that is not JSON, one not UTF-8.
    const at = Date.UTC(2025, 9, 10, 21, 11);
    const venues = ['binance-usdm', 'binance-coinm', 'bybit-linear', 'bybit-inverse', 'hyperliquid'] as const;
    const extra = await writeRecording(join(dir, 'extra.ndjson'), venues.map((venue, i) => ({ recv: at + i, venue, frame: '{"truncated":' })));
    appendFileSync(extra, 'not json\n');
    appendFileSync(extra, Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]));

    // A second recorder's copies of a third of the frames, 3 ms later: Hyperliquid blocks split across
    // threads must still meet their copies in one duplicate filter.
    const lines = gunzipSync(readFileSync(sim)).toString('utf8').trim().split('\n');
    const copies = lines.filter((_, i) => i % 3 === 0).map((l) => JSON.parse(l) as RawFrame).map((f) => ({ ...f, recv: f.recv + 3 }));
    const second = await writeRecording(join(dir, 'second.ndjson'), copies);

    const one = await replayOutputs([sim, second, extra], dir, 1);
    const two = await replayOutputs([sim, second, extra], dir, 2);
    const three = await replayOutputs([sim, second, extra], dir, 3);
    for (const [name, text] of Object.entries(one.files)) expect(three.files[name as keyof typeof three.files], name).toBe(text);
    expect(three.summary).toBe(one.summary);
    expect(one.r.stderr).toBe('');
    expect(two.r.stderr).toMatch(/^replay: 2 workers, \d+\.\d s, [\d,]+ frames\/s \(#0 \d+\.\d s [\d,]+ events\/s; #1 \d+\.\d s [\d,]+ events\/s; /);
    expect(Object.keys(two.files).sort()).toEqual(['minutes.csv', 'openmetrics', 'report', 'report.html', 'report.json']);
    for (const [name, text] of Object.entries(one.files)) expect(two.files[name as keyof typeof two.files], name).toBe(text);
    expect(two.summary).toBe(one.summary);
    const report = JSON.parse(one.files.report) as { input: Record<string, number>; totals: { byVenue: object } };
    expect(report.input).toMatchObject({ files: ['sim.ndjson.gz', 'second.ndjson', 'extra.ndjson'], badFrames: 5, badLines: 2 });
    expect(report.input.duplicates).toBeGreaterThan(100);
    // Every venue of the simulated window, the newer ones too (the simulator writes all perps venue ids).
    const truth = (JSON.parse(readFileSync(join(dir, 'sim.truth.json'), 'utf8')) as { truth: { byVenue: object } }).truth;
    expect(Object.keys(report.totals.byVenue)).toEqual(Object.keys(truth.byVenue).sort());
    expect(Object.keys(truth.byVenue).length).toBeGreaterThanOrEqual(13);
  }, 120_000);

  it('a Hyperliquid trades frame beside node blocks: no block split (whole venues), the same bytes', async () => {
    const { dir, recording: sim } = await simulated(['--from', '21:10', '--to', '21:13', '--accounts', '20000'], 'sim.ndjson.gz');
    const trades = await writeRecording(join(dir, 'trades.ndjson'), [{ recv: Date.UTC(2025, 9, 10, 21, 12), venue: 'hyperliquid', frame: '{"channel":"trades","data":[]}' }]);
    const one = await replayOutputs([sim, trades], dir, 1);
    const two = await replayOutputs([sim, trades], dir, 2);
    for (const [name, text] of Object.entries(one.files)) expect(two.files[name as keyof typeof two.files], name).toBe(text);
  }, 120_000);

  it('a Hyperliquid trades frame met after the blocks were split: the threads stop and start again with whole venues, the same bytes', async () => {
    const { dir, recording: sim } = await simulated(['--from', '21:10', '--to', '21:13', '--accounts', '20000'], 'sim.ndjson.gz');
    // Over the 8 MB sampled: blocks (no fills, 100 kB each), so the plan splits them; then a trades frame.
    const at = Date.UTC(2025, 9, 10, 21, 10);
    const pad = 'x'.repeat(100_000);
    const blocks = Array.from({ length: 90 }, (_, i) => ({
      recv: at + i,
      venue: 'hyperliquid',
      frame: `{"local_time":"2025-10-10T21:10:00.000000000","block_time":"2025-10-10T21:10:00.000000000","block_number":${9_000_000_000 + i},"events":[],"pad":"${pad}"}`,
    }));
    const late = await writeRecording(join(dir, 'late.ndjson'), [...blocks, { recv: at + 120_000, venue: 'hyperliquid', frame: '{"channel":"trades","data":[]}' }]);
    const one = await replayOutputs([late, sim], dir, 1);
    const two = await replayOutputs([late, sim], dir, 2, { LIQSTREAM_LOG_LEVEL: 'info' });
    expect(two.r.stderr).toContain('starting again with whole venues');
    for (const [name, text] of Object.entries(one.files)) expect(two.files[name as keyof typeof two.files], name).toBe(text);
  }, 120_000);

  it('a line written as recordings are whose frame literal is not one JSON string (a second frame key): the threads start again with every line decoded by the reader, the same bytes', async () => {
    const { dir, recording: sim } = await simulated(['--from', '21:10', '--to', '21:13', '--accounts', '20000'], 'sim.ndjson.gz');
    const lines = gunzipSync(readFileSync(sim)).toString('utf8').trim().split('\n');
    // Copies of a Binance and a Bybit frame 7 ms later, the literal a decoy and the real frame under a second key
    // (JSON.parse of the whole line keeps the last): read as the copies they are, not as the decoy.
    const hostile = [lines.find((l) => l.includes('"venue":"binance-usdm"'))!, lines.find((l) => l.includes('"venue":"bybit-linear"'))!].map((l) => {
      const f = JSON.parse(l) as RawFrame;
      return `{"recv":${f.recv + 7},"venue":"${f.venue}","frame":"{}","frame":${JSON.stringify(f.frame)}}\n`;
    });
    const extra = join(dir, 'hostile.ndjson');
    writeFileSync(extra, hostile.join(''));
    const one = await replayOutputs([sim, extra], dir, 1);
    const two = await replayOutputs([sim, extra], dir, 2, { LIQSTREAM_LOG_LEVEL: 'info' });
    expect(two.r.stderr).toContain('starting again with every line decoded by the reader');
    for (const [name, text] of Object.entries(one.files)) expect(two.files[name as keyof typeof two.files], name).toBe(text);
    expect(JSON.parse(one.files.report)).toMatchObject({ input: { badFrames: 0, badLines: 0 } });
  }, 120_000);

  it('a bad line before a line that makes the threads start again: logged once, as with one thread (the first attempt had logged it)', async () => {
    const { dir, recording: sim } = await simulated(['--from', '21:10', '--to', '21:13', '--accounts', '20000'], 'sim.ndjson.gz');
    const at = Date.UTC(2025, 9, 10, 21, 11);
    // Line 1 not JSON; line 2 written as recordings are, its literal not one JSON string (an unescaped quote): UnreadLine.
    const extra = join(dir, 'restart.ndjson');
    // Three copies of the simulation's first lines keep the file's bad share under --max-bad-share.
    const copies = gunzipSync(readFileSync(sim)).toString('utf8').split('\n').slice(0, 3).join('\n');
    writeFileSync(extra, `not json\n{"recv":${at},"venue":"okx","frame":"a"b"}\n${copies}\n`);
    const badLineLogs = (stderr: string) =>
      stderr
        .split('\n')
        .filter((l) => l.includes('"msg":"bad recording line"'))
        .map((l) => (JSON.parse(l) as { line: number }).line);
    const env = { LIQSTREAM_LOG_LEVEL: 'info' };
    const plain = await runCli(['replay', sim, extra, '--report', join(dir, 'plain.json'), '--max-bad-share', '0.5'], env);
    expect(plain.code, plain.stderr.slice(-500)).toBe(0);
    expect(badLineLogs(plain.stderr)).toEqual([1, 2]);
    const two = await replayOutputs([sim, extra], dir, 2, env);
    expect(two.r.stderr).toContain('starting again with every line decoded by the reader');
    expect(badLineLogs(two.r.stderr)).toEqual([1, 2]);
    expect(two.files.report).toBe(readFileSync(join(dir, 'plain.json'), 'utf8'));
  }, 120_000);

  it('with --to, a line whose head reads a receive time past the slice but whose literal is not one JSON string (a bad line): read on past it, as with one thread', async () => {
    const { dir, recording: sim } = await simulated(['--from', '21:10', '--to', '21:13', '--accounts', '20000'], 'sim.ndjson.gz');
    const lines = gunzipSync(readFileSync(sim)).toString('utf8').trim().split('\n');
    // Mid-file: its head says the year 2286, which ended the reader's read before the line was decoded (the
    // rest of the slice lost); read whole, it is not JSON (an unescaped quote), a bad line, and reading goes on.
    lines.splice(lines.length >> 1, 0, '{"recv":9999999999999,"venue":"okx","frame":"a"b"}');
    const rec = join(dir, 'to-cut.ndjson');
    writeFileSync(rec, `${lines.join('\n')}\n`);
    const report = async (workers: string[]) => {
      const out = join(dir, `to-cut${workers.join('')}.json`);
      const r = await runCli(['replay', rec, '--to', '2025-10-10T21:12:00Z', '--report', out, '--max-bad-share', '0.5', ...workers], QUIET);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(out, 'utf8');
    };
    const plain = await report([]);
    expect(JSON.parse(plain)).toMatchObject({ input: { frames: lines.length - 1, badLines: 1 } });
    expect(await report(['--workers', '2'])).toBe(plain);
  }, 120_000);

  it('with --to and two files, such a line first in the second file while the first reads past the slice: read on past it, as with one thread', async () => {
    const { dir, recording: sim } = await simulated(['--from', '21:10', '--to', '21:13', '--accounts', '20000'], 'sim.ndjson.gz');
    const lines = gunzipSync(readFileSync(sim)).toString('utf8').trim().split('\n');
    const first = join(dir, 'first.ndjson');
    // The first file reads past the slice's margin: the stop comes there, the second file's hostile head unread.
    writeFileSync(first, `${lines.join('\n')}\n${JSON.stringify({ recv: Date.UTC(2025, 9, 10, 21, 30), venue: 'okx', frame: '{}' })}\n`);
    const second = join(dir, 'second.ndjson');
    const copies = lines.slice(300, 310).map((l) => JSON.stringify({ ...(JSON.parse(l) as RawFrame), venue: 'okx' }));
    writeFileSync(second, `${['{"recv":9999999999999,"venue":"okx","frame":"a"b"}', ...copies].join('\n')}\n`);
    const report = async (workers: string[]) => {
      const out = join(dir, `two-files${workers.join('')}.json`);
      const r = await runCli(['replay', first, second, '--to', '2025-10-10T21:12:00Z', '--report', out, '--max-bad-share', '0.5', ...workers], QUIET);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(out, 'utf8');
    };
    const plain = await report([]);
    expect(JSON.parse(plain)).toMatchObject({ input: { frames: lines.length + 11, badLines: 1 } });
    expect(await report(['--workers', '2'])).toBe(plain);
  }, 120_000);

  it('one fill in two blocks of different numbers, dealt to two workers: they start again with whole venues, counted once as with one thread', async () => {
    const dir = tempDir();
    const time = Date.UTC(2026, 5, 28, 8, 43, 53);
    const user = '0x5ef843ccf26810073ee689a954f6d05f5b48fccb';
    const fill = `["${user}",{"coin":"SOL","px":"72.153","sz":"0.58","side":"A","time":${time},"startPosition":"-162.6","dir":"Open Short","closedPnl":"0.0","hash":"0xdc25","oid":1,"crossed":false,"fee":"-0.001255","tid":7,"liquidation":{"liquidatedUser":"${user}","markPx":"72.149","method":"market"},"feeToken":"USDC"}]`;
    const block = (n: number) => `{"local_time":"2026-06-28T08:43:53.687645997","block_time":"2026-06-28T08:43:53.257028820","block_number":${n},"events":[${fill}]}`;
    // Only blocks sampled: two workers take half the buckets each (feed.ts, planRoutes).
    const owner = (n: number) => ((hyperliquidFrameClass(block(n)) as { block: number }).block < BLOCK_BUCKETS / 2 ? 0 : 1);
    let other = 1_052_527_673;
    while (owner(other) === owner(1_052_527_672)) other++;
    const rec = await writeRecording(join(dir, 'blocks.ndjson'), [1_052_527_672, other].map((n, i) => ({ recv: time + 1_000 + i, venue: 'hyperliquid', frame: block(n) })));
    const one = await replayOutputs([rec], dir, 1);
    const two = await replayOutputs([rec], dir, 2, { LIQSTREAM_LOG_LEVEL: 'info' });
    expect(two.r.stderr).toContain('a Hyperliquid liquidation applied by two workers');
    for (const [name, text] of Object.entries(one.files)) expect(two.files[name as keyof typeof two.files], name).toBe(text);
    expect(JSON.parse(one.files.report)).toMatchObject({ input: { duplicates: 1 }, totals: { count: 1, usd: 41.8487 } });
  }, 120_000);

  it('a corrupt gzip among the inputs fails naming its file, with workers as with one thread (it was read unnamed while sampling)', async () => {
    const dir = tempDir();
    const good = await writeRecording(join(dir, 'good.ndjson'), [{ recv: 1, venue: 'okx', frame: '{}' }]);
    const lines = Array.from({ length: 2_000 }, (_, i) => `${JSON.stringify({ recv: 2 + i, venue: 'okx', frame: `{"n":${i}}` })}\n`).join('');
    const gz = gzipSync(lines);
    // Flipped bytes in the compressed data: zlib's "incorrect data check" or a code error, not a cut file.
    for (let i = 100; i < 140; i++) gz[i] = gz[i]! ^ 0x5a;
    const bad = join(dir, 'bad.ndjson.gz');
    writeFileSync(bad, gz);
    for (const workers of ['1', '2']) {
      const r = await runCli(['replay', good, bad, '--workers', workers], QUIET);
      expect(r.code, workers).toBe(1);
      expect(r.stderr, workers).toMatch(/^liqstream: \S*bad\.ndjson\.gz: /m);
    }
  }, 60_000);

  it('refuses a worker count out of range, and workers with pacing, Kafka or the live page (one line, exit 2)', async () => {
    const dir = tempDir();
    const rec = await writeRecording(join(dir, 'r.ndjson'), [{ recv: 1, venue: 'okx', frame: '{}' }]);
    const limit = availableParallelism() * 2;
    const cases: [string[], string][] = [
      [['--workers', '0'], `--workers must be a whole number from 1 to ${limit} (twice the cores), got "0"`],
      [['--workers', String(limit + 1)], `--workers must be a whole number from 1 to ${limit} (twice the cores), got "${limit + 1}"`],
      [['--workers', '1.5'], `--workers must be a whole number from 1 to ${limit} (twice the cores), got "1.5"`],
      [['--workers', '2', '--speed', '4'], '--workers above 1 needs --speed max (pacing cannot be split across threads)'],
      [['--workers', '2', '--kafka', '127.0.0.1:1'], '--workers above 1 cannot be combined with --kafka (workers replay on the embedded bus)'],
      [['--workers', '2', '--metrics-port', '0'], '--workers above 1 cannot be combined with --metrics-port (the live page reads one aggregator)'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['replay', rec, ...args], QUIET);
      expect(r.stderr).toBe(`liqstream: ${message}\n`);
      expect(r.code).toBe(2);
    }
  }, 30_000);
});
