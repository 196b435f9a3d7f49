/**
 * The trader's live page (docs/api.md, "GET /"). It reads /api/totals and follows /api/stream (totals
 * each second, liquidations four times a second, cascade signals); the tape, the largest, the chart,
 * the coins and funding are asked of the server with the page's filters. Rendering is batched per
 * animation frame, so a crash-day burst costs a few repaints a second. Views whose endpoint this server
 * does not have (per-coin totals, funding) stay hidden.
 */
import { getJson, query, type BaseTotals, type CascadeSignal, type Defi, type Funding, type Liquidation, type LongShort, type Minute, type StreamMessage, type Totals, type VenueCatalogue } from './api.js';
import { LiquidationChart, type ChartData, type Layer } from './chart.js';
import { badge, byId, dateTime, fill, h, markOf, pct, price, shareBar, time, usd } from './dom.js';

const WINDOWS = ['1m', '5m', '1h', '24h'] as const;
const MINUTE = 60_000;
const RANGES = { '1h': 3_600_000, '24h': 86_400_000 } as const;
type Range = keyof typeof RANGES;
/** Rows the tape keeps: the server's answer for the filter, then what the stream adds. */
const TAPE_ROWS = 300;
/** Totals arrive every second: this long without any message, the page says it is not current. */
const STALE_MS = 3_000;
/** Venues drawn as their own layer of the chart; the rest are "other". */
const CHART_LAYERS = 6;

const state = {
  totals: undefined as Totals | undefined,
  /** Per-coin totals; null: this server has none (the coin views stay hidden). */
  bases: undefined as BaseTotals | null | undefined,
  funding: undefined as Funding[] | null | undefined,
  coin: '',
  venue: '',
  minUsd: 0,
  range: '1h' as Range,
  tape: [] as Liquidation[],
  tapeKeys: new Set<string>(),
  /** Stream events put on the tape since the last repaint (oldest first), and whether it is redrawn whole. */
  tapeAdded: [] as Liquidation[],
  tapeRebuild: true,
  /**
   * From the server's answer: the event time after which the tape holds every matching liquidation it saw
   * (null: every one since it started; undefined: a server that does not say).
   */
  tapeCompleteSince: undefined as number | null | undefined,
  /** Stream events matching the filter while the tape is being asked of the server. */
  arriving: undefined as Liquidation[] | undefined,
  /** Bumped on every filter change: an answer to an older filter is dropped. */
  generation: 0,
  largest: [] as Liquidation[],
  cascade: undefined as CascadeSignal | undefined,
  fresh: [] as Liquidation[],
  lags: [] as number[],
  received: 0,
  socketOpen: false,
  /** Wall-clock time of the last stream message (0: none yet). */
  lastMessage: 0,
  /** The server did not answer /api/totals (not even once). */
  unreachable: false,
  dirty: false,
  /** Views to repaint at the next frame: a batch of liquidations repaints the tape, not every table. */
  pending: new Set<View>(),
};
type View = 'totals' | 'coins' | 'funding' | 'tape' | 'largest';
const VIEWS: View[] = ['totals', 'coins', 'funding', 'tape', 'largest'];

const chart = new LiquidationChart(byId('chart'), byId('chartlegend'));
const keyOf = (e: Liquidation) => `${e.venue}\u0000${e.id}`;
const replaying = () => state.totals?.status?.mode === 'replay';

// ---- filters (kept in the URL's fragment, so a view can be linked: /#coin=BTC&minUsd=1000000) ----

function readHash(): void {
  const p = new URLSearchParams(location.hash.slice(1));
  state.coin = p.get('coin') ?? '';
  state.venue = p.get('venue') ?? '';
  const min = Number(p.get('minUsd') ?? 0);
  state.minUsd = Number.isFinite(min) && min > 0 ? min : 0;
  state.range = p.get('range') === '24h' ? '24h' : '1h';
  byId<HTMLInputElement>('minusd').value = String(state.minUsd);
  setRangeButtons();
}
function writeHash(): void {
  const q = query({ coin: state.coin, venue: state.venue, minUsd: state.minUsd, range: state.range === '1h' ? undefined : state.range });
  history.replaceState(null, '', q ? `#${q.slice(1)}` : location.pathname);
}
function setRangeButtons(): void {
  byId('range1h').setAttribute('aria-pressed', String(state.range === '1h'));
  byId('range24h').setAttribute('aria-pressed', String(state.range === '24h'));
}
function filtersChanged(): void {
  state.generation += 1;
  writeHash();
  void loadTape();
  void loadLargest();
  void loadChart();
  schedule();
}

