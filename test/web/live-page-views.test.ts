import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { isPageAsset, servePageAsset } from '../../src/web/page-assets.js';
import { openBrowser, type Browser, type Page } from '../support/chromium.js';
import { buildPage } from '../support/page-build.js';
import { until } from '../support/until.js';

// The live page's views against API answers of the shapes in docs/api.md, including the per-coin totals,
// per-coin minutes and funding that servers before issue 21 do not have (the page hides those views there),
// and the empty states. One browser for the file; a stub server per scenario.

const T = Date.UTC(2025, 9, 10, 21, 0);
const MIN = 60_000;
const WINDOWS = ['1m', '5m', '1h', '24h'];
const ls = (longUsd: number, shortUsd: number) => ({ longUsd, shortUsd });
const windows = (scale: number) => Object.fromEntries(WINDOWS.map((w, i) => [w, { usd: scale * (i + 1) * 3, longUsd: scale * (i + 1) * 2, shortUsd: scale * (i + 1), count: i + 1 }]));
const bases = {
  BTC: { count: 40, usd: 9_000_000.5, longUsd: 6_000_000.25, shortUsd: 3_000_000.25, adlUsd: 125_000, venues: ['binance-usdm', 'hyperliquid'], mark: '≥', windows: windows(100_000) },
  ETH: { count: 12, usd: 1_500_000, longUsd: 1_000_000, shortUsd: 500_000, adlUsd: 0, venues: ['bybit-linear'], mark: '', windows: windows(10_000) },
};
const totals = (count: number) => ({
  asOf: count ? T : null,
  windowsEnd: T,
  usd: count ? 10_500_000.5 : 0,
  count,
  lowerBound: count > 0,
  byVenue: count ? { 'binance-usdm': { ...ls(5e6, 1e6), count: 30, lowerBound: true, fidelity: 'sampled' }, hyperliquid: { ...ls(2e6, 2.5e6), count: 22, lowerBound: false, fidelity: 'complete' } } : {},
  adl: count ? { hyperliquid: { ...ls(100_000, 25_000), count: 3 } } : {},
  ...(count ? { vault: { hyperliquid: { ...ls(40_000, 0), count: 1 } }, defi: {
          usd: 1234.5,
          count: 2,
          debtUsd: 1180,
          retracted: { usd: 0, count: 0 },
          byProtocol: { 'aave-v3': { byChain: { ethereum: { usd: 1234.5, debtUsd: 1180, count: 2 } } } },
          windows: Object.fromEntries(['1m', '5m', '1h', '24h'].map((w) => [w, { usd: 1234.5, byProtocol: { 'aave-v3': { ethereum: 1234.5 } } }])),
        },
      }
    : {}),
  gaps: 0,
  windows: Object.fromEntries(WINDOWS.map((w) => [w, { usd: count ? 1e6 : 0, byVenue: count ? { 'binance-usdm': ls(4e5, 1e5), hyperliquid: ls(3e5, 2e5) } : {} }])),
  openInterest: {},
  topSymbols: [],
  status: { mode: 'run', venues: { 'binance-usdm': count > 0, 'bybit-linear': false } },
});
const liquidation = (id: string, base: string, usd: number, t: number) => ({ type: 'liquidation', id, venue: 'binance-usdm', symbol: `${base}USDT`, base, side: 'long', price: 100, qty: usd / 100, notionalUsd: usd, eventTime: t, receiveTime: t, fidelity: 'sampled', kind: 'liquidation', source: 'test' });
const minutes = Array.from({ length: 60 }, (_, i) => ({ minute: T - (59 - i) * MIN, usd: 3000, count: 2, lowerBound: false, byVenue: { 'binance-usdm': { ...ls(2000, 0), count: 1, lowerBound: true }, hyperliquid: { ...ls(0, 1000), count: 1, lowerBound: false } } }));
const coinMinutes = minutes.map((m, i) => ({ minute: m.minute, longUsd: 2000, shortUsd: 1000, count: 2, price: 100_000 + i }));
const funding = [
  { venue: 'binance-usdm', symbol: 'BTCUSDT', base: 'BTC', rate: 0.0001, intervalHours: 8, ratePerHour: 0.0000125, markPrice: 100_000, nextFundingTime: T + 3_600_000, eventTime: T },
  { venue: 'hyperliquid', symbol: 'BTC', base: 'BTC', rate: 0.00002, intervalHours: 1, ratePerHour: 0.00002, markPrice: 100_020, nextFundingTime: T + 600_000, eventTime: T },
  { venue: 'bybit-linear', symbol: 'BTCUSDT', base: 'BTC', rate: -0.0001, intervalHours: 8, ratePerHour: -0.0000125, markPrice: 100_010, nextFundingTime: T + 3_600_000, eventTime: T },
  { venue: 'bybit-linear', symbol: 'ETHUSDT', base: 'ETH', rate: 0.0003, intervalHours: 8, ratePerHour: 0.0000375, markPrice: 3500, nextFundingTime: T + 3_600_000, eventTime: T },
];

