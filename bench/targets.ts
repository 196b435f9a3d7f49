/**
 * The targets table `npm run bench` prints at the end (issue 22's acceptance): every target of issues 22 and 19
 * against this run's figure, met or missed and by how much, with the host's control figure beside it. Sections
 * hand their figures over typed (`Figures.record`); sections in child processes append them as JSON lines to the
 * file named by BENCH_FIGURES (`childFigures`), which the parent reads back (`Figures.readFile`). Nothing here
 * parses a section's printed table.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { fmt } from './stats.js';

/** How a figure is shown and how a miss is measured: relative for most, in percentage points for `percent` (a fraction). */
export type Unit = 'x' | 'percent' | 's' | 'ms' | 'perSecond' | 'MB';

/**
 * `atLeast`/`atMost` include the bound (≥, ≤), `above`/`below` exclude it (>, <); `holds` wants `true`;
 * `reported` has no bound (a figure the issue asks to see, not to reach).
 */
export type Bound = { kind: 'atLeast' | 'atMost' | 'above' | 'below'; value: number; unit: Unit } | { kind: 'holds' } | { kind: 'reported'; unit: Unit };

export interface Target {
  id: string;
  /** The BENCH_ONLY name of the section that measures it. */
  section: string;
  label: string;
  bound: Bound;
}

export const Figure = z.object({
  value: z.union([z.number(), z.boolean()]),
  /** Beside the value: what else the section measured of it (CPU ratio, spread, the other contender). */
  note: z.string().optional(),
  /** The host's control figure for this figure (the JSON.parse rate or floor timed beside it). */
  control: z.string().optional(),
  /** A precondition failed (different sums, rows lost): missed whatever the value. */
  broken: z.string().optional(),
});
export type Figure = z.infer<typeof Figure>;

const FigureLine = z.object({ id: z.string(), figure: Figure.optional(), absent: z.string().optional() });
type FigureLine = z.infer<typeof FigureLine>;

/** What became of a section in this run. */
export type SectionState = { ran: true; load: [number, number]; failed?: string } | { ran: false; why: string };

/** The figures of one run: recorded by the sections, read by the table. */
export class Figures {
  readonly figures = new Map<string, Figure>();
  /** Why a target's figure was not measured although its section ran. */
  readonly absent = new Map<string, string>();
  readonly sections = new Map<string, SectionState>();

  record(id: string, figure: Figure): void {
    this.figures.set(id, figure);
  }

  /** The section ran but cannot give this figure: `why` is printed in its row. */
  without(id: string, why: string): void {
    this.absent.set(id, why);
  }

  /** Figures a child process wrote (childFigures); a malformed line is a bench bug and throws. */
  readFile(path: string): void {
    if (!existsSync(path)) return;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line === '') continue;
      const l: FigureLine = FigureLine.parse(JSON.parse(line));
      if (l.figure) this.record(l.id, l.figure);
      if (l.absent !== undefined) this.without(l.id, l.absent);
    }
  }
}

/** What a section is handed: where its figures go. */
export type Recorder = Pick<Figures, 'record' | 'without'>;

/** A recorder that keeps nothing (a section run on its own, outside run.ts). */
export const NO_FIGURES: Recorder = { record: () => undefined, without: () => undefined };

/** In a child process started with BENCH_FIGURES=<file>: its figures, appended to that file; without it, dropped (the child ran alone). */
export function childFigures(): Recorder {
  const path = process.env.BENCH_FIGURES;
  const write = (l: FigureLine) => {
    if (path) appendFileSync(path, `${JSON.stringify(l)}\n`);
  };
  return { record: (id, figure) => write({ id, figure }), without: (id, absent) => write({ id, absent }) };
}

const DIGITS: Record<Unit, number> = { x: 2, percent: 0, s: 2, ms: 1, perSecond: 0, MB: 0 };

function show(v: number, unit: Unit, digits = DIGITS[unit]): string {
  switch (unit) {
    case 'x':
      return `${fmt(v, digits)}×`;
    case 'percent':
      return `${v >= 0 ? '+' : '−'}${fmt(Math.abs(v) * 100, digits)}%`;
    case 's':
      return `${fmt(v, digits)} s`;
    case 'ms':
      return `${fmt(v, digits)} ms`;
    case 'perSecond':
      return `${fmt(v, digits)}/s`;
    case 'MB':
      return `${fmt(v, digits)} MB`;
  }
}

/** The value with as many more digits as it takes not to print the bound itself for a value that is not the bound (0.996 against ≥ 1×: "1.00×" would read as met). */
export function showNear(v: number, bound: number, unit: Unit): string {
  let digits = DIGITS[unit];
  while (v !== bound && show(v, unit, digits) === show(bound, unit, digits) && digits < DIGITS[unit] + 4) digits += 1;
  return show(v, unit, digits);
}

const SIGN = { atLeast: '≥', atMost: '≤', above: '>', below: '<' } as const;