/** Keeps a select's options equal to `values` (its current choice kept, even when not listed). */
function setOptions(select: HTMLSelectElement, all: string, values: string[], chosen: string): void {
  const want = [...values];
  if (chosen && !want.includes(chosen)) want.unshift(chosen);
  const have = [...select.options].slice(1).map((o) => o.value);
  if (have.join('\u0000') !== want.join('\u0000')) select.replaceChildren(h('option', { value: '' }, all), ...want.map((v) => h('option', { value: v }, v)));
  select.value = chosen;
}

// ---- what the server is asked ----

function tapeMatches(e: Liquidation): boolean {
  return e.notionalUsd >= state.minUsd && (!state.venue || e.venue === state.venue) && (!state.coin || e.base === state.coin);
}
const filterQuery = (extra: Record<string, string | number | undefined>) => query({ minUsd: state.minUsd, venue: state.venue, base: state.coin || undefined, ...extra });

/** The tape is the server's answer for the filter (`/api/liquidations?minUsd=&venue=&base=`), not a filter of what the browser happened to keep. */
async function loadTape(): Promise<void> {
  const generation = state.generation;
  // What the stream delivers while the server is asked goes before its answer (the newer of the two).
  const during: Liquidation[] = [];
  state.arriving = during;
  try {
    const answer = await getJson<{ liquidations: Liquidation[]; completeSince?: number | null }>(`/api/liquidations${filterQuery({ limit: TAPE_ROWS })}`);
    if (generation !== state.generation) return;
    state.tapeCompleteSince = answer?.completeSince;
    state.tape = [];
    state.tapeKeys.clear();
    state.tapeRebuild = true;
    // The server's order (newest first by arrival), after the newer ones from the stream (oldest first).
    for (const e of [...during.reverse(), ...(answer?.liquidations ?? [])]) addToTape(e, false);
    document.body.dataset.tapeLoaded = String(generation);
    schedule('tape');
  } catch {
    /* unreachable: the stale state says so */
  } finally {
    if (state.arriving === during) state.arriving = undefined;
  }
}
function addToTape(e: Liquidation, front: boolean): void {
  const key = keyOf(e);
  if (state.tapeKeys.has(key)) return;
  state.tapeKeys.add(key);
  if (front) (state.tape.unshift(e), state.tapeAdded.push(e));
  else state.tape.push(e);
  while (state.tape.length > TAPE_ROWS) state.tapeKeys.delete(keyOf(state.tape.pop()!));
}

async function loadLargest(): Promise<void> {
  const generation = state.generation;
  try {
    const answer = await getJson<{ liquidations: Liquidation[] }>(`/api/liquidations${filterQuery({ sort: 'usd', limit: 50 })}`);
    if (generation === state.generation) ((state.largest = answer?.liquidations ?? []), schedule('largest'));
  } catch {
    /* the stale state says so */
  }
}

async function loadBases(): Promise<void> {
  const first = state.bases === undefined;
  try {
    const answer = await getJson<BaseTotals>('/api/totals?by=base');
    // A server that ignored `by` answers the plain totals: no per-coin view then.
    state.bases = answer && answer.by === 'base' && answer.bases && typeof answer.bases === 'object' ? answer : null;
  } catch {
    return;
  }
  byId('coinpick').hidden = state.bases === null;
  byId('coinbox').hidden = state.bases === null;
  // A coin from a link, on a server without coins: the filter would match nothing; all coins instead.
  if (state.bases === null && state.coin) ((state.coin = ''), filtersChanged());
  // A coin from a link: its chart waited for the server to say whether it has coins.
  else if (first && state.coin) void loadChart();
  schedule('coins', 'totals');
}

async function loadFunding(): Promise<void> {
  try {
    const funding = (await getJson<{ funding: Funding[] }>('/api/funding'))?.funding;
    state.funding = Array.isArray(funding) ? funding : null;
  } catch {
    return;
  }
  schedule('funding', 'coins');
}

