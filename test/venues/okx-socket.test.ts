import { afterEach, describe, expect, it } from 'vitest';
import { ManagedSocket } from '../../src/connection/managed-socket.js';
import { silentLogger } from '../../src/log.js';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { createOkxParser } from '../../src/venues/okx/parse.js';
import { okxSocketPlan } from '../../src/venues/okx/plan.js';
import { OkxServer, type OkxServerOptions } from '../support/okx-server.js';
import { until } from '../support/until.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(options: OkxServerOptions = {}) {
  const server = await OkxServer.start(options);
  const parse = createOkxParser();
  const events: NormalizedEvent[] = [];
  const rejected: string[] = [];
  const refusals: string[] = [];
  let reconnects = 0;
  const socket = new ManagedSocket(
    // Fast keepalive for the test: the venue's own 20 s ping and 60 s silence scaled down.
    { ...okxSocketPlan(server.url), pingIntervalMs: 50, silenceTimeoutMs: 1_000 },
    {
      onFrame: (frame, recv) => {
        const r = parse(frame, recv);
        if (r.ok) events.push(...r.events);
        else rejected.push(r.reason);
      },
      onGap: () => {},
      onUp: () => {},
      onReconnect: () => (reconnects += 1),
      onSubscribeError: (e) => refusals.push(e),
    },
    silentLogger(),
    { backoff: { initialMs: 20, maxMs: 100 }, stableAfterMs: 10_000 },
  );
  socket.start();
  cleanup.push(() => server.close(), () => socket.stop());
  return { server, events, rejected, refusals, reconnects: () => reconnects };
}

const detail = { bkLoss: '0', bkPx: '100000', ccy: '', posSide: 'net', side: 'sell', sz: '2', ts: '1760130899123' };

describe('OKX socket against a local OKX server', () => {
  it('subscribes SWAP and FUTURES, keeps a quiet connection alive with text ping/pong, and reconnects and resubscribes after silence', async () => {
    const t = await setup();
    await t.server.acks(2);
    // Pongs alone keep it up: six ping intervals with no data and no reconnect.
    await until(() => t.server.pings >= 6, 'pings');
    expect(t.reconnects()).toBe(0);
    expect(t.rejected).toEqual([]);

    expect(t.server.push('FUTURES', [{ instId: 'BTC-USD-251226', instType: 'FUTURES', details: [detail] }])).toBe(1);
    await until(() => t.events.length === 1, 'first event');

    // Half-dead connection: no pongs, no frames. The silence timeout notices; the new socket resubscribes.
    t.server.muteAll();
    await t.server.acks(4);
    expect(t.server.push('SWAP', [{ instId: 'BTC-USDT-SWAP', instType: 'SWAP', details: [detail] }])).toBe(1);
    await until(() => t.events.length === 2, 'event after reconnect');
    expect(t.events.map((e) => (e.type === 'liquidation' ? [e.symbol, e.notionalUsd] : []))).toEqual([
      ['BTC-USD-251226', 200],
      ['BTC-USDT-SWAP', 2 * 0.01 * 100000],
    ]);
    expect(t.server.connections).toBe(2);
    expect(t.reconnects()).toBe(1);
  });

  it('a refused subscription is recognised (counted and logged) and dead-lettered; the accepted one still delivers', async () => {
    const t = await setup({ refuse: ['FUTURES'] });
    await t.server.acks(1);
    await until(() => t.refusals.length === 1, 'refusal');
    expect(t.refusals).toEqual(['60012 Invalid request: {"channel":"liquidation-orders","instType":"FUTURES"}']);
    expect(t.rejected).toEqual(['OKX error 60012: Invalid request: {"channel":"liquidation-orders","instType":"FUTURES"}']);
    expect(t.server.push('FUTURES', [{ instId: 'BTC-USD-251226', instType: 'FUTURES', details: [detail] }])).toBe(0);
    expect(t.server.push('SWAP', [{ instId: 'BTC-USDT-SWAP', instType: 'SWAP', details: [detail] }])).toBe(1);
    await until(() => t.events.length === 1, 'swap event');
  });
});
