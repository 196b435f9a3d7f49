import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { simulated } from '../support/simulated.js';

/*
 * `liqstream report --from --to --store` against a replay of the same range: a simulated slice of
 * 10 October is replayed whole into a store, then a part of it is replayed again (no store) and
 * reported from the store. The two reports agree byte for byte but for `input` (what was read) and
 * the synthetic mark of the recording (the store does not keep it): docs/history.md.
 */
let dir: string;
let recording: string;
const FROM = '2025-10-10T20:44:30Z';
const TO = '2025-10-10T20:55Z';

const read = (...path: string[]) => readFileSync(join(dir, ...path), 'utf8');
/** The report.html less what is expected to differ: the input line and the synthetic banner. */
const htmlBody = (text: string) => text.replace(/^<p>Input: .*$/m, '').replace(/^<p class="synthetic">.*$/gm, '');

beforeAll(async () => {
  ({ dir, recording } = await simulated(['--from', '20:40', '--to', '21:00', '--accounts', '1500000']));
  const stored = await runCli(['replay', recording, '--store', join(dir, 'store'), '--report-dir', join(dir, 'whole')], { LIQSTREAM_LOG_LEVEL: 'error' });
  expect(stored.code).toBe(0);
  const [sliced, fromStore] = await Promise.all([
    runCli(['replay', recording, '--from', FROM, '--to', TO, '--report-dir', join(dir, 'replay')], { LIQSTREAM_LOG_LEVEL: 'error' }),
    runCli(['report', '--store', join(dir, 'store'), '--from', FROM, '--to', String(Date.parse(TO)), '--report-dir', join(dir, 'store-report')], { LIQSTREAM_LOG_LEVEL: 'error' }),
  ]);
  expect(sliced.code).toBe(0);
  expect(fromStore.stderr).toBe('');
  expect(fromStore.code).toBe(0);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('liqstream report --store', () => {
  it('gives the replay’s minutes.csv byte for byte, and its report but for input and the synthetic mark', () => {
    expect(read('store-report', 'minutes.csv')).toBe(read('replay', 'minutes.csv'));
    const replayed = JSON.parse(read('replay', 'report.json')) as Record<string, unknown> & { input: Record<string, unknown>; totals: { count: number; usd: number } };
    const stored = JSON.parse(read('store-report', 'report.json')) as typeof replayed;
    // The slice is not empty, not the whole recording, and has cascades and large liquidations to compare.
    const whole = JSON.parse(read('whole', 'report.json')) as typeof replayed;
    expect(replayed.totals.count).toBeGreaterThan(1_000);
    expect(replayed.totals.count).toBeLessThan(whole.totals.count);
    expect((replayed.largest as unknown[]).length).toBe(20);
    expect(replayed.synthetic).toBeDefined();
    const { input: _a, synthetic: _s, ...replayRest } = replayed;
    const { input, ...storeRest } = stored;
    expect(storeRest).toEqual(replayRest);
    // Key order and number text too: everything after `input` is the same bytes.
    const after = (text: string) => text.slice(text.indexOf('"eventTime"')).replace(/,\n {2}"synthetic": \[[\s\S]*?\n {2}\]/, '');
    expect(after(read('store-report', 'report.json'))).toBe(after(read('replay', 'report.json')));
    expect(input).toMatchObject({ files: ['store'], badFrames: 0, badLines: 0, duplicates: 0, store: { from: '2025-10-10T20:44:30.000Z', to: '2025-10-10T20:55:00.000Z' } });
    const rows = (input.store as { rows: { liquidations: number; openInterest: number } }).rows;
    // Every liquidation row of the range was read (ADL and vault rows too, which totals leave out).
    expect(rows.liquidations).toBeGreaterThanOrEqual(replayed.totals.count);
    expect(rows.openInterest).toBeGreaterThan(0);
    expect(htmlBody(read('store-report', 'report.html'))).toBe(htmlBody(read('replay', 'report.html')));
  });

  it('--summary prints the same totals as the replay’s summary, naming the store as input', async () => {
    const [a, b] = await Promise.all([
      runCli(['replay', recording, '--from', FROM, '--to', TO, '--summary'], { LIQSTREAM_LOG_LEVEL: 'error' }),
      runCli(['report', '--store', join(dir, 'store'), '--from', FROM, '--to', TO, '--summary']),
    ]);
    expect(b.code).toBe(0);
    const rest = (s: string) => s.split('\n').filter((l) => !l.startsWith('SYNTHETIC')).map((l) => l.replace(/ \((?:\d+ frames|history store)[^()]*\)$/, ''));
    expect(rest(b.stdout)).toEqual(rest(a.stdout));
    expect(b.stdout).toMatch(/ \(history store, event time 2025-10-10T20:44:30.000Z to 2025-10-10T20:55:00.000Z: \d+ liquidations, \d+ open-interest samples, \d+ gaps\)/);
  }, 120_000);

  it('usage errors exit 2; a missing store exits 1 naming it', async () => {
    const store = join(dir, 'store');
    for (const args of [
      ['--from', TO, '--to', FROM],
      ['--from', FROM, '--to', FROM],
      ['--from', '1760129070', '--to', TO],
      ['--from', 'yesterday', '--to', TO],
      ['--to', TO],
    ]) {
      const r = await runCli(['report', '--store', store, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
    const missing = await runCli(['report', '--store', join(dir, 'nope'), '--from', FROM, '--to', TO]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no history store at ${join(dir, 'nope')}`);
    // A range the store has nothing of: an empty report, not an error.
    const empty = await runCli(['report', '--store', store, '--from', '2025-10-09', '--to', '2025-10-09T01:00Z']);
    expect(empty.code).toBe(0);
    const report = JSON.parse(empty.stdout) as { totals: { count: number; usd: number }; cascades: unknown[]; input: { store: { rows: object } } };
    expect([report.totals.count, report.totals.usd, report.cascades.length]).toEqual([0, 0, 0]);
    expect(report.input.store.rows).toEqual({ liquidations: 0, openInterest: 0, gaps: 0 });
    // An existing output is refused before the store is read.
    const again = await runCli(['report', '--store', store, '--from', FROM, '--to', TO, '--report-dir', join(dir, 'store-report')]);
    expect(again.code).not.toBe(0);
  }, 120_000);

  it('a stored row that is no valid event (a file copied in by hand) is a bad frame in input; every figure stays the replay’s', async () => {
    const store = join(dir, 'store');
    const partition = join(store, 'table=liquidations', 'venue=hyperliquid', 'day=2025-10-10');
    // The table's own columns (so the reader takes the file), one row of the range with a negative notional.
    const planted = await runCli([
      'query', '--store', store, '--format', 'parquet', '--out', join(partition, 'part-planted.parquet'),
      `SELECT * EXCLUDE (venue, day) REPLACE (id || '-planted' AS id, -1::DOUBLE AS notional_usd) FROM liquidations WHERE venue = 'hyperliquid' AND event_time >= TIMESTAMP '2025-10-10 20:50:00' LIMIT 1`,
    ]);
    expect(planted.code).toBe(0);
    const r = await runCli(['report', '--store', store, '--from', FROM, '--to', TO, '--report', join(dir, 'planted.json')], { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(r.code).toBe(0);
    const report = JSON.parse(read('planted.json')) as Record<string, unknown> & { input: { badFrames: number; store: { rows: { liquidations: number } } } };
    const clean = JSON.parse(read('store-report', 'report.json')) as typeof report;
    expect(report.input.badFrames).toBe(1);
    expect(report.input.store.rows.liquidations).toBe(clean.input.store.rows.liquidations + 1);
    const { input: _a, ...rest } = report;
    const { input: _b, ...cleanRest } = clean;
    expect(rest).toEqual(cleanRest);
  }, 120_000);
});