async function loadChart(): Promise<void> {
  const t = state.totals;
  // Without totals there is no end to the range; with a coin, wait until it is known whether the server has coins.
  if (!t || (state.coin && state.bases === undefined)) return;
  const generation = state.generation;
  const end = Math.max(t.windowsEnd ?? 0, t.asOf ?? 0) || Date.now();
  const from = Math.floor((end - RANGES[state.range]) / MINUTE) * MINUTE + MINUTE;
  const last = Math.floor(end / MINUTE) * MINUTE;
  const note = byId('chartnote');
  let minutes: Minute[] | undefined;
  let perCoin = false;
  try {
    if (state.coin && state.bases) {
      minutes = (await getJson<{ minutes: Minute[] }>(`/api/minutes${query({ by: 'base', base: state.coin })}`))?.minutes;
      perCoin = minutes !== undefined;
    }
    minutes ??= (await getJson<{ minutes: Minute[] }>(`/api/minutes${query({ from })}`))?.minutes ?? [];
  } catch {
    return;
  }
  if (generation !== state.generation) return;
  const data = chartData(minutes, from, last, perCoin);
  const total = data.layers.reduce((a, l) => a + l.long.reduce((x, y) => x + y, 0) + l.short.reduce((x, y) => x + y, 0), 0);
  const scope = `${perCoin ? state.coin : state.coin ? `all coins (no per-coin minutes on this server)` : 'all coins'}${state.venue ? ` · ${state.venue}` : ''} · last ${state.range === '1h' ? 'hour' : '24 h'} · UTC`;
  byId('charttitle').textContent = scope;
  const drawn = chart.draw(data);
  note.hidden = drawn && total > 0;
  note.textContent = !drawn ? 'The chart library (/page/uPlot.iife.min.js) did not load.' : `No liquidations in the last ${state.range === '1h' ? 'hour' : '24 h'}${state.coin ? ` for ${state.coin}` : ''}${state.venue ? ` on ${state.venue}` : ''}.`;
  document.body.dataset.chartMinutes = String(data.minutes.length);
}

/** Minutes [from, last] as stacked layers: per venue (the largest few, then "other"), or one layer when the minutes have no venues. */
function chartData(minutes: Minute[], from: number, last: number, perCoin: boolean): ChartData {
  const byMinute = new Map(minutes.filter((m) => m.minute >= from && m.minute <= last).map((m) => [m.minute, m]));
  const xs: number[] = [];
  for (let m = from; m <= last; m += MINUTE) xs.push(m);
  const sideOf = (m: Minute | undefined): Record<string, LongShort> => {
    if (!m) return {};
    const venues = m.byVenue ?? { [state.coin || 'all']: { longUsd: m.longUsd ?? 0, shortUsd: m.shortUsd ?? 0 } };
    return state.venue && m.byVenue ? { [state.venue]: venues[state.venue] ?? { longUsd: 0, shortUsd: 0 } } : venues;
  };
  const sums = new Map<string, number>();
  for (const m of byMinute.values()) for (const [v, s] of Object.entries(sideOf(m))) sums.set(v, (sums.get(v) ?? 0) + s.longUsd + s.shortUsd);
  const ranked = [...sums].sort((a, b) => b[1] - a[1]).map(([v]) => v);
  const own = ranked.slice(0, CHART_LAYERS);
  const layers: Layer[] = own.map((label) => ({ label, long: xs.map(() => 0), short: xs.map(() => 0) }));
  if (ranked.length > own.length) layers.push({ label: 'other', long: xs.map(() => 0), short: xs.map(() => 0) });
  xs.forEach((x, i) => {
    for (const [v, s] of Object.entries(sideOf(byMinute.get(x)))) {
      const layer = layers[own.indexOf(v)] ?? layers[layers.length - 1]!;
      layer.long[i]! += s.longUsd;
      layer.short[i]! += s.shortUsd;
    }
  });
  const data: ChartData = { minutes: xs, layers };
  if (perCoin) data.price = xs.map((x) => byMinute.get(x)?.price ?? null);
  return data;
}

// ---- rendering ----

/** Repaints `views` (all when none is named) at the next animation frame. */
function schedule(...views: View[]): void {
  for (const v of views.length > 0 ? views : VIEWS) state.pending.add(v);
  if (!state.dirty) {
    state.dirty = true;
    requestAnimationFrame(render);
  }
}

