import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, type Browser, type Page } from '../support/chromium.js';
import { CLI } from '../support/cli.js';
import { tempDir } from '../support/recording.js';
import { simulated } from '../support/simulated.js';
import { until } from '../support/until.js';

// The live page (issue 21 §3) in headless Chromium against `liqstream replay --metrics-port` of a simulated
// hour of 10 October (20:30–21:30 UTC, the cascade in it): one browser for the file, a page per check.
// LIVE_PAGE_SCREENSHOTS=docs/screenshots writes the desktop and phone screenshots the docs show.

interface Liq {
  id: string;
  venue: string;
  notionalUsd: number;
  eventTime: number;
}
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844, mobile: true };

let browser: Browser;
let replay: ChildProcess;
let url: string;
let stderr = '';
let report: string;
const pages: Page[] = [];

const api = async <T>(path: string): Promise<T> => (await (await fetch(`${url}${path}`)).json()) as T;
async function page(path: string, viewport: { width: number; height: number; mobile?: boolean } = DESKTOP): Promise<Page> {
  const p = await browser.newPage(`${url}${path}`, viewport);
  pages.push(p);
  await until(async () => (await p.evaluate<string | undefined>('document.body.dataset.received')) !== undefined, 'the page rendering', 20_000);
  return p;
}

beforeAll(async () => {
  const { dir, recording } = await simulated(['--from', '20:30', '--to', '21:30', '--accounts', '30000'], 'slice.ndjson.gz');
  report = join(dir, 'page-report.json');
  browser = await openBrowser();
  // 60 minutes at 240× real time: the replay lasts about 15 s, then lingers with its final figures.
  replay = spawn(process.execPath, [CLI, 'replay', recording, '--speed', '240', '--metrics-port', '0', '--linger', '600', '--report', report, '--force'], {
    env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  replay.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await until(() => /"metrics":"(http:\/\/[^"]+)\/metrics"/.test(stderr), `replay serving:\n${stderr}`, 60_000);
  url = /"metrics":"(http:\/\/[^"]+)\/metrics"/.exec(stderr)![1]!;
}, 300_000);
afterAll(async () => {
  for (const p of pages) await p.close().catch(() => {});
  await browser?.close();
  if (replay?.exitCode === null) replay.kill('SIGKILL');
});

