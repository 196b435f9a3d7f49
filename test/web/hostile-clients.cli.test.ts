import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { HOSTILE_FRAMES, hostileClient, type HostileKind } from '../support/hostile-ws.js';
import { sampleValue, scrape } from '../support/prom-text.js';
import { until } from '../support/until.js';

const EXAMPLE = new URL('../../examples/binance-docs-samples.ndjson', import.meta.url).pathname;
const KINDS = Object.keys(HOSTILE_FRAMES) as HostileKind[];

describe('liqstream replay --metrics-port against hostile /api/stream clients (issue 18 §1)', () => {
  it('survives each of the three messages and a burst of 20 clients of each, exits 0 with the exact totals', async () => {
    const child = spawn(process.execPath, [CLI, 'replay', EXAMPLE, '--speed', 'max', '--metrics-port', '0', '--linger', '120', '--summary'], {
      env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = /"metrics":"(http:\/\/[^"]+)\/metrics"/.exec(stderr);
          if (m) resolve(m[1]!);
        };
        child.stderr.on('data', check);
        void exited.then((code) => reject(new Error(`replay exited ${code} before serving:\n${stderr}`)));
      });
      // The replay of four frames is over at once; its totals are final while it lingers (SIGTERM ends the
      // linger below: a fixed linger of a few seconds could end, on a loaded host, before the clients are done).
      const totals = async () => (await (await fetch(`${url}/api/totals`)).json()) as { usd: number; count: number };
      await until(async () => (await totals()).count === 4, 'the replay applied its 4 events', 30_000);

      // Before: the first of these ended the process ("Unhandled 'error' event") and the rest were refused.
      for (const kind of KINDS) expect(await hostileClient(url, HOSTILE_FRAMES[kind]), kind).toEqual({ status: 'HTTP/1.1 101 Switching Protocols', closed: true });
      const burst = await Promise.all(KINDS.flatMap((kind) => Array.from({ length: 20 }, () => hostileClient(url, HOSTILE_FRAMES[kind]))));
      expect(burst.every((r) => r.status === 'HTTP/1.1 101 Switching Protocols' && r.closed)).toBe(true);

      expect(child.exitCode).toBe(null);
      expect(await totals()).toMatchObject({ usd: 50_646.7389, count: 4 }); // 309.65 + 50,237.0889 + 100, exact to 1/10,000 USD
      const samples = await scrape(url);
      for (const kind of KINDS) expect(sampleValue(samples, 'liqstream_api_client_errors_total', { reason: kind }), kind).toBe(21);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('liquidations: $50.6k (lower bound) in 4 events (4 frames, 0 bad)');
      expect(stderr).not.toContain('Unhandled');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
