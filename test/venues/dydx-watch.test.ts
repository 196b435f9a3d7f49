import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { dydxVenue } from '../../src/venues/dydx/index.js';
import type { Poller, SocketPlan, VenueMetadata } from '../../src/venues/venue.js';
import { DydxServer } from '../support/dydx-server.js';
import { until } from '../support/until.js';

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const market = (ticker: string, status = 'ACTIVE') => ({ ticker, status, oraclePrice: '1', openInterest: '0' });

describe('dYdX market-list refresh', () => {
  it('a failed discovery watches the built-in markets as partial; the first refresh that reads the list subscribes new listings and clears partial', async () => {
    const server = await DydxServer.start();
    cleanup.push(() => server.close());
    const log = silentLogger();
    const meta: VenueMetadata = {};
    dydxVenue().plans(meta, { log });
    expect(meta.partial).toEqual({ active: true });

    const added: SocketPlan[][] = [];
    const module = dydxVenue();
    server.markets = { 'BTC-USD': market('BTC-USD'), 'NEW-USD': market('NEW-USD'), 'OLD-USD': market('OLD-USD', 'FINAL_SETTLEMENT') };
    const watcher: Poller = module.watch!(meta, { log, restUrl: server.restUrl, url: server.url, options: { refreshMs: 50, discover: true } }, (plans) => added.push(plans))!;
    cleanup.push(() => watcher.stop());
    await until(() => added.length === 1 && meta.partial?.active === false, 'new listing subscribed and partial cleared');
    expect(added[0]!.map((p) => [p.name, p.subscribe])).toEqual([['dydx-listed1-1', ['{"type":"subscribe","channel":"v4_trades","id":"NEW-USD"}']]]);
    // Later refreshes find nothing new.
    const requests = server.restRequests;
    await until(() => server.restRequests >= requests + 2, 'two more refreshes');
    expect(added).toHaveLength(1);
  });

  it('a refresh that fails keeps the venue partial; no watch with discovery off', async () => {
    const log = silentLogger();
    const meta: VenueMetadata = {};
    dydxVenue().plans(meta, { log });
    let failures = 0;
    const counting = { ...log, warn: () => void (failures += 1) } as unknown as typeof log;
    const watcher = dydxVenue().watch!(meta, { log: counting, restUrl: 'http://127.0.0.1:9', options: { refreshMs: 20, discover: true } }, () => {})!;
    cleanup.push(() => watcher.stop());
    await until(() => failures >= 2, 'two failed refreshes');
    expect(meta.partial).toEqual({ active: true });
    expect(dydxVenue().watch!(meta, { log, options: { refreshMs: 20, discover: false } }, () => {})).toBeUndefined();
  });
});