type Routes = Record<string, unknown>;
/** A server of the page's files and fixed API answers (keyed by path and query, else by path; else 404). */
async function stub(routes: Routes, stream: unknown[] | null, options: { repeat?: boolean } = {}) {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    asked.push(u.pathname + u.search);
    if (isPageAsset(u.pathname) && servePageAsset(u.pathname, res)) return;
    const body = routes[u.pathname + u.search] ?? routes[u.pathname];
    if (body === undefined) return void res.writeHead(404).end();
    if (body === 400 || body === 500) return void res.writeHead(body, { 'content-type': 'application/json' }).end('{"error":"refused"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  // No stream: upgrades are refused (the connection is closed), as by a server that is going away.
  const wss = stream ? new WebSocketServer({ server, path: '/api/stream' }) : undefined;
  if (!stream) server.on('upgrade', (_req, socket) => socket.destroy());
  wss?.on('connection', (ws) => {
    for (const m of stream!) ws.send(JSON.stringify(m));
    // Totals every second, as liqstream sends them (unless the test wants a server that falls silent).
    if (options.repeat === false) return;
    const again = setInterval(() => ws.send(JSON.stringify(stream![0])), 1000);
    ws.on('close', () => clearInterval(again));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => (wss?.close(), server.closeAllConnections(), server.close(r))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked, wss };
}

const cleanup: (() => Promise<unknown>)[] = [];
let browser: Browser;
beforeAll(async () => {
  buildPage();
  browser = await openBrowser();
  cleanup.push(() => browser.close());
}, 120_000);
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});
async function open(url: string): Promise<Page> {
  const p = await browser.newPage(url, { width: 1440, height: 900 });
  cleanup.push(() => p.close());
  await until(async () => (await p.evaluate<string | undefined>('document.body.dataset.received')) !== undefined, 'the page rendering', 20_000);
  return p;
}
/** A data-* number of the first element matching `selector`; NaN when there is none yet (NaN itself does not cross the DevTools protocol as a value). */
const num = async (p: Page, selector: string, attr = 'usd') => Number((await p.evaluate<string | null>(`document.querySelector(${JSON.stringify(selector)})?.dataset.${attr} ?? null`)) ?? NaN);

