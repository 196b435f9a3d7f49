import type { z } from 'zod';
import type { Instrument } from '../instruments.js';
import { Envelope, InstrumentsResult } from './schema.js';

export type BybitCategory = 'linear' | 'inverse';

export const BYBIT_REST_URL = 'https://api.bybit.com';

/** Perpetuals and delivery futures: `allLiquidation` covers both, and so must the subscriptions. */
const CONTRACT_TYPES: Record<BybitCategory, readonly string[]> = {
  linear: ['LinearPerpetual', 'LinearFutures'],
  inverse: ['InversePerpetual', 'InverseFutures'],
};


export interface BybitInstrument {
  symbol: string;
  baseCoin: string;
  quoteCoin: string;
  settleCoin?: string;
}

/** One page of GET /v5/market/instruments-info, as JSON. Injectable so tests (and proxies) can stand in for Bybit. */
export type FetchInstrumentsPage = (category: BybitCategory, cursor: string | undefined, signal?: AbortSignal) => Promise<unknown>;

export interface InstrumentsOptions {
  /** REST base URL (tests: a local server). Ignored when `fetchPage` is given. */
  baseUrl?: string;
  fetchPage?: FetchInstrumentsPage;
  signal?: AbortSignal;
  /** A guard against a cursor that never ends; Bybit lists ~600 linear symbols, one page at limit=1000. */
  maxPages?: number;
}

function unexpected(category: BybitCategory, error: z.ZodError, prefix?: string): Error {
  const issue = error.issues[0];
  const path = [...(prefix ? [prefix] : []), ...(issue?.path ?? [])].join('.') || '(root)';
  return new Error(`instruments-info ${category}: unexpected response: ${issue ? `${path}: ${issue.message}` : 'invalid'}`);
}

export function httpInstrumentsPage(baseUrl: string = BYBIT_REST_URL, fetchImpl: typeof fetch = fetch): FetchInstrumentsPage {
  const base = baseUrl.replace(/\/+$/, '');
  return async (category, cursor, signal) => {
    let query = new URLSearchParams({ category, limit: '1000' }).toString();
    // nextPageCursor arrives percent-encoded already ("621%3A1%2C621%3A1"); it goes back as it came, as the
    // reference clients send it, rather than encoded a second time. Anything not URL-safe is encoded so it cannot break the query.
    if (cursor) query += `&cursor=${/^[\w.~%-]+$/.test(cursor) ? cursor : encodeURIComponent(cursor)}`;
    const res = await fetchImpl(`${base}/v5/market/instruments-info?${query}`, { signal });
    if (!res.ok) throw new Error(`instruments-info ${category}: HTTP ${res.status}`);
    return res.json();
  };
}

/**
 * Every perpetual and delivery future of a category that is trading now, from GET /v5/market/instruments-info (docs "Get Instruments
 * Info": at most 1,000 per page, default 500, then `nextPageCursor`). Not a general exchange library's market list: that also pulls
 * pre-market listings with a second request per category, and standing in for Bybit in tests would mean
 * emulating that library's URL scheme; what is needed here is one paginated GET with two filters.
 * Throws on network, HTTP, `retCode` or format errors.
 */
