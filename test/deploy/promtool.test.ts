import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LIQSTREAM_METRICS, metricNames, readText, readYaml, recordedNames, repoPath, rulesOf, runTool } from './support.js';

// Needs promtool (Debian "prometheus") and amtool (Debian "prometheus-alertmanager") on PATH.
// A missing tool fails these tests with an install hint; it never skips them.

const RULE_FILES = readdirSync(repoPath('deploy/prometheus/rules'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => `deploy/prometheus/rules/${f}`);
const TEST_FILES = readdirSync(repoPath('deploy/prometheus/tests'))
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => `deploy/prometheus/tests/${f}`);
const ALERTS = rulesOf('deploy/prometheus/rules/alerts.yml');

interface AlertCase {
  alertname: string;
  eval_time: string;
  exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
}
interface TestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: AlertCase[]; promql_expr_test?: { expr: string }[] }[];
}
const TESTS = TEST_FILES.map((f) => ({ file: f, doc: readYaml<TestFile>(f) }));

const tmp = mkdtempSync(join(tmpdir(), 'liqstream-promtool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The numbers an expression compares against (`> 50e6`, `== 0`, `< -0.10`). */
function comparisonConstants(expr: string): number[] {
  const s = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...s.matchAll(/(?:==|!=|>=|<=|>|<)\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)/gi)].map((m) => Number(m[1]));
}