describe('the live page per coin, with funding, ADL, vaults and DeFi (issue 21 §3)', () => {
  it('shows BTC across venues with the figures of /api/totals?by=base, its funding and mark price, and asks the tape per coin', async () => {
    const full = totals(52);
    const { url, asked } = await stub(
      {
        '/api/totals': full,
        '/api/totals?by=base': { asOf: T, windowsEnd: T, by: 'base', bases },
        '/api/minutes?by=base&base=BTC': { minutes: coinMinutes },
        '/api/minutes': { minutes },
        '/api/funding': { asOf: T, funding },
        '/api/liquidations': { liquidations: [liquidation('b2', 'BTC', 20_000, T - 1000), liquidation('b1', 'BTC', 10_000, T - 2000)], completeSince: T - 5000 },
        '/api/venues': { venues: [], summary: 'test' },
        '/api/cascades': { cascades: [] },
      },
      [{ type: 'totals', totals: full }, { type: 'liquidations', events: [liquidation('e1', 'ETH', 50_000, T), liquidation('b3', 'BTC', 30_000, T)] }],
    );
    const p = await open(`${url}/#coin=BTC`);
    await until(async () => !Number.isNaN(await num(p, '#coinview [data-base]')), 'the coin view');
    // The coin view, the windows table and the long/short table: the API's numbers, exactly.
    expect(await num(p, '#coinview [data-base]')).toBe(bases.BTC.usd);
    expect(await num(p, '#coinview [data-base]', 'count')).toBe(bases.BTC.count);
    expect(await num(p, '#coinview [data-adl]', 'adl')).toBe(bases.BTC.adlUsd);
    for (const w of WINDOWS) {
      const x = bases.BTC.windows[w]!;
      expect(await num(p, `#coinview [data-window="${w}"]`), w).toBe(x.usd);
      expect(await num(p, `#totals tr[data-base="BTC"] td[data-window="${w}"]`), w).toBe(x.usd);
      expect(await num(p, `#longshort tr[data-window="${w}"]`, 'long'), w).toBe(x.longUsd);
      expect(await num(p, `#longshort tr[data-window="${w}"]`, 'short'), w).toBe(x.shortUsd);
    }
    for (const [base, b] of Object.entries(bases)) for (const w of ['5m', '1h', '24h']) expect(await num(p, `#coins tr[data-base="${base}"] td[data-window="${w}"]`), `${base} ${w}`).toBe(b.windows[w]!.usd);
    // Mark price: the median of the coin's perpetuals; funding rows of BTC only, largest |rate per hour| first.
    expect(await p.evaluate<string>('document.getElementById("coinview").textContent')).toContain('mark 100010.0');
    expect(await p.evaluate<string[]>('[...document.querySelectorAll("#funding tbody tr")].map((r) => r.dataset.venue)')).toEqual(['hyperliquid', 'binance-usdm', 'bybit-linear']);
    expect(await p.evaluate<boolean>('document.getElementById("fundingbox").hidden')).toBe(false);
    // The tape: asked of the server for BTC; of the stream, only BTC joins it.
    expect(asked).toContain('/api/liquidations?base=BTC&limit=300');
    await until(async () => (await p.evaluate<string[]>('[...document.querySelectorAll("#tapebody tr")].map((r) => r.dataset.id)')).join() === 'b3,b2,b1', 'the BTC tape');
    // How far back the server's answer is complete, as it says (completeSince).
    expect(await p.evaluate<string>('document.getElementById("tapescope").textContent')).toBe('BTC · 3 since 20:59:58 · the server holds every one since 20:59:55');
    // The chart: BTC's minutes with the mark price line.
    await until(async () => (await p.evaluate<string>('document.getElementById("chartlegend").textContent')).includes('mark price'), 'the price line');
    expect(await p.evaluate<string>('document.getElementById("charttitle").textContent')).toMatch(/^BTC · last hour/);
    expect(asked).toContain('/api/minutes?by=base&base=BTC');
    // ADL, vaults and on-chain lending.
    expect(await num(p, '#adl tr[data-venue="hyperliquid"]')).toBe(125_000);
    expect(await num(p, '#vault tr[data-venue="hyperliquid"]')).toBe(40_000);
    expect(await p.evaluate<boolean>('document.getElementById("defi").hidden')).toBe(false);
    expect(await num(p, '#defitotals tr[data-protocol="aave-v3"][data-chain="ethereum"] td[data-window="24h"]')).toBe(1234.5);
    expect(await num(p, '#defitotals tr[data-protocol="all"] td[data-window="1h"]')).toBe(1234.5);

    // The 24 h chart, in the link too.
    await p.evaluate('document.getElementById("range24h").click()');
    await until(async () => (await p.evaluate<string>('document.getElementById("charttitle").textContent')).startsWith('BTC · last 24 h'), 'the 24 h chart');
    expect(await p.evaluate<string>('location.hash')).toBe('#coin=BTC&range=24h');
    await p.evaluate('document.getElementById("range1h").click()');

    // All coins again (a click on the selected row): the per-venue windows, summed long/short per window.
    await p.evaluate('document.querySelector(\'#coins tr[data-base="BTC"]\').click()');
    await until(async () => (await p.evaluate<string>('location.hash')) === '', 'the coin filter cleared');
    await until(async () => !Number.isNaN(await num(p, '#totals tr[data-venue="all"] td[data-window="1h"]')), 'all venues');
    expect(await num(p, '#longshort tr[data-window="1h"]', 'long')).toBe(7e5);
    expect(await num(p, '#longshort tr[data-window="1h"]', 'short')).toBe(3e5);
    expect(p.errors()).toEqual([]);
  }, 90_000);

  it('on a server without per-coin totals or funding (400/404): those views hidden, a coin from a link ignored', async () => {
    const full = totals(52);
    const { url, asked } = await stub(
      { '/api/totals': full, '/api/totals?by=base': 400, '/api/minutes': { minutes }, '/api/liquidations': { liquidations: [liquidation('b1', 'BTC', 10_000, T)] }, '/api/liquidations?base=BTC&limit=300': 400 },
      [{ type: 'totals', totals: full }],
    );
    const p = await open(`${url}/#coin=BTC`);
    await until(async () => (await p.evaluate<number>('document.querySelectorAll("#tapebody tr[data-id]").length')) === 1, 'the unfiltered tape');
    expect(await p.evaluate<boolean[]>('["coinbox", "coinpick", "fundingbox"].map((id) => document.getElementById(id).hidden)')).toEqual([true, true, true]);
    expect(asked).toContain('/api/liquidations?limit=300');
    await until(async () => (await p.evaluate<string>('document.getElementById("charttitle").textContent')).startsWith('all coins · last hour'), 'the all-coins chart');
    expect(await p.evaluate<string>('document.getElementById("chartlegend").textContent')).not.toContain('mark price');
    expect(p.errors()).toEqual([]);
  }, 60_000);

  it('with no data says what is missing (no venue reachable, no liquidations yet) instead of $0 and a 50/50 bar', async () => {
    const empty = totals(0);
    const { url } = await stub({ '/api/totals': empty, '/api/minutes': { minutes: [] }, '/api/liquidations': { liquidations: [] } }, [{ type: 'totals', totals: empty }]);
    const p = await open(`${url}/`);
    await until(async () => (await p.evaluate<string>('document.body.dataset.notice ?? ""')) !== '', 'the notice');
    expect(await p.evaluate<string>('document.getElementById("notice").textContent')).toBe('No venue reachable: binance-usdm, bybit-linear are disconnected. No liquidations yet.');
    const text = await p.evaluate<string>('document.querySelector("main").innerText');
    expect(text).not.toContain('$0');
    expect(text).toContain('No liquidations yet: nothing to total.');
    expect(text).toContain('No liquidations yet: no long/short share.');
    expect(await p.evaluate<number>('document.querySelectorAll(".bar").length')).toBe(0);
    expect(await p.evaluate<string>('document.getElementById("tapebody").textContent')).toBe('No liquidations yet.');
    await until(async () => (await p.evaluate<string>('document.getElementById("chartnote").textContent')) === 'No liquidations in the last hour.', 'the empty chart note');
    expect(p.errors()).toEqual([]);
  }, 60_000);
});

