import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { isPageAsset, servePageAsset } from '../../src/web/page-assets.js';
import { openPage } from '../support/chromium.js';
import { buildPage } from '../support/page-build.js';
import { until } from '../support/until.js';

// The schema refuses hostile names (test/schema/market-symbol.test.ts), but the page must not depend on it:
// whatever string an API answer carries is rendered as text. Here every string the page renders from the API
// (venue ids, symbols, names, summary, status, cascade leader) is markup that would set window.__pwned if parsed.
const PAYLOAD = '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">';
const hostile = (what: string) => `${what}${PAYLOAD}`;
const T = 1_760_130_000_000;

const liquidationEvent = {
  type: 'liquidation',
  id: 'x1',
  venue: hostile('venue'),
  symbol: hostile('symbol'),
  base: 'BTC',
  side: 'long',
  price: 100,
  qty: 1,
  notionalUsd: 100,
  eventTime: T,
  receiveTime: T,
  fidelity: 'complete',
  kind: 'liquidation',
  source: 'test',
};
const windows = Object.fromEntries(['1m', '5m', '1h', '24h'].map((w) => [w, { usd: 100, byVenue: { [hostile('venue')]: { longUsd: 100, shortUsd: 0 } } }]));
const totals = {
  asOf: T,
  windowsEnd: T,
  usd: 100,
  count: 1,
  lowerBound: false,
  byVenue: { [hostile('venue')]: { longUsd: 100, shortUsd: 0, count: 1, lowerBound: false, fidelity: 'complete' } },
  adl: {},
  gaps: 0,
  windows,
  openInterest: { [hostile('venue')]: { usd: 1e9, ageSeconds: 1, change1h: null } },
  topSymbols: [{ venue: hostile('venue'), symbol: hostile('symbol'), windows: { '1m': 100, '5m': 100, '1h': 100, '24h': 100 } }],
  status: { mode: 'run', venues: { [hostile('venue')]: true } },
};
const api: Record<string, unknown> = {
  '/api/venues': { venues: [{ id: hostile('id'), name: hostile('name'), lowerBound: false }], summary: hostile('summary') },
  '/api/cascades': { cascades: [{ type: 'cascade', phase: 'start', start: T, peakMinute: T, peakMinuteUsd: 1, totalUsd: 1, longShare: 1, oiDrawdownPct: null, ledBy: hostile('leader') }] },
  '/api/liquidations': { liquidations: [liquidationEvent] },
  '/api/totals': totals,
};

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('the live page renders API strings as text', () => {
  it('hostile venue ids, symbols, names and cascade leaders appear literally and run nothing', async () => {
    buildPage();
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (isPageAsset(path) && servePageAsset(path, res)) return;
      const body = api[path];
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    const wss = new WebSocketServer({ server, path: '/api/stream' });
    wss.on('connection', (ws) => {
      ws.send(JSON.stringify({ type: 'totals', totals }));
      ws.send(JSON.stringify({ type: 'liquidations', events: [{ ...liquidationEvent, id: 'x2' }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => (wss.close(), server.close(r))));
    const page = await openPage(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    cleanup.push(() => page.close());

    // Rendered: the totals row, the tape (two rows), the top symbols, the venue list and the banner.
    await until(async () => (await page.evaluate<number>('document.querySelectorAll("#tapebody tr").length')) === 2 && (await page.evaluate<string>('document.getElementById("coverage").textContent')).includes('summary'), 'page rendered');
    await until(async () => (await page.evaluate<string>('document.getElementById("banner").textContent')).includes('leader'), 'banner shown');
    expect(await page.evaluate<number>('document.querySelectorAll("img").length')).toBe(0);
    expect(await page.evaluate<unknown>('window.__pwned')).toBeUndefined();
    expect(page.errors()).toEqual([]);
    const text = await page.evaluate<string>('document.body.innerText');
    for (const what of ['venue', 'symbol', 'name', 'summary', 'leader', 'id']) expect(text.includes(hostile(what)) || what === 'name', what).toBe(true);
    // The name is a title attribute: an attribute value, not markup.
    expect(await page.evaluate<string>('document.querySelector("#coverage span").title')).toBe(hostile('name'));
  }, 90_000);
});
