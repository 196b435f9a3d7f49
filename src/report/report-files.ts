import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { toUsd } from '../aggregate/fixed-point.js';
import type { MinuteBucket } from '../aggregate/minute-series.js';
import type { ReplayReport } from '../replay/replay.js';
import { LOWER_BOUND_REASON, markWords, type Fidelity, type VenueId } from '../schema/events.js';
import { VENUES, venueAbout } from '../venues/registry.js';
import { chartSvg, usdShort } from './charts.js';
import { reportMarks } from './marks.js';
import { inputWords } from './summary.js';

export interface ReportInput {
  report: ReplayReport;
  minutes: MinuteBucket[];
  /** Open interest per venue (USD) at the end of each minute. */
  openInterest: Record<VenueId, number>[];
  fidelity: Record<VenueId, Fidelity>;
  /** ADL USD per venue in each minute (optional: only venues that have ADL report it). */
  adl?: Record<VenueId, number>[];
  /** DeFi (lending protocols) USD per protocol in each minute, net of retractions; apart from the perps above. */
  defi?: Record<VenueId, number>[];
}

/** The lending protocols with DeFi liquidations in the report's minutes, sorted (none: no DeFi columns or chart). */
const defiProtocols = (input: ReportInput): VenueId[] => [...new Set((input.defi ?? []).flatMap((m) => Object.keys(m)))].sort();

type DefiTotals = NonNullable<ReplayReport['totals']['defi']>;

/** The DeFi section of the page: totals by protocol and chain beside the perps' table (docs/mapping.md). */
function defiSection(defi: DefiTotals | undefined): string {
  // Nothing at all without DeFi: a perps-only page keeps its bytes.
  if (!defi) return '';
  const rows = Object.entries(defi.byProtocol)
    .flatMap(([protocol, p]) =>
      Object.entries(p.byChain).map(([chain, c]) => `<tr><td>${esc(protocol)}</td><td>${esc(chain)}</td><td>${usdShort(c.usd)}</td><td>${usdShort(c.debtUsd)}</td><td>${c.count}</td></tr>`),
    )
    .join('');
  return `
<h2>DeFi: on-chain lending liquidations</h2>
<table><tr><th>protocol</th><th>chain</th><th>collateral seized</th><th>debt repaid</th><th>events</th></tr>${rows}
<tr><th>all</th><th></th><th>${usdShort(defi.usd)}${defi.lowerBound ? ' ≥' : ''}</th><th>${usdShort(defi.debtUsd)}</th><th>${defi.count}</th></tr></table>
<p>Kept apart from the perps above (never in their totals or cascades). Collateral seized at the oracle price of the last update before each liquidation; debt repaid differs by the liquidation bonus. Net of retractions: ${defi.retracted.count} liquidations (${usdShort(defi.retracted.usd)}) were taken back after a reorg.</p>`;
}

const iso = (ms: number) => new Date(ms).toISOString();
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function venuesIn(input: ReportInput): VenueId[] {
  const seen = new Set<VenueId>();
  for (const m of input.minutes) for (const v of Object.keys(m.byVenue)) seen.add(v as VenueId);
  for (const o of input.openInterest) for (const v of Object.keys(o)) seen.add(v as VenueId);
  // Registered venues in registry order, then any a newer connector published.
  return [...VENUES.filter((v) => seen.has(v)), ...[...seen].filter((v) => !VENUES.includes(v)).sort()];
}