describe('promtool', () => {
  it('is installed', () => {
    const r = runTool('promtool', ['--version']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/promtool, version/);
  });

  it('check rules: the rule files are valid', () => {
    expect(RULE_FILES).toEqual(expect.arrayContaining(['deploy/prometheus/rules/alerts.yml', 'deploy/prometheus/rules/recording.yml']));
    const r = runTool('promtool', ['check', 'rules', ...RULE_FILES]);
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/SUCCESS: \d+ rules found/g)).toHaveLength(RULE_FILES.length);
    expect(r.output).not.toMatch(/FAILED/);
  });

  // Runs on the real file: check config resolves rule_files relative to it and does not look up
  // the compose host names (alertmanager, liqstream-*), so no temporary copy is needed.
  it('check config: prometheus.yml is valid and its rule_files glob finds every rule file', () => {
    const r = runTool('promtool', ['check', 'config', 'deploy/prometheus/prometheus.yml']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${RULE_FILES.length} rule files found`);
    expect(r.output).not.toMatch(/FAILED/);
  });

  it('test rules: every unit test in deploy/prometheus/tests passes', () => {
    expect(TEST_FILES.length).toBeGreaterThanOrEqual(2);
    const r = runTool('promtool', ['test', 'rules', ...TEST_FILES]);
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/^\s*SUCCESS\s*$/gm)).toHaveLength(TEST_FILES.length);
    expect(r.output).not.toMatch(/FAILED/);
  });

  it('test rules fails on a wrong expectation (the unit tests are not vacuous)', () => {
    const doc = readYaml<TestFile>('deploy/prometheus/tests/alerts.test.yml');
    doc.rule_files = doc.rule_files.map((f) => repoPath('deploy/prometheus/tests', f));
    const firing = doc.tests.flatMap((t) => t.alert_rule_test ?? []).find((c) => c.exp_alerts?.length)!;
    firing.exp_alerts![0]!.exp_labels = { ...firing.exp_alerts![0]!.exp_labels, severity: 'nonsense' };
    const file = join(tmp, 'mutated.test.yml');
    writeFileSync(file, stringify(doc));
    const r = runTool('promtool', ['test', 'rules', file]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('FAILED');
    expect(r.output).toContain(firing.alertname);
  });

  it('every Grafana dashboard query is valid PromQL', () => {
    const exprs = dashboardExprs().map((e) =>
      e.replaceAll('$venue', '.*').replaceAll('$window', '5m').replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h'),
    );
    expect(exprs.length).toBeGreaterThan(10);
    // No input series: every query must parse and evaluate to nothing.
    const doc = {
      rule_files: [repoPath('deploy/prometheus/rules/recording.yml')],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series: [], promql_expr_test: exprs.map((expr) => ({ expr, eval_time: '5m', exp_samples: [] })) }],
    };
    const file = join(tmp, 'dashboard.test.yml');
    writeFileSync(file, stringify(doc));
    const r = runTool('promtool', ['test', 'rules', file]);
    expect(r.code, r.output).toBe(0);
  });
});

function dashboardExprs(): string[] {
  const dash = JSON.parse(readText('deploy/grafana/dashboards/liqstream.json')) as { panels: { targets?: { expr: string }[]; panels?: unknown[] }[] };
  const panels = dash.panels.flatMap((p) => [p, ...((p.panels ?? []) as typeof dash.panels)]);
  return panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

describe('alert rules', () => {
  it('cover the documented alerts', () => {
    expect(ALERTS.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        'LiquidationVolumeHighFast',
        'LiquidationVolumeHighSlow',
        'LiquidationCascadeActive',
        'OpenInterestDrop',
        'ConnectorDown',
        'ConnectorSilent',
        'CoverageGaps',
        'DeadLetterGrowth',
        'OpenInterestStale',
      ]),
    );
  });

  it.each(ALERTS.map((a) => [a.alert!, a] as const))('%s: severity, summary, description, and a threshold that matches its expression', (_, a) => {
    expect(['page', 'warn']).toContain(a.labels?.severity);
    expect(a.annotations?.summary).toBeTruthy();
    expect(a.annotations?.description).toMatch(/\{\{.*\}\}/); // templated with a value
    const threshold = Number(a.annotations?.threshold);
    expect(Number.isFinite(threshold), `annotations.threshold of ${a.alert} must be a number`).toBe(true);
    const constants = comparisonConstants(a.expr);
    expect(constants.length).toBeGreaterThan(0);
    expect(new Set(constants), `expr of ${a.alert} compares with ${constants.join(', ')}, annotation says ${threshold}`).toEqual(new Set([threshold]));
  });

  it.each(ALERTS.map((a) => [a.alert!, a] as const))('%s has a firing and a non-firing promtool case', (name, a) => {
    const cases = TESTS.flatMap(({ doc }) => doc.tests.flatMap((t) => t.alert_rule_test ?? [])).filter((c) => c.alertname === name);
    const firing = cases.filter((c) => (c.exp_alerts ?? []).length > 0);
    const quiet = cases.filter((c) => (c.exp_alerts ?? []).length === 0);
    expect(firing.length, `no case where ${name} fires`).toBeGreaterThan(0);
    expect(quiet.length, `no case where ${name} stays quiet`).toBeGreaterThan(0);
    for (const c of firing)
      for (const e of c.exp_alerts!) {
        expect(e.exp_labels?.severity).toBe(a.labels?.severity);
        expect(e.exp_annotations?.threshold).toBe(a.annotations?.threshold);
      }
  });

  it('reference only liqstream metrics, recorded series, and up', () => {
    const allowed = new Set<string>([...LIQSTREAM_METRICS, ...recordedNames(), 'up']);
    for (const rule of [...ALERTS, ...rulesOf('deploy/prometheus/rules/recording.yml')]) {
      const names = metricNames(rule.expr);
      expect(names.length, rule.expr).toBeGreaterThan(0);
      expect(names.filter((n) => !allowed.has(n)), `${rule.alert ?? rule.record}: ${rule.expr}`).toEqual([]);
    }
  });

  it('annotation queries reference only liqstream metrics; liquidation USD alerts say when it is a lower bound', () => {
    const allowed = new Set<string>([...LIQSTREAM_METRICS, ...recordedNames(), 'up']);
    for (const rule of ALERTS)
      for (const [, q] of Object.values(rule.annotations ?? {}).flatMap((text) => [...text.matchAll(/query "([^"]+)"/g)]))
        expect(metricNames(q!).filter((n) => !allowed.has(n)), `${rule.alert}: ${q}`).toEqual([]);
    const lowerBound = (name: string) => ALERTS.find((a) => a.alert === name)!.annotations!.description!;
    for (const name of ['LiquidationVolumeHighFast', 'LiquidationVolumeHighSlow'])
      expect(lowerBound(name)).toContain(
        '{{ with query "max(liqstream_estimate) == 1" }} (estimate){{ else }}{{ with query "max(liqstream_lower_bound) == 1" }} (lower bound){{ end }}{{ end }}',
      );
    expect(lowerBound('LiquidationCascadeActive')).toContain('{{ with query "max(liqstream_cascade_lower_bound) == 1" }}, a lower bound{{ end }}');
  });

  it('every recording rule is checked by a promql_expr_test', () => {
    const tested = new Set(TESTS.flatMap(({ doc }) => doc.tests.flatMap((t) => (t.promql_expr_test ?? []).flatMap((c) => metricNames(c.expr)))));
    expect(recordedNames().filter((n) => !tested.has(n))).toEqual([]);
  });

  it('the metric-name extractor sees through PromQL syntax', () => {
    expect(metricNames('sum by (venue, side) (rate(liqstream_liquidations_usd_total{venue=~"$venue", side="long"}[$__rate_interval]))')).toEqual([
      'liqstream_liquidations_usd_total',
    ]);
    expect(metricNames('time() - max by (venue) (liqstream_last_frame_timestamp_seconds) > 300')).toEqual(['liqstream_last_frame_timestamp_seconds']);
    expect(metricNames('a:b:c / (sum by (venue) (x offset 1h) > 0) - 1 or y unless on (venue) z')).toEqual(['a:b:c', 'x', 'y', 'z']);
    expect(metricNames('increase(foo_total[10m]) > 50e6')).toEqual(['foo_total']);
    expect(metricNames('label_values(liqstream_frames_total, venue)')).toEqual(['liqstream_frames_total']);
  });
});

describe('Alertmanager config', () => {
  const AM = 'deploy/alertmanager/alertmanager.yml';

  it('amtool check-config passes', () => {
    const r = runTool('amtool', ['check-config', AM]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
  });

  it('sends cascade alerts without waiting, to the documented webhook; every route names a receiver that exists', () => {
    interface Route {
      receiver?: string;
      matchers?: string[];
      group_wait?: string;
      routes?: Route[];
    }
    const cfg = readYaml<{ route: Route; receivers: { name: string; webhook_configs?: { url: string }[] }[] }>(AM);
    const receivers = new Set(cfg.receivers.map((r) => r.name));
    const all: Route[] = [];
    const walk = (r: Route) => {
      all.push(r);
      (r.routes ?? []).forEach(walk);
    };
    walk(cfg.route);
    for (const r of all) if (r.receiver) expect(receivers).toContain(r.receiver);
    const cascade = all.find((r) => (r.matchers ?? []).some((m) => m.includes('LiquidationCascadeActive')));
    expect(cascade, 'a route matching LiquidationCascadeActive').toBeDefined();
    expect(['0s', '0', '1s', '5s']).toContain(cascade!.group_wait);
    expect(cfg.receivers.flatMap((r) => r.webhook_configs ?? []).map((w) => w.url)).toContain('http://liqstream-alert-webhook:5001/');
  });

  it('routes a cascade alert through the immediate route and other pages through the page route (amtool config routes test)', () => {
    const route = (...labels: string[]) => {
      const r = runTool('amtool', ['config', 'routes', 'test', `--config.file=${AM}`, '--tree', '--verify.receivers=liqstream-webhook', ...labels]);
      expect(r.code, r.output).toBe(0);
      return r.output;
    };
    expect(route('alertname=LiquidationCascadeActive', 'severity=page')).toMatch(/LiquidationCascadeActive\|LiquidationVolumeHighFast"\}\s+receiver: liqstream-webhook/);
    expect(route('alertname=ConnectorDown', 'severity=page', 'venue=bybit-linear')).toMatch(/\{severity="page"\}\s+receiver: liqstream-webhook/);
  });
});