export function boundText(b: Bound): string {
  if (b.kind === 'holds') return 'holds';
  if (b.kind === 'reported') return 'reported (no target)';
  // A bound as written in the issue: as many decimals as it has (≥ 1×, ≤ 1.2×, < 2 s), not the figures' precision.
  const decimals = (v: number) => Math.min(4, (String(v).split('.')[1] ?? '').length);
  return `${SIGN[b.kind]} ${b.unit === 'percent' ? `${fmt(b.value * 100, decimals(b.value * 100))}%` : show(b.value, b.unit, decimals(b.value))}`;
}

/** A share in percent, one decimal below 1, and never "0.0" for a difference that is there. */
function percentText(share: number): string {
  const p = Math.abs(share) * 100;
  if (p >= 1) return `${fmt(p)}%`;
  return p >= 0.05 ? `${p.toFixed(1)}%` : '< 0.1%';
}

/** How far `v` is past or short of `b`: relative (of the bound) for rates, ratios and times; in points for a percent. */
function distance(v: number, b: number, unit: Unit): string {
  if (unit === 'percent') {
    const points = Math.abs(v - b) * 100;
    return `${points >= 1 ? fmt(points) : points >= 0.05 ? points.toFixed(1) : '< 0.1'} point${points === 1 ? '' : 's'}`;
  }
  if (b === 0) return show(Math.abs(v - b), unit);
  return percentText((v - b) / b);
}

export interface Row {
  target: string;
  thisRun: string;
  verdict: string;
  control: string;
}

/** One target's row: the figure against its bound, or why there is none. */
export function targetRow(t: Target, figure: Figure | undefined, state: SectionState | undefined, absent?: string): Row {
  const target = `${t.label} ${boundText(t.bound)}`;
  if (state === undefined || !state.ran) return { target, thisRun: '—', verdict: `not run (${state?.why ?? 'not in this bench'})`, control: '—' };
  const load = `load ${fmt(state.load[0], 1)} → ${fmt(state.load[1], 1)}`;
  if (figure === undefined) {
    const why = absent ?? (state.failed !== undefined ? `the section failed: ${state.failed}` : 'the section gave no figure');
    return { target, thisRun: '—', verdict: `not measured: ${why}`, control: load };
  }
  const control = figure.control ? `${figure.control}; ${load}` : load;
  const note = figure.note ? ` (${figure.note})` : '';
  const b = t.bound;
  if (b.kind === 'holds' || typeof figure.value === 'boolean') {
    const ok = figure.value === true;
    const thisRun = `${typeof figure.value === 'boolean' ? (ok ? 'yes' : 'no') : String(figure.value)}${note}`;
    if (figure.broken) return { target, thisRun, verdict: `**missed**: ${figure.broken}`, control };
    return { target, thisRun, verdict: b.kind === 'holds' && ok ? 'met' : '**missed**', control };
  }
  const v = figure.value;
  if (b.kind === 'reported') return { target, thisRun: `${show(v, b.unit)}${note}`, verdict: 'reported', control };
  const thisRun = `${showNear(v, b.value, b.unit)}${note}`;
  if (figure.broken) return { target, thisRun, verdict: `**missed**: ${figure.broken}`, control };
  if (!Number.isFinite(v)) return { target, thisRun, verdict: '**missed**: no finite figure', control };
  const met = b.kind === 'atLeast' ? v >= b.value : b.kind === 'atMost' ? v <= b.value : b.kind === 'above' ? v > b.value : v < b.value;
  if (v === b.value) return { target, thisRun, verdict: met ? 'met (at the bound)' : '**missed** (at the bound, which the target excludes)', control };
  const by = distance(v, b.value, b.unit);
  return { target, thisRun, verdict: met ? `met (${by} to spare)` : `**missed** by ${by}`, control };
}

/** The table, as markdown lines. */
export function targetsTable(targets: readonly Target[], figures: Figures): string[] {
  const lines = ['| target | this run | met / missed | host control (its `JSON.parse` or floor; 1-minute load average at the section\'s start → end) |', '|---|--:|---|---|'];
  for (const t of targets) {
    const r = targetRow(t, figures.figures.get(t.id), figures.sections.get(t.section), figures.absent.get(t.id));
    lines.push(`| ${r.target} | ${r.thisRun} | ${r.verdict} | ${r.control} |`);
  }
  return lines;
}

/** The node-fills sizes the issue asks for (200 MB and 1 GB), and any other the run measures. */
export const NODE_FILLS_TARGET_MB = [200, 1_000];