/** One row per minute: USD by venue and side, open interest by venue. */
export function minutesCsv(input: ReportInput): string {
  const venues = venuesIn(input);
  // DeFi columns after the perps' (a perps-only report's columns are unchanged): `defi_<protocol>_usd`.
  const protocols = defiProtocols(input);
  const header = ['minute_utc', 'minute_ms', 'total_usd', ...venues.flatMap((v) => [`${v}_long_usd`, `${v}_short_usd`]), ...venues.map((v) => `${v}_oi_usd`), ...protocols.map((p) => `defi_${p}_usd`)];
  const rows = input.minutes.map((m, i) => [
    iso(m.minute),
    m.minute,
    toUsd(m.units),
    ...venues.flatMap((v) => [toUsd(m.byVenue[v]?.long ?? 0), toUsd(m.byVenue[v]?.short ?? 0)]),
    ...venues.map((v) => input.openInterest[i]?.[v] ?? ''),
    ...protocols.map((p) => input.defi?.[i]?.[p] ?? 0),
  ]);
  return [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}

/** A self-contained HTML page: charts as inline SVG, no external resources. */
export function reportHtml(input: ReportInput): string {
  const { report, minutes } = input;
  const venues = venuesIn(input);
  const xs = minutes.map((m) => m.minute);
  const bands = report.cascades.map((c) => ({ from: c.start, to: c.end ?? c.start + 60_000, label: `${c.id}: ${usdShort(c.totalUsd)}` }));
  let cumUnits = 0;
  // Liquidation charts of any lower-bound venue say so, and of any inferred one that they are estimates; a venue's
  // own series is marked with ≥ or ≈.
  // A report made before marks existed (or by hand) gets them from its flags and the fidelity given.
  const marks = report.marks ?? reportMarks(report.totals, input.fidelity, report.cascades);
  const markOf = (v: string) => marks.byVenue[v] ?? '';
  const includes = (mark: string) => {
    const list = venues.filter((v) => markOf(v) === mark);
    return list.length ? `includes ${list.join(', ')}` : undefined;
  };
  const lowerBound = includes('≥');
  const estimate = includes('≈');
  const charts = [
    chartSvg({
      title: 'Liquidated USD per minute, by venue',
      yTitle: 'USD per minute',
      xs,
      kind: 'stacked',
      bands,
      lowerBound,
      estimate,
      series: venues.map((v) => ({ name: markOf(v) ? `${v} ${markOf(v)}` : v, color: venueAbout(v).colour, values: minutes.map((m) => toUsd((m.byVenue[v]?.long ?? 0) + (m.byVenue[v]?.short ?? 0))) })),
    }),
    chartSvg({
      title: 'Longs vs shorts liquidated per minute (all venues)',
      yTitle: 'USD per minute',
      xs,
      kind: 'stacked',
      bands,
      lowerBound,
      estimate,
      series: [
        { name: 'long', color: '#d62828', values: minutes.map((m) => toUsd(Object.values(m.byVenue).reduce((s, v) => s + v.long, 0))) },
        { name: 'short', color: '#2a6fdb', values: minutes.map((m) => toUsd(Object.values(m.byVenue).reduce((s, v) => s + v.short, 0))) },
      ],
    }),
    chartSvg({
      title: 'Cumulative liquidated USD',
      yTitle: 'USD since the first minute',
      xs,
      kind: 'lines',
      fromZero: true,
      bands,
      lowerBound,
      estimate,
      series: [{ name: 'cumulative', color: '#333', values: minutes.map((m) => toUsd((cumUnits += m.units))) }],
    }),
    ...(input.adl?.some((m) => Object.keys(m).length > 0)
      ? [
          chartSvg({
            title: 'Auto-deleveraged USD per minute (counterparties closed; not in liquidation totals)',
            yTitle: 'USD per minute',
            xs,
            kind: 'stacked',
            bands,
            series: venues.filter((v) => input.adl!.some((m) => m[v] !== undefined)).map((v) => ({ name: v, color: venueAbout(v).colour, values: input.adl!.map((m) => m[v] ?? 0) })),
          }),
        ]
      : []),
    ...(defiProtocols(input).length > 0
      ? [
          chartSvg({
            title: 'DeFi: collateral seized per minute, by lending protocol (apart from the perps)',
            yTitle: 'USD per minute',
            xs,
            kind: 'stacked',
            bands,
            series: defiProtocols(input).map((p) => ({ name: p, color: venueAbout(p).colour, values: input.defi!.map((m) => m[p] ?? 0) })),
          }),
        ]
      : []),
    chartSvg({
      title: 'Open interest by venue (USD)',
      yTitle: 'USD',
      xs,
      kind: 'lines',
      bands,
      series: venues
        .filter((v) => input.openInterest.some((o) => o[v] !== undefined))
        .map((v) => ({ name: v, color: venueAbout(v).colour, values: input.openInterest.map((o) => o[v] ?? NaN) })),
    }),
  ];
  const rows = Object.entries(report.totals.byVenue)
    .map(([venue, t]) => {
      const fidelity = input.fidelity[venue as VenueId] ?? 'complete';
      const reason = LOWER_BOUND_REASON[fidelity];
      const mark = markOf(venue);
      const note = mark ? `${markWords(mark)}${reason ? ` (${reason})` : ''}` : '';
      return `<tr><td>${esc(venue)}</td><td>${fidelity}</td><td>${usdShort(t.longUsd)}</td><td>${usdShort(t.shortUsd)}</td><td>${usdShort(t.longUsd + t.shortUsd)}${mark ? ` ${mark}` : ''}</td><td>${t.count}</td><td>${esc(note)}</td></tr>`;
    })
    .join('');
  const episodeMark = (id: string) => marks.cascades[id] ?? '';
  const episodes = report.cascades
    .map(
      (c) =>
        `<tr><td>${esc(c.id)}</td><td>${iso(c.start)}</td><td>${iso(c.peakMinute)}</td><td>${c.end === null ? '' : iso(c.end)}</td><td>${usdShort(c.peakMinuteUsd)}</td><td>${usdShort(c.totalUsd)}${episodeMark(c.id) ? ` ${episodeMark(c.id)}` : ''}</td><td>${(c.longShare * 100).toFixed(1)}%</td><td>${c.oiDrawdownPct === null ? '–' : `${c.oiDrawdownPct.toFixed(1)}%`}</td><td>${esc(c.ledBy ?? '')}</td><td>${markWords(episodeMark(c.id))}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>liqstream report</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}figure{margin:18px 0}figcaption{font-weight:600;margin-bottom:4px}.synthetic{background:#fff3cd;border:1px solid #e0c36a;padding:6px 10px}</style>
</head><body>
<h1>liqstream report</h1>
${(report.synthetic ?? []).map((m) => `<p class="synthetic"><strong>Synthetic data:</strong> ${esc(m.file)} was generated by ${esc(m.generator)}; ${esc(m.note)}</p>`).join('\n')}
<p>Input: ${esc(report.input.files.join(', '))} — ${esc(inputWords(report.input))}. Event time ${report.eventTime.first === null ? '–' : iso(report.eventTime.first)} to ${report.eventTime.last === null ? '–' : iso(report.eventTime.last)}.</p>
<h2>Totals</h2>
<table><tr><th>venue</th><th>fidelity</th><th>longs</th><th>shorts</th><th>total</th><th>events</th><th></th></tr>${rows}
<tr><th>all</th><th></th><th></th><th></th><th>${usdShort(report.totals.usd)}${marks.total ? ` ${marks.total}` : ''}</th><th>${report.totals.count}</th><th>${markWords(marks.total)}</th></tr></table>
<p>≥ marks a lower bound: the venue's source samples its stream or only some of its markets are watched. ≈ marks an estimate: liquidations inferred from indirect evidence, which may over- or under-count; a sum with one in it is an estimate too (docs/mapping.md).</p>${defiSection(report.totals.defi)}
<h2>Cascade episodes</h2>
<table><tr><th>id</th><th>start</th><th>peak minute</th><th>end</th><th>peak minute USD</th><th>total</th><th>long share</th><th>OI drawdown</th><th>led by</th><th></th></tr>${episodes || '<tr><td colspan="10">none</td></tr>'}</table>
<p>Led by: the venue with the most liquidated USD in the episode's first minute. OI drawdown: open interest lost from just before the episode to its lowest point during it.</p>
<h2>Largest liquidations</h2>
<table><tr><th>time (UTC)</th><th>venue</th><th>symbol</th><th>side</th><th>price</th><th>USD</th></tr>${
    (report.largest ?? []).map((l) => `<tr><td>${iso(l.eventTime)}</td><td>${esc(l.venue)}</td><td>${esc(l.symbol)}</td><td>${l.side}</td><td>${l.price.toPrecision(6)}</td><td>${usdShort(l.notionalUsd)}</td></tr>`).join('') || '<tr><td colspan="6">none</td></tr>'
  }</table>
<h2>By symbol (top 20)</h2>
<table><tr><th>venue</th><th>symbol</th><th>longs</th><th>shorts</th><th>total</th><th>events</th></tr>${
    (report.bySymbol ?? [])
      .slice(0, 20)
      .map((x) => `<tr><td>${esc(x.venue)}</td><td>${esc(x.symbol)}</td><td>${usdShort(x.longUsd)}</td><td>${usdShort(x.shortUsd)}</td><td>${usdShort(x.longUsd + x.shortUsd)}${markOf(x.venue) ? ` ${markOf(x.venue)}` : ''}</td><td>${x.count}</td></tr>`)
      .join('') || '<tr><td colspan="6">none</td></tr>'
  }</table>
${charts.join('\n')}
</body></html>
`;
}

export const REPORT_DIR_FILES = ['report.json', 'minutes.csv', 'report.html'] as const;

/** An output the replay will not write: one line, with what to do about it. */
export class OutputRefused extends Error {}

const lstat = (path: string): Stats | undefined => lstatSync(path, { throwIfNoEntry: false });

/**
 * A FIFO or terminal, written as a stream: nothing there to overwrite. Through a link only for a
 * path under /dev that the user named (/dev/stdout is a link), never for a link planted elsewhere.
 */
function isStream(path: string): boolean {
  const st = lstat(path);
  if (st?.isSymbolicLink() && !resolve(path).startsWith('/dev/')) return false;
  const target = st?.isSymbolicLink() ? statSync(path, { throwIfNoEntry: false }) : st;
  return target !== undefined && (target.isFIFO() || target.isCharacterDevice());
}

function refuseFile(path: string, st: Stats, force: boolean): void {
  if (st.isDirectory()) throw new OutputRefused(`refusing to write ${path}: it is a directory`);
  if (force) return;
  if (st.isSymbolicLink()) throw new OutputRefused(`refusing to write through symbolic link ${path} (--force replaces the link itself)`);
  throw new OutputRefused(`refusing to overwrite ${path} (--force replaces it)`);
}

function refuseDir(dir: string, st: Stats | undefined, force: boolean): void {
  if (st === undefined || st.isDirectory()) return;
  if (!st.isSymbolicLink()) throw new OutputRefused(`refusing to use ${dir} as the report directory: it is not a directory`);
  if (!force) throw new OutputRefused(`refusing to use ${dir} as the report directory: it is a symbolic link (--force replaces the link with a directory)`);
}

/**
 * Refuses, before any work, outputs that would overwrite a file or write through a symbolic link
 * (unless `force`), so a long replay does not end in an error. The writes check again, atomically.
 */
export function checkOutputs(outputs: { files: string[]; reportDir?: string }, force: boolean): void {
  const files = [...outputs.files];
  if (outputs.reportDir !== undefined) {
    const st = lstat(outputs.reportDir);
    refuseDir(outputs.reportDir, st, force);
    if (st?.isDirectory()) files.push(...REPORT_DIR_FILES.map((f) => join(outputs.reportDir!, f)));
  }
  for (const path of files) {
    const st = lstat(path);
    if (st !== undefined && !isStream(path)) refuseFile(path, st, force);
  }
}

/**
 * Writes `text` to `path` without ever following a symbolic link there. Without `force` the file
 * must not exist (O_EXCL, which also fails on a link, dangling or not). With `force` the text goes
 * to a new temporary file beside it that is then renamed over the path: rename replaces a link
 * rather than writing to its target, and a reader never sees half a file.
 */
export function writeOutputFile(path: string, text: string, force: boolean): void {
  if (isStream(path)) return writeFileSync(path, text);
  if (!force) {
    try {
      writeFileSync(path, text, { flag: 'wx' });
      return;
    } catch (err) {
      const st = (err as NodeJS.ErrnoException).code === 'EEXIST' ? lstat(path) : undefined;
      if (st) refuseFile(path, st, false);
      throw err;
    }
  }
  const st = lstat(path);
  if (st) refuseFile(path, st, true);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(temp, text, { flag: 'wx' });
  try {
    renameSync(temp, path);
  } catch (err) {
    unlinkSync(temp);
    throw err;
  }
}

/** Writes report.json, minutes.csv and report.html into `dir` (see writeOutputFile for `force`). */
export function writeReportDir(dir: string, input: ReportInput, options: { force?: boolean } = {}): void {
  const force = options.force ?? false;
  const st = lstat(dir);
  refuseDir(dir, st, force);
  // Reached with a link only under --force: the link goes, a real directory takes its place.
  if (st?.isSymbolicLink()) unlinkSync(dir);
  mkdirSync(dir, { recursive: true });
  writeOutputFile(join(dir, 'report.json'), `${JSON.stringify(input.report, null, 2)}\n`, force);
  writeOutputFile(join(dir, 'minutes.csv'), minutesCsv(input), force);
  writeOutputFile(join(dir, 'report.html'), reportHtml(input), force);
}
