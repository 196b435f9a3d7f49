import { Instrument, fillSize, notionalUsd, type ReferencePrices } from '../instruments.js';
import { InstrumentRow, type BitmexInstrumentRow } from './schema.js';

export const BITMEX_REST_URL = 'https://www.bitmex.com';
export const INSTRUMENT_PATH = '/api/v1/instrument/active';

/**
 * A BitMEX contract: the shared instrument model, and whether it is a quanto. A quanto (ETHUSD) is worth
 * `multiplier` satoshis per contract per point of its price, whatever the underlying: its value is in the
 * settlement coin (BTC), so `instrument` says linear, quoted in BTC, and the quote notional is BTC that a
 * BTC price turns into USD. Its base quantity is not contracts × a size but the USD value at its price.
 */
export interface BitmexContract {
  instrument: Instrument;
  quanto: boolean;
}

/** BitMEX names bitcoin XBT and counts settlement currencies in minor units (XBt satoshis, USDt millionths). */
const ASSET: Readonly<Record<string, string>> = { XBT: 'BTC', XBt: 'BTC', USDt: 'USDT' };
export const bitmexAsset = (code: string): string => ASSET[code] ?? code.toUpperCase();

/** Minor units per settlement coin: `multiplier` and `openValue` are in these (docs "Contract Guides"). */
const SETTLE_MINOR_UNITS: Readonly<Record<string, number>> = { XBt: 1e8, USDt: 1e6 };

const positive = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n) && n !== 0;

/**
 * The contract a row describes, by BitMEX's own contract-size rules (support article "How Do I Calculate
 * Contract Size … Using the /instrument Endpoint"): inverse `multiplier / underlyingToSettleMultiplier` quote
 * units (XBTUSD: −100000000 / −100000000 = 1 USD); linear `1 / underlyingToPositionMultiplier` base units
 * (XBTUSDT: 0.000001 XBT); quanto `multiplier` in the settlement currency's minor units per price point
 * (ETHUSD: 100 XBt). Undefined for a row that cannot be valued (an index, nulls, a settlement currency
 * whose minor unit is not known here).
 */
export function bitmexInstrument(row: BitmexInstrumentRow, from: Instrument['from']): BitmexContract | undefined {
  const base = bitmexAsset(row.underlying);
  const quote = bitmexAsset(row.quoteCurrency);
  const settleCode = row.settlCurrency ?? '';
  const settle = settleCode === '' ? undefined : bitmexAsset(settleCode);
  const { multiplier: m, underlyingToPositionMultiplier: u2p, underlyingToSettleMultiplier: u2s } = row;
  let candidate: Instrument | undefined;
  if (row.isQuanto) {
    const minor = SETTLE_MINOR_UNITS[settleCode];
    if (minor !== undefined && positive(m) && m > 0 && settle !== undefined)
      candidate = { symbol: row.symbol, base, quote: settle, settle, type: 'linear', contractValue: m / minor, from };
  } else if (row.isInverse) {
    if (positive(m) && positive(u2s) && m / u2s > 0) candidate = { symbol: row.symbol, base, quote, settle: settle ?? base, type: 'inverse', contractValue: m / u2s, from };
  } else if (positive(u2p) && u2p > 0) {
    candidate = { symbol: row.symbol, base, quote, settle: settle ?? quote, type: 'linear', contractValue: 1 / u2p, from };
  }
  const parsed = Instrument.safeParse(candidate);
  return parsed.success ? { instrument: parsed.data, quanto: row.isQuanto } : undefined;
}

/**
 * The largest markets as BitMEX lists them, valued when no instrument list was read yet (before the first poll
 * answer, or with polling and discovery off). Sources: XBTUSD (−100000000 / −100000000) from BitMEX's
 * instrument rows as quoted in its support forum; XBTUSDT (1000000) and ETHUSDT (100000) underlying-to-position
 * multipliers as the instrument endpoint lists them; ETHUSD (100 XBt) and SOLUSDT (1000 XBt, listed as a
 * quanto in 2021) from BitMEX's contract announcements. The instrument poll's answer replaces every entry.
 */