function render(): void {
  state.dirty = false;
  renderLag();
  document.body.dataset.received = String(state.received);
  const pending = state.pending;
  state.pending = new Set();
  // Each view on its own: one that throws on an answer it did not expect leaves the others drawn.
  const t = state.totals;
  if (pending.has('totals')) {
    safely(() => renderNotice(t));
    if (t) {
      safely(() => renderHeader(t));
      safely(() => setOptions(byId<HTMLSelectElement>('venue'), 'all venues', [...new Set([...Object.keys(t.byVenue), ...Object.keys(t.status?.venues ?? {})])].sort(), state.venue));
      safely(() => renderWindows(t));
      safely(() => renderApart(t));
      safely(() => renderMarket(t));
      safely(() => renderDefi(t.defi));
    }
  }
  if (pending.has('coins')) safely(renderCoins);
  if (pending.has('funding')) safely(renderFunding);
  if (pending.has('tape')) safely(renderTape);
  if (pending.has('largest')) safely(renderLargest);
  safely(renderStale);
}
function safely(view: () => void): void {
  try {
    view();
  } catch (err) {
    console.error('live page: a view failed to render', err);
  }
}

/**
 * Screen lag: from the connector receiving a frame to this repaint. Live, that is the wall clock; in a
 * replay the receive times are the recording's, so the clock is the replay's (its newest event time,
 * the `asOf` of the last totals): the lag is how far the screen trails the replay, not the years since.
 */
function renderLag(): void {
  const clock = replaying() ? (state.totals?.asOf ?? null) : Date.now();
  for (const e of state.fresh) if (clock !== null) state.lags.push(replaying() ? Math.max(0, clock - e.receiveTime) : clock - e.receiveTime);
  state.fresh = [];
  if (state.lags.length > 4000) state.lags = state.lags.slice(-2000);
  if (state.lags.length === 0) return;
  const sorted = state.lags.slice().sort((a, b) => a - b);
  const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  document.body.dataset.lagP50 = String(p(0.5));
  document.body.dataset.lagP99 = String(p(0.99));
  setText(byId('lag'), `screen lag p50 ${p(0.5)} ms${replaying() ? ' (replay clock)' : ''}`);
}

function renderHeader(t: Totals): void {
  const clock = t.asOf ? `${replaying() ? 'replay clock' : 'newest event'} ${dateTime(t.asOf)} UTC` : 'no events yet';
  byId('asof').textContent = clock;
  const s = t.status ?? {};
  byId('status').replaceChildren(
    ...Object.entries(s.venues ?? {}).flatMap(([v, up]) => [h('span', { class: up ? 'ok' : 'bad', title: up ? 'connected' : 'disconnected' }, v), ' ']),
    s.busUp === false ? h('span', { class: 'bad' }, 'bus down: spilling') : '',
    t.gaps ? ` · gaps ${t.gaps}` : '',
  );
}

/** What is missing, said instead of $0 and a 50/50 bar: the server, every venue, or just the first event. */
function renderNotice(t: Totals | undefined): void {
  const notice = byId('notice');
  let text = '';
  if (!t) text = state.unreachable ? `Cannot reach the liqstream server at ${location.host}: no figures to show. Retrying…` : '';
  else if (t.count === 0) {
    const venues = Object.entries(t.status?.venues ?? {});
    const up = venues.filter(([, u]) => u).map(([v]) => v);
    if (venues.length > 0 && up.length === 0) text = `No venue reachable: ${venues.map(([v]) => v).join(', ')} ${venues.length === 1 ? 'is' : 'are'} disconnected. No liquidations yet.`;
    else if (replaying()) text = 'Replay: no liquidations replayed yet.';
    else text = `No liquidations yet${up.length > 0 ? ` (connected to ${up.join(', ')}; waiting for the first)` : ''}.`;
  }
  notice.textContent = text;
  notice.hidden = text === '';
  document.body.dataset.notice = text;
}

function cell(window: string, value: number, bold = false): HTMLTableCellElement {
  return h('td', { 'data-window': window, 'data-usd': value }, bold ? h('b', {}, usd(value)) : usd(value));
}

