import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { requireTool, type TestTool } from '../support/tools.js';

/** Repository root (this file is test/deploy/support.ts). */
export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const repoPath = (...parts: string[]): string => resolve(ROOT, ...parts);

export const readText = (rel: string): string => readFileSync(repoPath(rel), 'utf8');
/** YAML with merge keys (`<<: *anchor`) resolved, as docker compose does. */
export const readYaml = <T = any>(rel: string): T => parseYaml(readText(rel), { merge: true }) as T;

/** Every metric liqstream exposes that the deploy files may build on. */
export const LIQSTREAM_METRICS = [
  'liqstream_liquidations_usd_total',
  'liqstream_liquidations_total',
  'liqstream_adl_usd_total',
  'liqstream_liquidations_window_usd',
  'liqstream_liquidations_window_total_usd',
  'liqstream_open_interest_usd',
  'liqstream_oi_age_seconds',
  'liqstream_cascade_active',
  'liqstream_cascade_usd',
  'liqstream_cascade_lower_bound',
  'liqstream_early_warning',
  'liqstream_early_warning_level',
  'liqstream_lower_bound',
  'liqstream_estimate',
  'liqstream_connector_up',
  'liqstream_frames_total',
  'liqstream_bad_frames_total',
  'liqstream_bad_entries_total',
  'liqstream_reconnects_total',
  'liqstream_gaps_total',
  'liqstream_gap_seconds_total',
  'liqstream_last_frame_timestamp_seconds',
  'liqstream_dead_letters_total',
  'liqstream_bus_up',
  'liqstream_bus_buffered_events',
  'liqstream_spill_bytes',
  'liqstream_spill_max_bytes',
  'liqstream_bus_oldest_unsent_age_seconds',
  'liqstream_frames_dropped_total',
  // The history store (src/sinks/store/store-sink.ts; test/store/store-sink.test.ts reads them from a registry).
  'liqstream_store_rows_received_total',
  'liqstream_store_rows_durable_total',
  'liqstream_store_commits_total',
] as const;

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export const rulesOf = (rel: string): Rule[] =>
  readYaml<{ groups: { name: string; rules: Rule[] }[] }>(rel).groups.flatMap((g) => g.rules);

export const recordedNames = (): string[] => rulesOf('deploy/prometheus/rules/recording.yml').map((r) => r.record!);

/**
 * Runs a tool from PATH. A missing tool is a test failure with instructions, never a skip:
 * CI (.ci/run) installs them.
 */
export function runTool(tool: TestTool, args: string[], cwd = ROOT): { code: number | null; output: string } {
  const r = spawnSync(requireTool(tool), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

/**
 * Metric names a PromQL expression selects (Grafana variables allowed). Not a parser: strings,
 * label matchers, ranges and grouping clauses are removed, then every identifier that is neither
 * a function call nor a keyword is a metric name.
 */
export function metricNames(expr: string): string[] {
  const lv = /^\s*label_values\(\s*(.*?)\s*,\s*[a-zA-Z_]\w*\s*\)\s*$/s.exec(expr);
  if (lv) return metricNames(lv[1]!);
  if (/^\s*label_values\(\s*[a-zA-Z_]\w*\s*\)\s*$/.test(expr)) return [];
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![\w:.])[a-zA-Z_:][\w:]*/g)) {
    const after = s.slice(m.index + m[0].length);
    if (/^\s*\(/.test(after) || PROMQL_KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}
