import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { hyperliquidVenue } from '../../src/venues/hyperliquid/index.js';
import { tempDir } from '../support/recording.js';
import { HLP_VAULT, fetchHlpLiquidators } from '../../src/venues/hyperliquid/vaults.js';

const LIQ_A = '0x' + 'a1'.repeat(20);
const LIQ_B = '0x' + 'b2'.repeat(20);
const STRATEGY = '0x' + 'c3'.repeat(20);
const TRADER = '0x7ba283114573bde6fd304ad7b188a763e5402a52';
const silent = { info() {}, warn() {}, error() {}, debug() {} } as never;

// A local stand-in for POST /info: HLP with three children, two named Liquidator, one market-making strategy.
const details: Record<string, unknown> = {
  [HLP_VAULT]: { name: 'Hyperliquidity Provider (HLP)', vaultAddress: HLP_VAULT, relationship: { type: 'parent', data: { childAddresses: [STRATEGY, LIQ_B, LIQ_A] } } },
  [STRATEGY]: { name: 'HLP Strategy A', vaultAddress: STRATEGY, relationship: { type: 'child', data: { parentAddress: HLP_VAULT } } },
  [LIQ_A]: { name: 'HLP Liquidator', vaultAddress: LIQ_A, relationship: { type: 'child' } },
  [LIQ_B]: { name: 'HLP Liquidator 2', vaultAddress: LIQ_B, relationship: { type: 'child' } },
};
let server: Server;
let url = '';
const requests: unknown[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const q = JSON.parse(body) as { type: string; vaultAddress?: string };
      requests.push(q);
      res.setHeader('content-type', 'application/json');
      if (q.type === 'metaAndAssetCtxs') res.end(JSON.stringify([{ universe: [{ name: 'SOL', szDecimals: 2 }] }, [{ markPx: '67.5', openInterest: '100' }]]));
      else if (q.type === 'vaultDetails' && req.url === '/broken/info') res.writeHead(500).end('null');
      else if (q.type === 'vaultDetails' && q.vaultAddress && details[q.vaultAddress]) res.end(JSON.stringify(details[q.vaultAddress]));
      else res.writeHead(400).end('null');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const tradesFrame = (vault: string) =>
  JSON.stringify({ channel: 'trades', data: [{ coin: 'SOL', side: 'B', px: '67.5', sz: '2', time: 1770337193454, tid: 5, users: [vault, TRADER] }] });

describe('HLP liquidator vaults from vaultDetails', () => {
  it('reads HLP childAddresses and keeps the children named Liquidator, never a strategy vault', async () => {
    expect(await fetchHlpLiquidators({ baseUrl: url })).toEqual([LIQ_A, LIQ_B]);
    expect(requests).toContainEqual({ type: 'vaultDetails', vaultAddress: HLP_VAULT });
  });

  it('discovery hands the venue’s list to the parser; a vault missing from the built-in list is seen', async () => {
    const venue = hyperliquidVenue();
    const meta = await venue.discover({ log: silent, restUrl: url, options: { source: 'public' } });
    expect(meta).toEqual({ symbols: ['SOL'], liquidators: [LIQ_A, LIQ_B] });
    const parse = venue.parser(meta, { log: silent, options: {} });
    const r = parse(tradesFrame(LIQ_B), 1);
    expect(r.ok && r.events.map((e) => e.type === 'liquidation' && [e.side, e.kind])).toEqual([['long', 'backstop']]);
    expect(parse(tradesFrame(STRATEGY), 1)).toEqual({ ok: true, events: [] });
  });

  it('when vaultDetails fails, discovery keeps the markets and the parser the configured list', async () => {
    const venue = hyperliquidVenue();
    const broken = `${url}/broken`;
    await expect(fetchHlpLiquidators({ baseUrl: broken })).rejects.toThrow(/HTTP 500/);
    const meta = await venue.discover({ log: silent, restUrl: broken, options: { liquidators: [STRATEGY] } });
    expect(meta).toEqual({ symbols: ['SOL'] });
    const parse = venue.parser(meta, { log: silent, options: { liquidators: [STRATEGY] } });
    const r = parse(tradesFrame(STRATEGY), 1);
    expect(r.ok && r.events.length).toBe(1);
  });
});

describe('HLP liquidator vaults, refreshed', () => {
  it('watch re-reads vaultDetails every refreshMs; the running parser sees a new liquidator without a restart', async () => {
    const venue = hyperliquidVenue();
    const ctx = { log: silent, restUrl: url, options: { discover: true, refreshMs: 30 } };
    const meta = await venue.discover(ctx);
    const parse = venue.parser(meta, ctx);
    const LIQ_C = '0x' + 'd4'.repeat(20);
    expect(parse(tradesFrame(LIQ_C), 1)).toEqual({ ok: true, events: [] });
    details[LIQ_C] = { name: 'HLP Liquidator 3', vaultAddress: LIQ_C };
    (details[HLP_VAULT] as { relationship: { data: { childAddresses: string[] } } }).relationship.data.childAddresses.push(LIQ_C);
    const watcher = venue.watch!(meta, ctx, () => {});
    try {
      const deadline = Date.now() + 5_000;
      while (meta.liquidators?.length !== 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(meta.liquidators).toEqual([LIQ_A, LIQ_B, LIQ_C]);
      const r = parse(tradesFrame(LIQ_C), 1);
      expect(r.ok && r.events.map((e) => e.type === 'liquidation' && e.kind)).toEqual(['backstop']);
    } finally {
      await watcher?.stop();
      delete details[LIQ_C];
      (details[HLP_VAULT] as { relationship: { data: { childAddresses: string[] } } }).relationship.data.childAddresses.pop();
    }
    // Discovery off: no refresh.
    expect(venue.watch!(meta, { ...ctx, options: { discover: false, refreshMs: 30 } }, () => {})).toBeUndefined();
  });
});

describe('venues.hyperliquid.liquidators (config)', () => {
  const load = (liquidators: unknown) => {
    const file = join(tempDir(), 'config.yaml');
    writeFileSync(file, stringify({ venues: { hyperliquid: { liquidators } } }));
    return loadConfig({ file, env: {} });
  };
  it('takes a list of 0x addresses and refuses anything else, naming the field', () => {
    expect(load([LIQ_A]).venues.hyperliquid?.liquidators).toEqual([LIQ_A]);
    expect(() => load(['0x12'])).toThrow(/^config error: venues\.hyperliquid\.liquidators\.0: expected a 0x address of 40 hex digits/);
    expect(() => load([])).toThrow(/venues\.hyperliquid\.liquidators/);
  });
});