function renderWindows(t: Totals): void {
  const body = byId('totals').querySelector('tbody')!;
  const coin = state.coin ? state.bases?.bases[state.coin] : undefined;
  byId('scope').textContent = `(event-time windows, UTC${state.coin ? `; ${state.coin} across venues` : ''})`;
  const rows: HTMLTableRowElement[] = [];
  if (t.count > 0 && !coin) {
    const venues = Object.keys(t.byVenue).sort((a, b) => usdOf(t, b) - usdOf(t, a));
    for (const v of venues) {
      const b = t.byVenue[v]!;
      rows.push(h('tr', { 'data-venue': v, class: v === state.venue ? 'sel' : undefined }, h('td', {}, v, badge(markOf(b.lowerBound, b.fidelity))), ...WINDOWS.map((w) => cell(w, sumSides(t.windows[w]?.byVenue[v])))));
    }
    const estimate = venues.some((v) => t.byVenue[v]!.lowerBound && t.byVenue[v]!.fidelity === 'inferred');
    rows.push(h('tr', { 'data-venue': 'all' }, h('td', {}, h('b', {}, 'all venues'), badge(t.lowerBound ? (estimate ? '≈' : '≥') : '')), ...WINDOWS.map((w) => cell(w, t.windows[w]?.usd ?? 0, true))));
  }
  if (coin) rows.push(h('tr', { 'data-base': state.coin }, h('td', {}, h('b', {}, state.coin), badge(coin.mark)), ...WINDOWS.map((w) => cell(w, coin.windows[w]?.usd ?? 0, true))));
  fill(body, rows, replaying() ? 'No liquidations replayed yet.' : 'No liquidations yet: nothing to total.');
  renderLongShort(t, coin);
}
const sumSides = (x: LongShort | undefined) => (x ? x.longUsd + x.shortUsd : 0);
const usdOf = (t: Totals, venue: string) => sumSides(t.windows['24h']?.byVenue[venue]) + sumSides(t.byVenue[venue]) * 1e-9;

/** Longs and shorts per window, for the chosen coin, the chosen venue, or all. */
function renderLongShort(t: Totals, coin: BaseTotals['bases'][string] | undefined): void {
  const rows = WINDOWS.map((w) => {
    let s: LongShort;
    if (coin) s = coin.windows[w] ?? { longUsd: 0, shortUsd: 0 };
    else if (state.venue) s = t.windows[w]?.byVenue[state.venue] ?? { longUsd: 0, shortUsd: 0 };
    else s = Object.values(t.windows[w]?.byVenue ?? {}).reduce((a, x) => ({ longUsd: a.longUsd + x.longUsd, shortUsd: a.shortUsd + x.shortUsd }), { longUsd: 0, shortUsd: 0 });
    const total = s.longUsd + s.shortUsd;
    return h(
      'tr',
      { 'data-window': w, 'data-long': s.longUsd, 'data-short': s.shortUsd },
      h('td', {}, w),
      h('td', { class: 'long' }, usd(s.longUsd)),
      h('td', { class: 'short' }, usd(s.shortUsd)),
      h('td', {}, total > 0 ? `${pct(s.longUsd / total)} long` : 'none in window', shareBar(s.longUsd, s.shortUsd)),
    );
  });
  fill(byId('longshort').querySelector('tbody')!, t.count > 0 || coin ? rows : [], 'No liquidations yet: no long/short share.');
}

function renderApart(t: Totals): void {
  const rows = (what: Record<string, { longUsd: number; shortUsd: number; count: number }> | undefined) =>
    Object.entries(what ?? {})
      .filter(([v]) => !state.venue || v === state.venue)
      .map(([v, x]) => h('tr', { 'data-venue': v, 'data-usd': x.longUsd + x.shortUsd }, h('td', {}, v), h('td', { class: 'long' }, usd(x.longUsd)), h('td', { class: 'short' }, usd(x.shortUsd)), h('td', {}, x.count)));
  fill(byId('adl').querySelector('tbody')!, rows(t.adl), 'No auto-deleveraging reported since start.');
  fill(byId('vault').querySelector('tbody')!, rows(t.vault), 'No vault or backstop takeovers since start.');
}

function renderMarket(t: Totals): void {
  fill(
    byId('oi').querySelector('tbody')!,
    Object.entries(t.openInterest ?? {})
      .sort()
      .map(([v, o]) =>
        h('tr', {}, h('td', {}, v), h('td', {}, usd(o.usd)), h('td', { class: o.change1h === null ? '' : o.change1h < 0 ? 'long' : 'short' }, o.change1h === null ? '–' : `${o.change1h >= 0 ? '+' : ''}${(100 * o.change1h).toFixed(1)}%`), h('td', {}, `${o.ageSeconds.toFixed(0)} s`)),
      ),
    'No open interest received yet.',
  );
  fill(
    byId('symbols').querySelector('tbody')!,
    (t.topSymbols ?? []).map((x) => h('tr', {}, h('td', {}, x.venue), h('td', {}, x.symbol), h('td', {}, usd(x.windows['1h'] ?? 0)), h('td', {}, usd(x.windows['24h'] ?? 0)))),
    'No liquidations in the last 24 h.',
  );
}

