import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { GapEvent } from '../../src/schema/events.js';
import { startConnectors } from '../../src/service/connectors.js';
import { BinanceServer } from '../support/binance-server.js';
import { onlyVenues } from '../support/config-file.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('connectors started after a predecessor (its watch mark)', () => {
  it('record one gap per venue the predecessor watched, from where it stopped to the subscription, absorbing the start-up gap of a first connection that failed', async () => {
    const port = await freePort();
    const coinm = await BinanceServer.start();
    cleanup.push(() => coinm.close());
    const config = loadConfig({
      env: {},
      overrides: {
        connection: { backoff: { initialMs: 300, maxMs: 300 } },
        venues: onlyVenues({
          'binance-usdm': { url: `ws://127.0.0.1:${port}/stream`, discover: false, oiPollMs: 0 },
          'binance-coinm': { url: coinm.url, discover: false, oiPollMs: 0 },
        }),
      },
    });
    const gaps: GapEvent[] = [];
    const sink = { handleFrame: () => {}, gap: (venue: string, from: number, to: number, reason: string) => void gaps.push({ type: 'gap', venue, from, to, reason }) };
    // The predecessor watched USD-M until 5 s ago; COIN-M is new in this process (not in its mark): no gap for it.
    const since = Date.now() - 5_000;
    const connectors = await startConnectors(config, { sink, metrics: createMetrics(), log: silentLogger(), parsers: new Map(), predecessor: { since: { 'binance-usdm': since }, clean: false } });
    cleanup.push(() => connectors.stop());
    // USD-M's venue is unreachable at first: its first connection fails, and the gap stays open meanwhile.
    await new Promise((r) => setTimeout(r, 200));
    expect(connectors.unwatchedSince('binance-usdm')).toBe(since);
    const usdm = await BinanceServer.start(port);
    cleanup.push(() => usdm.close());
    await usdm.subscriptions(1);
    await coinm.subscriptions(1);
    const subscribedBy = Date.now();
    await until(() => gaps.length > 0, 'the restart gap');
    await new Promise((r) => setTimeout(r, 200));
    // One gap, not two overlapping ones (ManagedSocket's own start-up gap after a failed first attempt is inside it).
    expect(gaps).toEqual([{ type: 'gap', venue: 'binance-usdm', from: since, to: expect.any(Number), reason: 'connector process died (no clean shutdown) until restarted' }]);
    expect(gaps[0]!.to).toBeLessThanOrEqual(subscribedBy);
    expect(connectors.unwatchedSince('binance-usdm')).toBeUndefined();
    expect(connectors.unwatchedSince('binance-coinm')).toBeUndefined();
  });
});
