import { afterEach, describe, expect, it } from 'vitest';
import { ManagedSocket } from '../../src/connection/managed-socket.js';
import type { GapEvent } from '../../src/schema/events.js';
import { binanceSocketPlan } from '../../src/venues/binance/plan.js';
import { BinanceServer } from '../support/binance-server.js';
import { binanceFrames } from '../support/fixtures.js';
import { testPipeline } from '../support/pipeline.js';
import { until } from '../support/until.js';

const { raw } = binanceFrames();
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(planOverrides: Partial<ReturnType<typeof binanceSocketPlan>> = {}, drainMs = 500) {
  const server = await BinanceServer.start();
  const p = await testPipeline();
  const up: boolean[] = [];
  let reconnects = 0;
  const socket = new ManagedSocket(
    { ...binanceSocketPlan('binance-usdm', server.url), pingIntervalMs: 50, silenceTimeoutMs: 300, ...planOverrides },
    {
      onFrame: (frame, recv) => p.ingestor.handleFrame({ venue: 'binance-usdm', recv, frame }),
      onGap: (from, to, reason) => void p.ingestor.gap('binance-usdm', from, to, reason),
      onUp: (u) => up.push(u),
      onReconnect: () => (reconnects += 1),
      onSubscribeError: () => {},
    },
    p.log,
    { backoff: { initialMs: 20, maxMs: 100 }, stableAfterMs: 10_000, drainMs },
  );
  socket.start();
  cleanup.push(() => server.close(), () => p.close(), () => socket.stop());
  const liquidations = () => p.applied.filter((e) => e.type === 'liquidation');
  const gaps = () => p.applied.filter((e): e is GapEvent => e.type === 'gap');
  return { server, p, socket, up, reconnects: () => reconnects, liquidations, gaps };
}

describe('managed connection against a local Binance server', () => {
  it('reconnects after a server cut and after silence, resubscribes, reports each gap, loses nothing sent after reconnection', async () => {
    const t = await setup();
    await t.server.subscriptions(1);
    expect(t.server.send(raw.usdm1)).toBe(1);
    await until(() => t.liquidations().length === 1, 'first event');

    t.server.dropAll();
    await t.server.subscriptions(2);
    expect(t.server.send(raw.usdm2)).toBe(1);
    await until(() => t.liquidations().length === 2, 'event after reconnect');

    // Half-dead connection: no pongs, no frames. Only the silence timeout can notice.
    t.server.muteAll();
    await t.server.subscriptions(3);
    const usdm3 = JSON.stringify({ e: 'forceOrder', E: 1698871323061, o: JSON.parse(raw.usdm3).o as unknown });
    expect(t.server.send(usdm3)).toBe(1);
    await until(() => t.liquidations().length === 3 && t.gaps().length === 2, 'event after silence');

    expect(t.server.connections).toBe(3);
    expect(t.liquidations().map((e) => e.type === 'liquidation' && e.eventTime)).toEqual([1568014460893, 1665523974217, 1698871323059]);
    const [cut, silence] = t.gaps();
    expect(cut!.reason).toMatch(/^closed 1006/);
    expect(silence!.reason).toBe('silence');
    for (const g of t.gaps()) expect(g.to).toBeGreaterThanOrEqual(g.from);
    expect(t.up).toEqual([true, false, true, false, true]);
    expect(t.reconnects()).toBe(2);
    expect(await t.p.metricValue('liqstream_gaps_total', { venue: 'binance-usdm' })).toBe(2);
    expect(t.p.aggregator.totalsSnapshot().byVenue['binance-usdm']).toEqual({ longUsd: 309.65, shortUsd: 50237.0889, count: 3, lowerBound: true });
  });

  it('rolls over before the maximum connection age without a gap or a double count', async () => {
    const t = await setup({ maxConnectionMs: 1_500, silenceTimeoutMs: 5_000 });
    await t.server.subscriptions(2); // the original and its replacement
    expect(t.server.clients.size).toBe(2); // overlap of old and new connection
    // Sent on both sockets during the overlap: must be counted once.
    expect(t.server.send(raw.usdm1)).toBe(2);
    await until(() => t.liquidations().length === 1, 'event during overlap');
    await until(() => t.server.clients.size === 1, 'old connection closed', 5_000);
    t.server.send(raw.usdm2);
    await until(() => t.liquidations().length === 2, 'event after rollover');
    expect(t.gaps()).toEqual([]);
    expect(t.p.ingestor.stats.duplicates).toBe(1);
    expect(t.up.filter((u) => !u)).toEqual([]);
  });
});