/**
 * On-chain lending liquidations (`defi` in /api/totals, issue 20), when the server reports them: a row per
 * entry that carries USD. The panel stays hidden on servers without them.
 */
/** The DeFi panel (issue 20): lending protocols by chain beside, never inside, the perps; net of retractions. */
function renderDefi(d: Defi | undefined): void {
  byId('defi').hidden = !d;
  if (!d) return;
  const rows: HTMLTableRowElement[] = [];
  for (const [protocol, x] of Object.entries(d.byProtocol))
    for (const [chain, y] of Object.entries(x.byChain))
      rows.push(
        h('tr', { 'data-protocol': protocol, 'data-chain': chain }, h('td', {}, protocol), h('td', {}, chain), ...WINDOWS.map((w) => cell(w, d.windows[w]?.byProtocol[protocol]?.[chain] ?? 0)), cell('', y.usd), cell('', y.debtUsd)),
      );
  rows.push(h('tr', { 'data-protocol': 'all' }, h('td', {}, h('b', {}, 'all protocols')), h('td', {}), ...WINDOWS.map((w) => cell(w, d.windows[w]?.usd ?? 0, true)), cell('', d.usd, true), cell('', d.debtUsd, true)));
  byId('defitotals').querySelector('tbody')!.replaceChildren(...rows);
  byId('defiretracted').textContent = d.retracted.count ? `${d.retracted.count} liquidations (${usd(d.retracted.usd)}) taken back after chain reorganisations; figures are net of them` : '';
}

function renderCoins(): void {
  const b = state.bases;
  if (!b) return;
  const bases = Object.entries(b.bases).sort((x, y) => (y[1].windows['24h']?.usd ?? 0) - (x[1].windows['24h']?.usd ?? 0) || y[1].usd - x[1].usd);
  setOptions(byId<HTMLSelectElement>('coin'), 'all coins', bases.map(([k]) => k), state.coin);
  const rows = bases.slice(0, 25).map(([base, x]) =>
    h(
      'tr',
      { 'data-base': base, class: base === state.coin ? 'sel' : undefined },
      h('td', {}, base, badge(x.mark)),
      ...(['5m', '1h', '24h'] as const).map((w) => cell(w, x.windows[w]?.usd ?? 0)),
      h('td', {}, x.windows['24h'] && x.windows['24h'].usd > 0 ? pct(x.windows['24h'].longUsd / x.windows['24h'].usd) : '–', shareBar(x.windows['24h']?.longUsd ?? 0, x.windows['24h']?.shortUsd ?? 0)),
    ),
  );
  fill(byId('coins').querySelector('tbody')!, rows, 'No liquidations yet: no coins to list.');
  const view = byId('coinview');
  const coin = state.coin ? b.bases[state.coin] : undefined;
  view.hidden = !coin;
  if (!coin) return view.replaceChildren();
  const mark = markPrice(state.coin);
  view.replaceChildren(
    h('span', { 'data-base': state.coin, 'data-usd': coin.usd, 'data-count': coin.count }, h('b', {}, state.coin), badge(coin.mark), ` ${usd(coin.usd)} since start (${coin.count}): `, h('span', { class: 'long' }, usd(coin.longUsd)), ' / ', h('span', { class: 'short' }, usd(coin.shortUsd))),
    ...WINDOWS.map((w) => h('span', { 'data-window': w, 'data-usd': coin.windows[w]?.usd ?? 0 }, `${w} ${usd(coin.windows[w]?.usd ?? 0)}`)),
    h('span', { 'data-adl': coin.adlUsd }, `ADL ${usd(coin.adlUsd)}`),
    h('span', { class: 'dim' }, coin.venues.length > 0 ? `on ${coin.venues.join(', ')}` : 'no venue yet'),
    ...(mark === undefined ? [] : [h('span', {}, `mark ${price(mark)}`)]),
  );
}

/** The median mark price of the coin's perpetuals, from the funding events (when the server has them). */
function markPrice(coin: string): number | undefined {
  const marks = (state.funding ?? [])
    .filter((f) => f.base === coin && typeof f.markPrice === 'number')
    .map((f) => f.markPrice!)
    .sort((a, b) => a - b);
  return marks.length ? marks[Math.floor(marks.length / 2)] : undefined;
}

