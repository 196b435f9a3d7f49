import { afterEach, describe, expect, it } from 'vitest';
import { ManagedSocket } from '../../src/connection/managed-socket.js';
import { createLogger } from '../../src/log.js';
import { htxSocketPlan } from '../../src/venues/htx/plan.js';
import type { SocketPlan } from '../../src/venues/venue.js';
import { fixture } from '../support/fixtures.js';
import { HtxServer } from '../support/htx-server.js';
import { until } from '../support/until.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function connect(plan: SocketPlan) {
  const frames: string[] = [];
  let reconnects = 0;
  const socket = new ManagedSocket(
    plan,
    { onFrame: (f) => void frames.push(f), onGap: () => {}, onUp: () => {}, onReconnect: () => (reconnects += 1), onSubscribeError: () => {} },
    createLogger('silent'),
    { backoff: { initialMs: 20, maxMs: 100 }, stableAfterMs: 10_000 },
  );
  socket.start();
  cleanup.push(() => socket.stop());
  return { frames, reconnects: () => reconnects };
}

describe('ManagedSocket with decode and reply (HTX: gzip frames, server pings)', () => {
  it('hands on inflated JSON text and answers every server ping, so the venue keeps the connection', async () => {
    // Five unanswered pings (half a second) before the server gives up: room for a loaded machine.
    const server = await HtxServer.start({ pingMs: 100, maxMissedPongs: 5 });
    cleanup.push(() => server.close());
    const c = await connect(htxSocketPlan(server.url));
    await until(() => server.subscribed(), 'the subscription');
    expect(server.publish('BTC-USDT', fixture('htx-linear-liquidation-orders-1.json'))).toBe(1);
    await until(() => server.pongs >= 6, 'six pongs');
    expect(c.frames).toContain(fixture('htx-linear-liquidation-orders-1.json'));
    expect(c.frames[0]).toMatch(/^\{"op":"sub","cid":"liqstream-liquidations","topic":"public\.\*\.liquidation_orders","ts":\d+,"err-code":0\}$/);
    expect(server.closedForMissingPongs).toBe(0);
    expect(c.reconnects()).toBe(0);
  });

  it('without reply the venue closes the connection for missing pongs (why the plan needs it)', async () => {
    const server = await HtxServer.start({ pingMs: 50, maxMissedPongs: 2 });
    cleanup.push(() => server.close());
    const { reply: _unused, ...silent } = htxSocketPlan(server.url);
    const c = await connect(silent);
    await until(() => c.reconnects() >= 1, 'a reconnect after the venue closed the connection');
    expect(server.closedForMissingPongs).toBeGreaterThanOrEqual(1);
    expect(server.pongs).toBe(0);
  });
});