export async function fetchBybitContracts(category: BybitCategory, o: InstrumentsOptions = {}): Promise<BybitInstrument[]> {
  const fetchPage = o.fetchPage ?? httpInstrumentsPage(o.baseUrl);
  const maxPages = o.maxPages ?? 20;
  const found = new Map<string, BybitInstrument>();
  const cursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 1; ; page++) {
    const envelope = Envelope.safeParse(await fetchPage(category, cursor, o.signal));
    if (!envelope.success) throw unexpected(category, envelope.error);
    if (envelope.data.retCode !== 0) throw new Error(`instruments-info ${category}: retCode ${envelope.data.retCode} ${envelope.data.retMsg}`);
    const parsed = InstrumentsResult.safeParse(envelope.data.result);
    if (!parsed.success) throw unexpected(category, parsed.error, 'result');
    const result = parsed.data;
    for (const i of result.list) {
      // status is filtered here too: the endpoint's default of Trading-only is documented, not guaranteed forever.
      if (!CONTRACT_TYPES[category].includes(i.contractType) || i.status !== 'Trading') continue;
      found.set(i.symbol, { symbol: i.symbol, baseCoin: i.baseCoin, quoteCoin: i.quoteCoin, ...(i.settleCoin ? { settleCoin: i.settleCoin } : {}) });
    }
    cursor = result.nextPageCursor || undefined;
    if (cursor === undefined) break;
    if (cursors.has(cursor)) throw new Error(`instruments-info ${category}: cursor ${cursor} repeated`);
    if (page >= maxPages) throw new Error(`instruments-info ${category}: more than ${maxPages} pages`);
    cursors.add(cursor);
  }
  return [...found.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

export interface InstrumentsChange {
  added: BybitInstrument[];
  removed: string[];
  /** Every contract trading now. */
  symbols: string[];
}

export interface WatchInstrumentsOptions extends Omit<InstrumentsOptions, 'signal'> {
  /** Symbols already subscribed (from discovery); the first refresh reports only what differs from them. */
  known?: readonly string[];
  onError?: (err: Error) => void;
  /** After every refresh that got the list, changed or not. */
  onListed?: () => void;
}

/**
 * Refreshes the contract list now and then every `intervalMs` (measured from the end of a refresh, so a slow
 * response never overlaps the next), calling `onChange` when listings appeared or went. A failed refresh keeps
 * the previous list and is reported to `onError`. Returns a function that stops it and aborts a refresh in flight.
 */
export function watchInstruments(
  category: BybitCategory,
  intervalMs: number,
  onChange: (change: InstrumentsChange) => void,
  o: WatchInstrumentsOptions = {},
): () => void {
  const abort = new AbortController();
  let known: Set<string> | undefined = o.known ? new Set(o.known) : undefined;
  let timer: NodeJS.Timeout | undefined;

  const refresh = async (): Promise<void> => {
    try {
      const list = await fetchBybitContracts(category, { ...o, signal: abort.signal });
      const now = new Set(list.map((i) => i.symbol));
      const added = list.filter((i) => !known?.has(i.symbol));
      const removed = known ? [...known].filter((s) => !now.has(s)).sort() : [];
      known = now;
      if (!abort.signal.aborted && (added.length > 0 || removed.length > 0)) onChange({ added, removed, symbols: [...now] });
      if (!abort.signal.aborted) o.onListed?.();
    } catch (err) {
      if (!abort.signal.aborted) o.onError?.(err as Error);
    }
    if (!abort.signal.aborted) timer = setTimeout(() => void refresh(), intervalMs);
  };
  void refresh();
  return () => {
    abort.abort();
    clearTimeout(timer);
  };
}

/**
 * Bybit's instrument table by symbol pattern (docs "Enums Definitions" → symbol), used when the market list
 * was not read and by importers that only have a symbol (tardis):
 * - inverse perpetual `BTCUSD`, inverse future `BTCUSD` + month code (F G H J K M N Q U V X Z) + two-digit
 *   year (`BTCUSDZ25`, `ETHUSDH26`): contracts of 1 USD, settled in the base coin;
 * - USDT perpetual `BTCUSDT`, USDT future `BTCUSDT-21FEB25`: linear, base units, quote and settle USDT;
 * - USDC perpetual `BTCPERP` (and `BTCUSDC`), USDC future `BTC-24MAR23`: linear, quote and settle USDC.
 * `category`, when known (the live connectors: linear and inverse are separate hosts), decides the type;
 * the pattern then only names the assets. Multiplier prefixes stay in the base (`1000PEPEUSDT` → `1000PEPE`).
 */
const INVERSE_SYMBOL = /^(.+?)USD(?:[FGHJKMNQUVXZ]\d{2})?$/;

export function bybitInstrument(symbol: string, category?: BybitCategory): Instrument {
  const bare = symbol.split('-')[0] || symbol;
  const inverse = INVERSE_SYMBOL.exec(bare);
  if (category === 'inverse' || (category === undefined && inverse !== null)) {
    const base = inverse?.[1] ?? bare;
    return { symbol, base, quote: 'USD', settle: base, type: 'inverse', contractValue: 1, from: 'built-in' };
  }
  // A dated USDC future is `BASE-DDMMMYY`: no quote in the name.
  let quote = bare === symbol ? undefined : 'USDC';
  let base = bare;
  for (const [suffix, q] of [['USDT', 'USDT'], ['USDC', 'USDC'], ['PERP', 'USDC']] as const)
    if (bare.endsWith(suffix) && bare.length > suffix.length) {
      base = bare.slice(0, -suffix.length);
      quote = q;
      break;
    }
  quote ??= 'USDT';
  return { symbol, base, quote, settle: quote, type: 'linear', contractValue: 1, from: 'built-in' };
}

/**
 * The instrument as the market list describes it: quote and settle coins from instruments-info. The base
 * stays the table's, so a market's `base` does not depend on whether discovery ran.
 */
export function bybitListedInstrument(i: BybitInstrument, category: BybitCategory): Instrument {
  const built = bybitInstrument(i.symbol, category);
  return { ...built, quote: i.quoteCoin || built.quote, settle: i.settleCoin || built.settle, from: 'discovery' };
}