function renderFunding(): void {
  const box = byId('fundingbox');
  box.hidden = !state.funding;
  if (!state.funding) return;
  const list = state.funding
    .filter((f) => (!state.coin || f.base === state.coin) && (!state.venue || f.venue === state.venue))
    .sort((a, b) => Math.abs(b.ratePerHour) - Math.abs(a.ratePerHour))
    .slice(0, 12);
  fill(
    byId('funding').querySelector('tbody')!,
    list.map((f) =>
      h(
        'tr',
        { 'data-venue': f.venue, 'data-symbol': f.symbol },
        h('td', {}, f.venue),
        h('td', {}, f.symbol),
        h('td', { class: f.ratePerHour > 0 ? 'long' : f.ratePerHour < 0 ? 'short' : '', title: `${(100 * f.rate).toFixed(4)}% per ${f.intervalHours} h` }, `${(100 * f.ratePerHour).toFixed(4)}%`),
        h('td', {}, typeof f.markPrice === 'number' ? price(f.markPrice) : '–'),
        h('td', { class: 'opt' }, f.nextFundingTime ? time(f.nextFundingTime) : '–'),
      ),
    ),
    `No funding received yet${state.coin ? ` for ${state.coin}` : ''}.`,
  );
}

function liquidationRow(e: Liquidation, withPrice: boolean): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-id': e.id, 'data-usd': e.notionalUsd },
    h('td', {}, time(e.eventTime)),
    h('td', {}, e.venue),
    h('td', {}, e.symbol),
    h('td', { class: e.side }, e.side),
    withPrice ? h('td', { class: 'opt' }, e.price === undefined ? '' : e.price.toPrecision(6)) : null,
    h('td', {}, usd(e.notionalUsd)),
  );
}

function renderTape(): void {
  const filter = [state.coin, state.venue, state.minUsd > 0 ? `≥ ${usd(state.minUsd)}` : ''].filter(Boolean).join(' · ');
  const oldest = state.tape[state.tape.length - 1];
  const complete = state.tapeCompleteSince;
  const held = complete === null ? ' · the server holds every one since it started' : complete !== undefined ? ` · the server holds every one since ${time(complete)}` : '';
  byId('tapescope').textContent = `${filter || 'all'} · ${state.tape.length}${state.tape.length >= TAPE_ROWS ? ' newest' : ''}${oldest ? ` since ${time(oldest.eventTime)}` : ''}${held}`;
  const body = byId<HTMLTableSectionElement>('tapebody');
  const added = state.tapeAdded;
  state.tapeAdded = [];
  if (state.tapeRebuild || state.tape.length === 0 || body.querySelector('td.empty')) {
    state.tapeRebuild = false;
    fill(body, state.tape.map((e) => liquidationRow(e, true)), state.totals?.count === 0 ? 'No liquidations yet.' : 'No liquidation matches the filter.');
    return;
  }
  // At crash rates, thousands a second: the new rows go on top and the oldest fall off, the rest stay.
  body.prepend(...added.filter((e) => state.tapeKeys.has(keyOf(e))).reverse().map((e) => liquidationRow(e, true)));
  while (body.rows.length > state.tape.length) body.lastElementChild!.remove();
}

function renderLargest(): void {
  fill(byId('largest').querySelector('tbody')!, state.largest.slice(0, 15).map((e) => liquidationRow(e, false)), 'No liquidations in the last 24 h.');
}

// ---- the stream and the stale state ----

/** Greys every figure and says how old they are once the stream is down or silent; the banner turns grey too. */
function renderStale(): void {
  const silent = state.lastMessage ? Date.now() - state.lastMessage : Infinity;
  const stale = !state.socketOpen || silent > STALE_MS;
  // Written only when it changes: an attribute the style sheet reads restyles the whole page.
  if (document.body.dataset.stale !== String(stale)) document.body.dataset.stale = String(stale);
  const seconds = Math.round(silent / 1000);
  setText(byId('conn'), !stale ? (replaying() ? 'replay: live' : 'live') : state.lastMessage ? `not current: last update ${seconds} s ago${state.socketOpen ? '' : '; reconnecting…'}` : state.unreachable ? 'cannot reach the server' : 'connecting…');
  renderBanner(stale ? seconds : undefined);
}

