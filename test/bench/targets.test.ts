import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childFigures, Figures, issueTargets, showNear, targetRow, targetsTable, type SectionState, type Target } from '../../bench/targets.js';
import { VENUES, venueAbout } from '../../src/venues/registry.js';

// The targets table `npm run bench` ends with (issue 22's acceptance): each row's verdict must be honest, so its
// logic is tested here (the bench itself is not a test).
const ran: SectionState = { ran: true, load: [1.25, 2.5] };
const ratio = (kind: 'atLeast' | 'atMost' | 'above', value: number): Target => ({ id: 't', section: 's', label: 'a ratio', bound: { kind, value, unit: 'x' } });
const verdict = (t: Target, value: number | boolean, state: SectionState = ran) => targetRow(t, { value }, state).verdict;

describe('bench targets table', () => {
  it('says met or missed, and by how much, against an inclusive bound', () => {
    expect(verdict(ratio('atLeast', 1), 0.98)).toBe('**missed** by 2%');
    expect(verdict(ratio('atLeast', 1), 1.05)).toBe('met (5% to spare)');
    expect(verdict(ratio('atLeast', 1), 1)).toBe('met (at the bound)');
    expect(verdict(ratio('atLeast', 2), 1.39)).toBe('**missed** by 31%');
    expect(verdict(ratio('atMost', 1), 2.95)).toBe('**missed** by 195%');
    expect(verdict(ratio('atMost', 1.2), 1.14)).toBe('met (5% to spare)');
    expect(verdict(ratio('atLeast', 1), 0.996)).toBe('**missed** by 0.4%');
    expect(verdict(ratio('atLeast', 1), 0.9999)).toBe('**missed** by < 0.1%');
    const rate: Target = { id: 'r', section: 's', label: 'rate', bound: { kind: 'atLeast', value: 300_000, unit: 'perSecond' } };
    expect(targetRow(rate, { value: 123_000 }, ran)).toMatchObject({ thisRun: '123,000/s', verdict: '**missed** by 59%' });
  });

  it('treats an exclusive bound as exclusive, and a percent target in points', () => {
    const faster = ratio('above', 1);
    expect(verdict(faster, 1)).toBe('**missed** (at the bound, which the target excludes)');
    expect(verdict(faster, 0.96)).toBe('**missed** by 4%');
    const cost: Target = { id: 'c', section: 's', label: 'cost', bound: { kind: 'below', value: 0.25, unit: 'percent' } };
    expect(targetRow(cost, { value: 0.27 }, ran)).toMatchObject({ target: 'cost < 25%', thisRun: '+27%', verdict: '**missed** by 2 points' });
    expect(verdict(cost, 0.2)).toBe('met (5 points to spare)');
    expect(verdict(cost, 0.25)).toBe('**missed** (at the bound, which the target excludes)');
    const seconds: Target = { id: 'q', section: 's', label: 'query', bound: { kind: 'below', value: 2, unit: 's' } };
    expect(targetRow(seconds, { value: 2.5 }, ran)).toMatchObject({ target: 'query < 2 s', thisRun: '2.50 s', verdict: '**missed** by 25%' });
  });

  it('never prints the bound itself for a figure that is not the bound', () => {
    expect(showNear(0.996, 1, 'x')).toBe('0.996×');
    expect(showNear(0.9999, 1, 'x')).toBe('0.9999×');
    expect(showNear(1.5, 1, 'x')).toBe('1.50×');
    // Bounds as the issue writes them.
    expect(targetRow(ratio('atMost', 1.2), { value: 1 }, ran).target).toBe('a ratio ≤ 1.2×');
    expect(targetRow({ id: 'l', section: 's', label: 'p99', bound: { kind: 'atMost', value: 50, unit: 'ms' } }, { value: 51.25 }, ran)).toMatchObject({ target: 'p99 ≤ 50 ms', thisRun: '51.3 ms' });
    expect(targetRow(ratio('atLeast', 1), { value: 0.996 }, ran).thisRun).toBe('0.996×');
  });

  it('misses a target whose precondition failed, whatever the value, and a boolean that does not hold', () => {
    expect(targetRow(ratio('atLeast', 2), { value: 3, broken: 'sums differ: liqstream (plain)' }, ran).verdict).toBe('**missed**: sums differ: liqstream (plain)');
    const holds: Target = { id: 'h', section: 's', label: 'same bytes', bound: { kind: 'holds' } };
    expect(targetRow(holds, { value: true }, ran)).toMatchObject({ thisRun: 'yes', verdict: 'met' });
    expect(targetRow(holds, { value: false }, ran)).toMatchObject({ thisRun: 'no', verdict: '**missed**' });
    expect(verdict(ratio('atLeast', 1), Number.NaN)).toBe('**missed**: no finite figure');
  });

  it('says why there is no figure: section not run, figure not measured, section failed', () => {
    const t = ratio('atLeast', 1);
    expect(targetRow(t, undefined, { ran: false, why: 'not in BENCH_ONLY' })).toEqual({ target: 'a ratio ≥ 1×', thisRun: '—', verdict: 'not run (not in BENCH_ONLY)', control: '—' });
    // A figure recorded for a section that did not run is not shown as this run's.
    expect(targetRow(t, { value: 2 }, { ran: false, why: 'BENCH_KAFKA=0: no broker' }).verdict).toBe('not run (BENCH_KAFKA=0: no broker)');
    expect(targetRow(t, undefined, undefined).verdict).toBe('not run (not in this bench)');
    expect(targetRow(t, undefined, ran, 'python3 with orjson not found').verdict).toBe('not measured: python3 with orjson not found');
    expect(targetRow(t, undefined, { ...ran, failed: 'replay exited 1' }).verdict).toBe('not measured: the section failed: replay exited 1');
    expect(targetRow(t, undefined, ran).verdict).toBe('not measured: the section gave no figure');
  });

  it('puts the control figure and the load average beside the figure, and a reported figure has no verdict', () => {
    const reported: Target = { id: 'c', section: 's', label: 'cold', bound: { kind: 'reported', unit: 'x' } };
    expect(targetRow(reported, { value: 1.13, note: 'warm 1.93×', control: '`JSON.parse` 1,000 frames/s' }, ran)).toEqual({
      target: 'cold reported (no target)',
      thisRun: '1.13× (warm 1.93×)',
      verdict: 'reported',
      control: '`JSON.parse` 1,000 frames/s; load 1.3 → 2.5',
    });
  });

  it('reads back the figures a child process wrote, and prints one row per target', () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqstream-targets-'));
    const saved = process.env.BENCH_FIGURES;
    try {
      process.env.BENCH_FIGURES = join(dir, 'f.ndjson');
      childFigures().record('e2e:embedded-mix', { value: 123_456.7, control: 'c' });
      childFigures().without('e2e:kafka-mix', 'BENCH_KAFKA=0: no broker');
      const figures = new Figures();
      figures.readFile(process.env.BENCH_FIGURES);
      figures.sections.set('e2e', ran);
      const targets = issueTargets({ perpsVenues: [], bigVenues: [], nodeFillsMb: [] }).filter((t) => t.section === 'e2e');
      expect(targetsTable(targets, figures).slice(2)).toEqual([
        '| §5 end to end, embedded bus, real venue mix (BENCH_E2E_WINDOW, default 20:30–22:30): liquidations ≥ 300,000/s | 123,457/s | **missed** by 59% | c; load 1.3 → 2.5 |',
        '| §5 end to end, real Kafka, real venue mix (BENCH_E2E_WINDOW, default 20:30–22:30): liquidations ≥ 150,000/s | — | not measured: BENCH_KAFKA=0: no broker | load 1.3 → 2.5 |',
        '| §5 end to end, real Kafka, real venue mix, `connect` and `aggregate` in two processes (as docker-compose deploys them): liquidations reported (no target) | — | not measured: the section gave no figure | load 1.3 → 2.5 |',
        '| §5 end to end, embedded bus, real venue mix, 21:10–21:12 (runs of 0.1 s): liquidations reported (no target) | — | not measured: the section gave no figure | load 1.3 → 2.5 |',
        '| §5 end to end, real Kafka, real venue mix, 21:10–21:12: liquidations reported (no target) | — | not measured: the section gave no figure | load 1.3 → 2.5 |',
        '| §5 end to end, embedded bus, Binance USD-M only (beside the mix): liquidations reported (no target) | — | not measured: the section gave no figure | load 1.3 → 2.5 |',
        '| §5 end to end, real Kafka, Binance USD-M only (beside the mix): liquidations reported (no target) | — | not measured: the section gave no figure | load 1.3 → 2.5 |',
      ]);
    } finally {
      if (saved === undefined) delete process.env.BENCH_FIGURES;
      else process.env.BENCH_FIGURES = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists every target of issue 22 and issue 19 once: all 15 perps venues, both node-fills sizes and any other measured', () => {
    const perps = VENUES.filter((v) => venueAbout(v).market !== 'lending');
    expect(perps).toHaveLength(15);
    const targets = issueTargets({ perpsVenues: perps, bigVenues: ['hyperliquid', 'bybit-linear'], nodeFillsMb: [20] });
    const ids = targets.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('venue:'))).toHaveLength(15);
    expect(ids.filter((id) => id.startsWith('node-fills:')).sort()).toEqual(
      ['20', '200', '1000'].flatMap((mb) => ['json', 'orjson', 'rss'].map((k) => `node-fills:${mb}:${k}`)).sort(),
    );
    for (const id of ['replay:day', 'replay:slice:hyperliquid', 'replay:slice:bybit-linear', 'workers:speedup', 'workers:rss', 'workers:identical', 'e2e:embedded-mix', 'e2e:kafka-mix', 'e2e:kafka-mix-apart', 'e2e:embedded-mix-short', 'e2e:kafka-mix-short', 'live:p99', 'cold:venues', 'cold:minute', 'store:cost', 'store:cost-cpu', 'store-days:top20', 'store-days:ratio', 'store-live:p99'])
      expect(ids).toContain(id);
  });
});