describe('the live page during and after a replay (issue 21 §3)', () => {
  it('measures its lag against the replay clock, not the wall clock (no "screen lag p50 36259435470 ms")', async () => {
    const p = await page('/');
    await until(async () => Number(await p.evaluate<string>('document.body.dataset.received')) >= 500, '500 streamed liquidations on the page', 60_000);
    const p50 = Number(await p.evaluate<string>('document.body.dataset.lagP50'));
    const p99 = Number(await p.evaluate<string>('document.body.dataset.lagP99'));
    const header = await p.evaluate<string>('document.querySelector("header").textContent');
    console.log(`live page during a replay at 240×: screen lag p50 ${p50} ms, p99 ${p99} ms of replay clock`);
    // The wall clock minus 2025 receive times is about 4e10 ms; against the replay clock it is at most a few
    // minutes of replay (at 240×, 10 minutes of replay clock is 2.5 s of wall clock).
    expect(p99).toBeGreaterThanOrEqual(0);
    expect(p99).toBeLessThan(600_000);
    expect(header).toContain('(replay clock)');
    expect(header).toMatch(/replay clock 2025-10-10 2[01]:\d\d:\d\d UTC/);
    expect(p.errors()).toEqual([]);
  }, 120_000);

  it('after the replay: the tape is the server’s answer for the minimum USD, every liquidation ≥ it in the shown span', async () => {
    await until(() => existsSync(report), 'the replay to finish (report written)', 120_000);
    // A threshold the 100th largest of the newest 1,000 meets: 100 or more of the server's tape (its newest 5,000) are ≥ it.
    const largest = (await api<{ liquidations: Liq[] }>('/api/liquidations?limit=1000')).liquidations.sort((a, b) => b.notionalUsd - a.notionalUsd);
    const threshold = Math.floor(largest[99]!.notionalUsd);
    const p = await page(`/#minUsd=${threshold}`);
    const expected = (await api<{ liquidations: Liq[] }>(`/api/liquidations?minUsd=${threshold}&limit=1000`)).liquidations;
    expect(expected.length).toBeGreaterThanOrEqual(100);
    const shownIds = () => p.evaluate<string[]>('[...document.querySelectorAll("#tapebody tr[data-id]")].map((r) => r.dataset.id)');
    await until(async () => (await shownIds()).length === Math.min(300, expected.length), 'the filtered tape', 20_000);
    const shown = await shownIds();
    // Newest first, the same liquidations as the API's, none below the threshold and none missing in the span shown.
    expect(shown).toEqual(expected.slice(0, shown.length).map((l) => l.id));
    const usd = await p.evaluate<number[]>('[...document.querySelectorAll("#tapebody tr[data-id]")].map((r) => Number(r.dataset.usd))');
    expect(usd.every((u) => u >= threshold)).toBe(true);
    const oldest = expected[shown.length - 1]!.eventTime;
    expect(expected.filter((l) => l.eventTime >= oldest).map((l) => l.id)).toEqual(shown.filter((id) => expected.find((l) => l.id === id)!.eventTime >= oldest));

    // Typed into the field: asked of the server again (a browser-side filter of the last events would show far fewer).
    const higher = Math.floor(largest[9]!.notionalUsd);
    await p.evaluate(`(() => { const i = document.getElementById("minusd"); i.value = "${higher}"; i.dispatchEvent(new Event("input")); })()`);
    const top = (await api<{ liquidations: Liq[] }>(`/api/liquidations?minUsd=${higher}&limit=1000`)).liquidations;
    await until(async () => JSON.stringify(await shownIds()) === JSON.stringify(top.slice(0, 300).map((l) => l.id)), `the tape for ≥ ${higher}`, 10_000);
    expect(await p.evaluate<string>('location.hash')).toBe(`#minUsd=${higher}`);
  }, 180_000);

  it('per coin when the server has /api/totals?by=base (the figures are its), hidden when it does not', async () => {
    const res = await fetch(`${url}/api/totals?by=base`);
    const p = await page('/#coin=BTC');
    if (!res.ok) {
      expect(await p.evaluate<boolean>('document.getElementById("coinbox").hidden && document.getElementById("coinpick").hidden')).toBe(true);
      return;
    }
    const bases = ((await res.json()) as { bases: Record<string, { usd: number; windows: Record<string, { usd: number }> }> }).bases;
    await until(async () => (await p.evaluate<string | null>('document.querySelector("#coinview [data-base]")?.dataset.usd ?? null')) !== null, 'the coin view');
    expect(Number(await p.evaluate<string>('document.querySelector("#coinview [data-base]").dataset.usd'))).toBe(bases.BTC!.usd);
    for (const w of ['1m', '5m', '1h', '24h']) expect(Number(await p.evaluate<string>(`document.querySelector('#coinview [data-window="${w}"]').dataset.usd`)), w).toBe(bases.BTC!.windows[w]!.usd);
    // Its chart: BTC's minutes (/api/minutes?by=base) with the mark price line.
    await until(async () => (await p.evaluate<string>('document.getElementById("chartlegend").textContent')).includes('mark price'), 'the price line', 20_000);
    expect(await p.evaluate<string>('document.getElementById("charttitle").textContent')).toMatch(/^BTC · last hour/);
  }, 60_000);

  it('fits: the tape above the fold at 1440×900, nothing cut or scrolling sideways on a 390-px phone', async () => {
    const shots = process.env.LIVE_PAGE_SCREENSHOTS ?? tempDir('screens-');
    mkdirSync(shots, { recursive: true });
    // With coins on the server, the screenshots show one (its chart has the mark price line).
    const view = (await fetch(`${url}/api/totals?by=base`)).ok ? '/#coin=BTC' : '/';
    const desktop = await page(view);
    await until(async () => Number(await desktop.evaluate<string>('document.body.dataset.chartMinutes ?? 0')) > 0, 'the chart', 20_000);
    const tape = await desktop.evaluate<{ top: number; rows: number }>('(() => { const r = document.getElementById("tapebox").getBoundingClientRect(); return { top: r.top, rows: [...document.querySelectorAll("#tapebody tr")].filter((tr) => tr.getBoundingClientRect().bottom <= innerHeight).length }; })()');
    // The tape's heading and at least 15 rows on the first screen.
    expect(tape.top).toBeLessThan(200);
    expect(tape.rows).toBeGreaterThanOrEqual(15);
    await desktop.screenshot(join(shots, 'live-desktop.png'));

    const phone = await page(view, PHONE);
    await until(async () => Number(await phone.evaluate<string>('document.body.dataset.chartMinutes ?? 0')) > 0, 'the chart on the phone', 20_000);
    const overflow = await phone.evaluate<string[]>(
      '[document.documentElement, ...document.querySelectorAll("section, .scroll, table")].filter((e) => e.offsetParent !== null || e === document.documentElement).filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => (e.id || e.parentElement.id || e.tagName) + " " + e.scrollWidth + ">" + e.clientWidth)',
    );
    expect(overflow).toEqual([]);
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // Every window of the totals table is on screen (before: cut after 5m).
    const lastColumn = await phone.evaluate<number>('document.querySelector("#totals th:last-child").getBoundingClientRect().right');
    expect(lastColumn).toBeLessThanOrEqual(390);
    await phone.screenshot(join(shots, 'live-phone.png'), { fullPage: true });
    expect(desktop.errors().concat(phone.errors())).toEqual([]);
  }, 120_000);

  it('says it is not current within 5 s of the server going away: greyed figures, "last update N s ago", a grey banner', async () => {
    const p = await page('/');
    await until(async () => (await p.evaluate<string>('document.body.dataset.stale')) === 'false', 'the page live', 10_000);
    const red = await p.evaluate<string>('getComputedStyle(document.querySelector("#totals td[data-window]")).color');
    const banner = await p.evaluate<boolean>('!document.getElementById("banner").hidden');
    replay.kill('SIGKILL');
    const t0 = Date.now();
    await until(async () => (await p.evaluate<string>('document.body.dataset.stale')) === 'true', 'the stale state', 5_000);
    const after = Date.now() - t0;
    console.log(`live page stale ${after} ms after the server was killed`);
    expect(after).toBeLessThan(5_000);
    await until(async () => /not current: last update \d+ s ago/.test(await p.evaluate<string>('document.getElementById("conn").textContent')), '"last update N s ago"', 3_000);
    expect(await p.evaluate<string>('getComputedStyle(document.querySelector("#totals td[data-window]")).color')).not.toBe(red);
    expect(await p.evaluate<string>('getComputedStyle(document.querySelector("#totals td[data-window]")).color')).toBe('rgb(107, 114, 128)');
    if (banner) {
      expect(await p.evaluate<string>('document.getElementById("banner").className')).toBe('old');
      expect(await p.evaluate<string>('getComputedStyle(document.getElementById("banner")).backgroundColor')).not.toBe('rgb(92, 26, 26)');
      expect(await p.evaluate<string>('document.getElementById("banner").textContent')).toMatch(/^Not current \(last update \d+ s ago\)/);
    }
  }, 60_000);
});
