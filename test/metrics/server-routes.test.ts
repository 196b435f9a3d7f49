import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startMetricsServer } from '../../src/service/http-server.js';

describe('metrics server with extra routes', () => {
  it('answers 500 when a route throws, and keeps serving /metrics', async () => {
    const metrics = createMetrics();
    const unhandled: unknown[] = [];
    const onError = (err: unknown) => unhandled.push(err);
    process.on('uncaughtException', onError);
    const server = await startMetricsServer(metrics.registry, {
      host: '127.0.0.1',
      port: 0,
      routes: {
        handle: (req) => {
          if (req.url === '/boom') throw new Error('view failed');
          return false;
        },
      },
    });
    try {
      // Before: the throw escaped the request listener, an uncaught exception ending the process.
      const res = await fetch(`${server.url}/boom`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('internal error: view failed\n');
      expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
      await server.close();
    }
  });
});
