import { afterEach, describe, expect, it } from 'vitest';
import { ManagedSocket } from '../../src/connection/managed-socket.js';
import { silentLogger } from '../../src/log.js';
import { createDeribitParser } from '../../src/venues/deribit/parse.js';
import { deribitSocketPlan } from '../../src/venues/deribit/plan.js';
import type { SocketPlan } from '../../src/venues/venue.js';
import { DeribitServer } from '../support/deribit-server.js';
import { fixture } from '../support/fixtures.js';
import { until } from '../support/until.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function connect(plan: (url: string) => SocketPlan) {
  const server = await DeribitServer.start();
  const parse = createDeribitParser();
  const events: unknown[] = [];
  const refusals: string[] = [];
  const socket = new ManagedSocket(
    plan(server.url),
    {
      onFrame: (frame, recv) => {
        const r = parse(frame, recv);
        if (r.ok) events.push(...r.events);
      },
      onGap: () => {},
      onUp: () => {},
      onReconnect: () => {},
      onSubscribeError: (e) => refusals.push(e),
    },
    silentLogger(),
    { backoff: { initialMs: 20, maxMs: 100 }, stableAfterMs: 10_000 },
  );
  socket.start();
  cleanup.push(() => server.close(), () => socket.stop());
  return { server, events, refusals };
}

describe('Deribit plan against a local Deribit', () => {
  it('answers every test_request with public/test, also after a reconnect, and delivers liquidations', async () => {
    const t = await connect((url) => deribitSocketPlan(url));
    await until(() => t.server.subscribed('trades.future.any.100ms') && t.server.tests === 1, 'subscribed and test answered');
    const data = (JSON.parse(fixture('deribit-trades-1.json')) as { params: { data: unknown[] } }).params.data;
    expect(t.server.publish('trades.future.any.100ms', data)).toBe(1);
    await until(() => t.events.length === 1, 'liquidation');

    for (const ws of t.server.subscriptions.keys()) ws.terminate();
    await until(() => t.server.testRequests === 2 && t.server.tests === 2 && t.server.subscribed('trades.future.any.100ms'), 'resubscribed and answered again');
    expect(t.refusals).toEqual([]);
  });

  it('a channel the venue leaves out of its subscribe answer is reported as refused', async () => {
    const t = await connect((url) => deribitSocketPlan(url, ['trades.future.any.raw']));
    await until(() => t.refusals.length === 1, 'refusal');
    expect(t.refusals).toEqual(['not subscribed: trades.future.any.raw']);
  });
});