/** Issue 22's targets and issue 19's bench targets, for this run's venues, big venues and node-fills sizes. */
export function issueTargets(o: { perpsVenues: readonly string[]; bigVenues: readonly string[]; nodeFillsMb: readonly number[] }): Target[] {
  const x = (kind: 'atLeast' | 'atMost' | 'above', value: number): Bound => ({ kind, value, unit: 'x' });
  const sizes = [...new Set([...NODE_FILLS_TARGET_MB, ...o.nodeFillsMb])].sort((a, b) => a - b);
  return [
    ...o.perpsVenues.map((v): Target => ({ id: `venue:${v}`, section: 'venues', label: `§1 ${v} parser ÷ \`JSON.parse\`, its own frames (median of interleaved rounds, wall)`, bound: x('atLeast', 1) })),
    { id: 'replay:day', section: 'replay-day', label: '§2 day replay `--speed max` ÷ its floor (wall)', bound: x('atMost', 1) },
    ...o.bigVenues.map((v): Target => ({ id: `replay:slice:${v}`, section: 'replay-day', label: `§2 ${v}'s slice of the day ÷ its floor (wall)`, bound: x('atMost', 1.2) })),
    { id: 'workers:speedup', section: 'replay-workers', label: '§3 `--workers 2` speed-up over `--workers 1` (wall)', bound: x('atLeast', 1.6) },
    { id: 'workers:rss', section: 'replay-workers', label: '§3 `--workers 2` peak RSS ÷ `--workers 1`', bound: x('atMost', 1.3) },
    { id: 'workers:identical', section: 'replay-workers', label: '§3 reports byte-identical across `--workers` 1, 2, 3', bound: { kind: 'holds' } },
    ...sizes.flatMap((mb): Target[] => [
      { id: `node-fills:${mb}:json`, section: 'node-fills', label: `§4 node fills ${fmt(mb)} MB: liqstream ÷ node \`JSON.parse\`, same sum`, bound: x('atLeast', 2) },
      { id: `node-fills:${mb}:orjson`, section: 'node-fills', label: `§4 node fills ${fmt(mb)} MB: liqstream ÷ orjson, same sum`, bound: x('above', 1) },
      { id: `node-fills:${mb}:rss`, section: 'node-fills', label: `§4 node fills ${fmt(mb)} MB: liqstream peak RSS (plain and .lz4, the larger)`, bound: { kind: 'atMost', value: 250, unit: 'MB' } },
    ]),
    { id: 'e2e:embedded-mix', section: 'e2e', label: '§5 end to end, embedded bus, real venue mix (BENCH_E2E_WINDOW, default 20:30–22:30): liquidations', bound: { kind: 'atLeast', value: 300_000, unit: 'perSecond' } },
    { id: 'e2e:kafka-mix', section: 'e2e', label: '§5 end to end, real Kafka, real venue mix (BENCH_E2E_WINDOW, default 20:30–22:30): liquidations', bound: { kind: 'atLeast', value: 150_000, unit: 'perSecond' } },
    { id: 'e2e:kafka-mix-apart', section: 'e2e', label: '§5 end to end, real Kafka, real venue mix, `connect` and `aggregate` in two processes (as docker-compose deploys them): liquidations', bound: { kind: 'reported', unit: 'perSecond' } },
    { id: 'e2e:embedded-mix-short', section: 'e2e', label: '§5 end to end, embedded bus, real venue mix, 21:10–21:12 (runs of 0.1 s): liquidations', bound: { kind: 'reported', unit: 'perSecond' } },
    { id: 'e2e:kafka-mix-short', section: 'e2e', label: '§5 end to end, real Kafka, real venue mix, 21:10–21:12: liquidations', bound: { kind: 'reported', unit: 'perSecond' } },
    { id: 'e2e:embedded', section: 'e2e', label: '§5 end to end, embedded bus, Binance USD-M only (beside the mix): liquidations', bound: { kind: 'reported', unit: 'perSecond' } },
    { id: 'e2e:kafka', section: 'e2e', label: '§5 end to end, real Kafka, Binance USD-M only (beside the mix): liquidations', bound: { kind: 'reported', unit: 'perSecond' } },
    { id: 'live:p99', section: 'live', label: '§5 live p99, frame → `/metrics` at 2,000 frames/s', bound: { kind: 'atMost', value: 50, unit: 'ms' } },
    { id: 'cold:venues', section: 'venues', label: '§6 parsers\' first pass in a fresh process (cold) ÷ `JSON.parse`\'s, median of the perps venues', bound: { kind: 'reported', unit: 'x' } },
    { id: 'cold:minute', section: 'replay-day', label: '§6 one minute replayed in a fresh process, first pass (cold) ÷ its floor (wall)', bound: { kind: 'reported', unit: 'x' } },
    { id: 'store:cost', section: 'store', label: 'issue 19: storing during `replay --speed max`, extra wall time', bound: { kind: 'below', value: 0.25, unit: 'percent' } },
    // The issue bounds the replay's time; the CPU the store adds (its writer's thread and DuckDB beside the replay) is shown, not bounded.
    { id: 'store:cost-cpu', section: 'store', label: 'issue 19: likewise, extra CPU time (the writer works beside the replay: shown, not the target)', bound: { kind: 'reported', unit: 'percent' } },
    { id: 'store-days:top20', section: 'store-days', label: 'issue 19: 90 days, "top 20 minutes by USD"', bound: { kind: 'below', value: 2, unit: 's' } },
    { id: 'store-days:ratio', section: 'store-days', label: 'issue 19: 90 days, "liquidation/OI ratio per venue per day"', bound: { kind: 'below', value: 2, unit: 's' } },
    { id: 'store-live:p99', section: 'store-live', label: 'issue 19: live store lag p99 at 2,000 events/s', bound: { kind: 'below', value: 1_000, unit: 'ms' } },
  ];
}
