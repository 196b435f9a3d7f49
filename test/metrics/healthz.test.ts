import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
});

describe('/healthz', () => {
  it('answers 503 with status "warming" while the aggregator rebuilds, then 200 "ok"', async () => {
    let warming = true;
    server = await startMetricsServer(new Registry(), {
      host: '127.0.0.1',
      port: 0,
      health: () => (warming ? { healthy: false, status: 'warming', detail: { aggregator: 'warming' } } : { healthy: true, detail: {} }),
    });
    const get = async () => {
      const res = await fetch(`${server!.url}/healthz`);
      return { code: res.status, type: res.headers.get('content-type'), body: (await res.json()) as unknown };
    };
    expect(await get()).toEqual({ code: 503, type: 'application/json', body: { status: 'warming', detail: { aggregator: 'warming' } } });
    warming = false;
    expect(await get()).toEqual({ code: 200, type: 'application/json', body: { status: 'ok', detail: {} } });
  });
});