describe('the page files (page-assets.ts)', () => {
  it('serves the page, its compiled modules and uPlot from the package, with a CSP; nothing else under /page/', async () => {
    const { url } = await stub({}, []);
    const root = await fetch(`${url}/`);
    expect(root.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await root.text()).toContain('<script type="module" src="/page/app.js">');
    const app = await fetch(`${url}/page/app.js`);
    expect(app.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await app.text()).toContain('/api/stream');
    const uplot = Buffer.from(await (await fetch(`${url}/page/uPlot.iife.min.js`)).arrayBuffer());
    expect(uplot.equals(readFileSync(join(dirname(createRequire(import.meta.url).resolve('uplot')), 'uPlot.iife.min.js')))).toBe(true);
    for (const bad of ['/page/', '/page/nothing.js', '/page/%2e%2e/%2e%2e/package.json', '/page/app.ts', '/page/tsconfig.json']) expect((await fetch(`${url}${bad}`)).status, bad).toBe(404);
  });
});

describe('the live page when its server falls silent or cannot be reached (issue 21 §3)', () => {
  it('a stream that stops without closing: not current within 5 s, then live again after a reconnection', async () => {
    const full = totals(52);
    const { url, wss } = await stub({ '/api/totals': full, '/api/minutes': { minutes }, '/api/liquidations': { liquidations: [] } }, [{ type: 'totals', totals: full }], { repeat: false });
    const p = await open(`${url}/`);
    await until(async () => (await p.evaluate<string>('document.body.dataset.stale')) === 'false', 'live');
    const t0 = Date.now();
    await until(async () => (await p.evaluate<string>('document.body.dataset.stale')) === 'true', 'stale without a close', 5_000);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await p.evaluate<string>('document.getElementById("conn").textContent')).toMatch(/^not current: last update \d+ s ago$/);
    // The server drops the connection: the page reconnects (every 2 s) and is current again on the first totals.
    for (const ws of wss!.clients) ws.terminate();
    await until(async () => (await p.evaluate<string>('document.body.dataset.stale')) === 'false', 'live again after reconnecting', 8_000);
    expect(p.errors()).toEqual([]);
  }, 60_000);

  it('a server that answers the page but not the API: says it cannot reach it', async () => {
    const { url } = await stub({ '/api/totals': 500 as unknown }, null);
    const p = await browser.newPage(`${url}/`, { width: 1440, height: 900 });
    cleanup.push(() => p.close());
    await until(async () => (await p.evaluate<string>('document.getElementById("notice").textContent')).startsWith('Cannot reach the liqstream server at 127.0.0.1:'), 'the notice');
    expect(await p.evaluate<string>('document.body.dataset.stale')).toBe('true');
    expect(await p.evaluate<string>('document.getElementById("conn").textContent')).toBe('cannot reach the server');
  }, 60_000);
});
