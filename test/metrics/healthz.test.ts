import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { processReadiness, startMetricsServer, type MetricsServer } from '../../src/service/http-server.js';
import { startService, type RunningService } from '../../src/service/service.js';
import { writeTestConfig } from '../support/config-file.js';
import { freePort } from '../support/free-port.js';
import { tempDir } from '../support/recording.js';
import { until } from '../support/until.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const probe = async (url: string, path: string) => {
  const res = await fetch(`${url}${path}`);
  return { code: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { status: string; detail?: Record<string, unknown> } };
};

describe('/livez, /readyz and /healthz (issue 23 §4)', () => {
  it('readiness is the bus and the aggregator: warming and bus down answer 503, a venue down only shows in the body', async () => {
    let state: Parameters<typeof processReadiness>[0] = { mode: 'run', bus: 'kafka', busUp: true, aggregator: 'warming', venues: { okx: true, 'bybit-linear': true } };
    const server: MetricsServer = await startMetricsServer(new Registry(), { host: '127.0.0.1', port: 0, readiness: () => processReadiness(state) });
    cleanup.push(() => server.close());
    const all = async () => ({ live: await probe(server.url, '/livez'), ready: await probe(server.url, '/readyz'), healthz: await probe(server.url, '/healthz') });

    let r = await all();
    expect([r.live.code, r.ready.code, r.ready.body.status]).toEqual([200, 503, 'warming']);
    expect(r.healthz).toEqual(r.ready); // /healthz is /readyz
    expect(r.ready.type).toBe('application/json');

    state = { ...state, aggregator: 'ok' };
    r = await all();
    expect([r.live.code, r.ready.code, r.ready.body]).toEqual([200, 200, { status: 'ok', detail: { mode: 'run', bus: 'kafka', busUp: true, aggregator: 'ok', venues: { okx: true, 'bybit-linear': true }, venuesDown: [] } }]);

    // One venue of the process down: alive, ready, and the body says which (before: /healthz 503).
    state = { ...state, venues: { okx: false, 'bybit-linear': true } };
    r = await all();
    expect([r.live.code, r.ready.code, r.ready.body.status, r.ready.body.detail?.venuesDown]).toEqual([200, 200, 'degraded', ['okx']]);
    expect(r.healthz.code).toBe(200);

    state = { ...state, busUp: false };
    r = await all();
    expect([r.live.code, r.ready.code, r.ready.body.status, r.healthz.code]).toEqual([200, 503, 'bus down', 503]);
    expect(r.live.body.status).toBe('ok');
  });

  it('`run` with its only venue unreachable: live 200, ready 200 "degraded", the venue down in the body', async () => {
    const dead = await freePort(); // nothing listens there
    const service: RunningService = await startService(loadConfig({ file: writeTestConfig({ 'binance-usdm': { url: `ws://127.0.0.1:${dead}/stream` } }), env: {} }), 'run', silentLogger());
    cleanup.push(() => service.stop());
    expect((await probe(service.metricsUrl, '/livez')).code).toBe(200);
    const ready = await probe(service.metricsUrl, '/readyz');
    expect([ready.code, ready.body.status, ready.body.detail?.venues, ready.body.detail?.venuesDown]).toEqual([200, 'degraded', { 'binance-usdm': false }, ['binance-usdm']]);
    expect((await probe(service.metricsUrl, '/healthz')).code).toBe(200);
  });

  it('`connect` while the broker is unreachable: live 200, ready 503 "bus down" (it spills to disk)', async () => {
    const dead = await freePort();
    const config = loadConfig({
      file: writeTestConfig({}, { bus: { kind: 'kafka', kafka: { brokers: [`127.0.0.1:${dead}`] }, spill: { dir: join(tempDir(), 'spill'), retry: { initialMs: 100, maxMs: 500 } } } }),
      env: {},
    });
    const service: RunningService = await startService(config, 'connect', silentLogger());
    cleanup.push(() => service.stop());
    expect((await probe(service.metricsUrl, '/livez')).code).toBe(200);
    await until(async () => (await probe(service.metricsUrl, '/readyz')).code === 503, 'not ready while the broker is away');
    expect((await probe(service.metricsUrl, '/readyz')).body).toMatchObject({ status: 'bus down', detail: { mode: 'connect', bus: 'kafka', busUp: false } });
  });

  it('docs/reliability.md gives Kubernetes /livez for liveness and /readyz for readiness, on the default port', () => {
    const doc = readFileSync(new URL('../../docs/reliability.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Health endpoints'));
    const probes = parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]!) as Record<string, { httpGet: { path: string; port: number } }>;
    const port = loadConfig({ env: {} }).metrics.port;
    expect(probes.livenessProbe!.httpGet).toEqual({ path: '/livez', port });
    expect(probes.readinessProbe!.httpGet).toEqual({ path: '/readyz', port });
    expect(probes.startupProbe!.httpGet.path).toBe('/livez');
  });
});