function renderBanner(staleSeconds: number | undefined): void {
  const el = byId('banner');
  const s = state.cascade;
  el.hidden = !s || s.phase === 'end';
  if (!s || s.phase === 'end') return;
  el.classList.toggle('old', staleSeconds !== undefined);
  setText(
    el,
    (staleSeconds !== undefined ? `Not current (last update ${staleSeconds} s ago). ` : '') +
    `Liquidation cascade since ${time(s.start)} UTC: ${usd(s.totalUsd)} liquidated so far, worst minute ${time(s.peakMinute)} (${usd(s.peakMinuteUsd)}), longs ${(100 * s.longShare).toFixed(0)}%` +
    (s.oiDrawdownPct !== null ? `, open interest −${s.oiDrawdownPct.toFixed(1)}%` : '') +
      (s.ledBy ? `, led by ${s.ledBy}` : ''),
  );
}

/** Text written only when it differs: renderStale runs every frame, and a write is a relayout. */
function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function connect(): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss://' : 'ws://'}${location.host}/api/stream`);
  ws.onopen = () => (state.socketOpen = true);
  ws.onmessage = (m: MessageEvent<string>) => {
    state.lastMessage = Date.now();
    state.unreachable = false;
    let msg: StreamMessage;
    try {
      msg = JSON.parse(m.data) as StreamMessage;
    } catch {
      // Not JSON: one message lost, said on the console; the stream goes on.
      return void console.warn('live page: a stream message that is not JSON was ignored', m.data.slice(0, 200));
    }
    if (msg.type === 'totals') {
      const first = !state.totals;
      state.totals = msg.totals;
      if (first) void loadChart();
      schedule('totals');
    } else if (msg.type === 'liquidations') {
      state.received += msg.events.length;
      state.fresh.push(...msg.events);
      for (const e of msg.events) if (tapeMatches(e)) (state.arriving?.push(e), addToTape(e, true));
      schedule('tape');
    } else if (msg.type === 'cascade') ((state.cascade = msg.signal), schedule());
  };
  ws.onclose = () => {
    state.socketOpen = false;
    schedule('totals');
    setTimeout(connect, 2000);
  };
}

function wire(): void {
  // Enter in a field must not submit the form (a GET of /?… that the server refuses).
  byId('filters').addEventListener('submit', (e) => e.preventDefault());
  const minUsd = byId<HTMLInputElement>('minusd');
  let typing: ReturnType<typeof setTimeout> | undefined;
  minUsd.addEventListener('input', () => {
    clearTimeout(typing);
    // Asked of the server once typing pauses, not at every keystroke.
    typing = setTimeout(() => {
      const v = Number(minUsd.value);
      state.minUsd = Number.isFinite(v) && v > 0 ? v : 0;
      filtersChanged();
    }, 300);
  });
  byId<HTMLSelectElement>('venue').addEventListener('change', (e) => ((state.venue = (e.target as HTMLSelectElement).value), filtersChanged()));
  byId<HTMLSelectElement>('coin').addEventListener('change', (e) => ((state.coin = (e.target as HTMLSelectElement).value), filtersChanged()));
  byId('coins').addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest('tr[data-base]');
    if (row) ((state.coin = state.coin === row.getAttribute('data-base') ? '' : (row.getAttribute('data-base') ?? '')), filtersChanged());
  });
  for (const r of ['1h', '24h'] as const)
    byId(`range${r}`).addEventListener('click', () => {
      state.range = r;
      setRangeButtons();
      filtersChanged();
    });
  window.addEventListener('hashchange', () => (readHash(), filtersChanged()));
}

async function start(): Promise<void> {
  byId('noscript').remove();
  readHash();
  wire();
  try {
    state.totals = await getJson<Totals>('/api/totals');
  } catch {
    state.unreachable = true;
  }
  schedule();
  void loadBases();
  void loadFunding();
  void loadTape();
  void loadLargest();
  void loadChart();
  getJson<VenueCatalogue>('/api/venues')
    .then((v) => {
      if (!v) return;
      byId('coverage').replaceChildren('Venues: ', ...v.venues.flatMap((x, i) => [i ? ', ' : '', h('span', { title: x.name }, x.id, badge(markOf(x.lowerBound, x.fidelity)))]), `. ${v.summary}.`);
    })
    .catch(() => {});
  getJson<{ cascades: CascadeSignal[] }>('/api/cascades')
    .then((c) => {
      const last = c?.cascades[c.cascades.length - 1];
      if (last && !state.cascade) ((state.cascade = last), schedule());
    })
    .catch(() => {});
  connect();
  setInterval(() => void loadLargest(), 10_000);
  setInterval(() => (void loadBases(), void loadChart()), 10_000);
  setInterval(() => void loadFunding(), 15_000);
  // The stale state is a matter of time passing: checked twice a second even when nothing arrives.
  setInterval(renderStale, 500);
}

void start();
