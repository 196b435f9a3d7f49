import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startConnectors } from '../../src/service/connectors.js';
import { onlyVenues } from '../support/config-file.js';
import { until } from '../support/until.js';
import { BybitServer } from '../support/venue-servers.js';

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** A REST endpoint that takes every request and never answers (a venue's API hung mid-incident). */
async function hungRest(): Promise<string> {
  const held: { destroy(): void }[] = [];
  const server: Server = createServer((req) => void held.push(req.socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => new Promise((r) => { for (const s of held) s.destroy(); server.close(r); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('market discovery against a venue whose REST API hangs', () => {
  it('gives up after connection.discoverTimeoutMs, all venues at once, and starts each on its built-in markets', async () => {
    const linear = await BybitServer.start();
    const inverse = await BybitServer.start('/v5/public/inverse');
    cleanup.push(() => linear.close(), () => inverse.close());
    const config = loadConfig({
      env: {},
      overrides: {
        connection: { discoverTimeoutMs: 1_000 },
        venues: onlyVenues({
          'bybit-linear': { url: linear.url(BybitServer.PATH), restUrl: await hungRest(), refreshMs: 0 },
          'bybit-inverse': { url: inverse.url('/v5/public/inverse'), restUrl: await hungRest(), refreshMs: 0 },
        }),
      },
    });
    const metrics = createMetrics();
    const started = Date.now();
    const connectors = await startConnectors(config, { sink: { handleFrame: () => {}, gap: () => {} }, metrics, log: silentLogger(), parsers: new Map() });
    const elapsed = Date.now() - started;
    cleanup.push(() => connectors.stop());
    // Both waited out together: one timeout, not one per venue (and not Node's 300 s fetch default).
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(1_900);
    // Built-in markets, flagged partial (a lower bound) until a market list is read.
    await until(() => linear.subscribed('allLiquidation.BTCUSDT') && inverse.subscribed('allLiquidation.BTCUSD'), 'the built-in markets subscribed');
    const partial = (await metrics.registry.getSingleMetric('liqstream_venue_partial')!.get()).values;
    expect(partial.filter((v) => v.value === 1).map((v) => v.labels.venue).sort()).toEqual(['bybit-inverse', 'bybit-linear']);
  });
});