const BUILT_IN_ROWS: readonly BitmexInstrumentRow[] = [
  { symbol: 'XBTUSD', underlying: 'XBT', quoteCurrency: 'USD', settlCurrency: 'XBt', isInverse: true, isQuanto: false, multiplier: -100_000_000, underlyingToSettleMultiplier: -100_000_000 },
  { symbol: 'XBTUSDT', underlying: 'XBT', quoteCurrency: 'USDT', settlCurrency: 'USDt', isInverse: false, isQuanto: false, multiplier: 1, underlyingToPositionMultiplier: 1_000_000 },
  { symbol: 'ETHUSD', underlying: 'ETH', quoteCurrency: 'USD', settlCurrency: 'XBt', isInverse: false, isQuanto: true, multiplier: 100 },
  { symbol: 'ETHUSDT', underlying: 'ETH', quoteCurrency: 'USDT', settlCurrency: 'USDt', isInverse: false, isQuanto: false, multiplier: 1, underlyingToPositionMultiplier: 100_000 },
  { symbol: 'SOLUSDT', underlying: 'SOL', quoteCurrency: 'USDT', settlCurrency: 'XBt', isInverse: false, isQuanto: true, multiplier: 1000 },
];

export const BUILT_IN_CONTRACTS: ReadonlyMap<string, BitmexContract> = new Map(
  BUILT_IN_ROWS.flatMap((row) => {
    const contract = bitmexInstrument(row, 'built-in');
    return contract === undefined ? [] : [[row.symbol, contract] as const];
  }),
);

/**
 * `contracts` at `price` as base units and USD, or the quote asset that lacks a fresh USD reference price
 * (a quanto needs BTC's; so would a contract quoted in anything but USD or a USD stablecoin).
 */
export function bitmexValue(
  c: BitmexContract,
  contracts: number,
  price: number,
  refs: ReferencePrices,
  time: number,
): { ok: true; baseQty: number; usd: number } | { ok: false; missing: string } {
  const { baseQty, quoteNotional } = fillSize(c.instrument, contracts, price);
  const usd = notionalUsd(c.instrument, quoteNotional, refs, time);
  if (usd === undefined) return { ok: false, missing: c.instrument.quote };
  return { ok: true, baseQty: c.quanto ? usd / price : baseQty, usd };
}

/**
 * Discovery: every active instrument from GET /api/v1/instrument/active by symbol, for metadata. Quanto
 * contracts are left out: the instrument model has no quanto kind, so metadata could not tell them from a
 * BTC-quoted linear contract; they are valued from the built-in table until the poll's answer (which a recording
 * keeps) lists them. Direct `fetch`: one GET. Throws on network, HTTP or format errors.
 */
export async function fetchBitmexInstruments(o: { baseUrl?: string; fetchImpl?: typeof fetch; signal?: AbortSignal } = {}): Promise<Record<string, Instrument>> {
  const base = (o.baseUrl ?? BITMEX_REST_URL).replace(/\/+$/, '');
  const res = await (o.fetchImpl ?? fetch)(`${base}${INSTRUMENT_PATH}`, { signal: o.signal });
  if (!res.ok) throw new Error(`instrument/active: HTTP ${res.status}`);
  const rows: unknown = await res.json();
  if (!Array.isArray(rows)) throw new Error('instrument/active: the answer is not a list');
  const found: Record<string, Instrument> = {};
  for (const r of rows) {
    const row = InstrumentRow.safeParse(r);
    const contract = row.success ? bitmexInstrument(row.data, 'discovery') : undefined;
    if (contract !== undefined && !contract.quanto) found[contract.instrument.symbol] = contract.instrument;
  }
  return found;
}
