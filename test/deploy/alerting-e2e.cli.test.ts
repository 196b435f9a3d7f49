import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CLI } from '../support/cli.js';
import { simulated } from '../support/simulated.js';
import { freePort } from '../support/free-port.js';
import { requireTools } from '../support/tools.js';
import { until } from '../support/until.js';

const repo = resolve(new URL('../..', import.meta.url).pathname);
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

function start(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // A failed spawn is in the output the test prints when it fails, not an uncaught exception.
  child.on('error', (err) => (out += `spawn ${cmd}: ${err.message}\n`));
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  Object.defineProperty(child, 'output', { get: () => out });
  children.push(child);
  return child;
}

describe('real Prometheus scrapes a replay; real Alertmanager delivers the cascade alert', () => {
  it('the LiquidationCascadeActive alert reaches a webhook receiver', async () => {
    const [prometheus, alertmanager] = requireTools('prometheus', 'prometheus-alertmanager');
    const { dir, recording: rec } = await simulated(['--from', '20:30', '--to', '21:30', '--accounts', '30000'], 'slice.ndjson.gz');
    // 20:30–21:30 around the worst minute; at 120× real time the replay takes about 30 s, and the cascade (onset
    // near 20:50, worst minute 21:15) stays active for well over 10 s of it: ten scrapes and evaluations at 1 s.

    const received: { alerts: { labels: Record<string, string>; status: string }[] }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/`;

    const [metricsPort, promPort, amPort] = [await freePort(), await freePort(), await freePort()];
    // The shipped Alertmanager config, with its placeholder receiver pointed at the test's webhook.
    const amConfig = join(dir, 'alertmanager.yml');
    writeFileSync(amConfig, readFileSync(join(repo, 'deploy/alertmanager/alertmanager.yml'), 'utf8').replaceAll('http://liqstream-alert-webhook:5001/', hookUrl));
    start(alertmanager!, [
      `--config.file=${amConfig}`,
      `--storage.path=${join(dir, 'am')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ]);
    // The shipped rule files, scraped and evaluated every second.
    const promConfig = join(dir, 'prometheus.yml');
    writeFileSync(
      promConfig,
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(repo, 'deploy/prometheus/rules/recording.yml'), join(repo, 'deploy/prometheus/rules/alerts.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [{ job_name: 'liqstream', static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] }],
      }),
    );
    start(prometheus!, [`--config.file=${promConfig}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
    await until(async () => (await fetch(`http://127.0.0.1:${promPort}/-/ready`).catch(() => undefined))?.ok === true, 'Prometheus ready', 30_000);
    await until(async () => (await fetch(`http://127.0.0.1:${amPort}/-/ready`).catch(() => undefined))?.ok === true, 'Alertmanager ready', 30_000);

    start(process.execPath, [CLI, 'replay', rec, '--speed', '120', '--metrics-port', String(metricsPort), '--linger', '60', '--report', join(dir, 'r.json')]);
    try {
      await until(
        () => received.some((p) => p.alerts.some((a) => a.labels.alertname === 'LiquidationCascadeActive' && a.status === 'firing')),
        'the cascade alert at the webhook',
        150_000,
      );
    } catch (err) {
      const tails = children.map((c) => `--- ${c.spawnargs.slice(0, 2).join(' ')}\n${((c as unknown as { output: string }).output ?? '').slice(-1500)}`);
      throw new Error(`${(err as Error).message}; webhook got ${JSON.stringify(received).slice(0, 500)}\n${tails.join('\n')}`);
    }
    const alert = received.flatMap((p) => p.alerts).find((a) => a.labels.alertname === 'LiquidationCascadeActive')!;
    expect(alert.labels.severity).toBe('page');
    hook.close();
  }, 240_000);
});
