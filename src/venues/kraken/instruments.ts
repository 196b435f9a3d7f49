import type { Instrument } from '../instruments.js';
import { InstrumentsAnswer, ListedInstrument } from './schema.js';

export const KRAKEN_FUTURES_REST_URL = 'https://futures.kraken.com';

/**
 * Kraken names its futures by prefix (docs "Futures: Conventions", instruments `type`): `PF_`/`FF_` are
 * multi-collateral ("flexible_futures"), linear, quantity in base units; `PI_`/`FI_` inverse ("futures_inverse"),
 * one contract worth 1 USD. Both are quoted in USD; XBT is Kraken's name for BTC.
 */
const NAME = /^(PF|FF|PI|FI)_([A-Z0-9]+?)USD(?:_\d{6})?$/;

const baseName = (code: string): string => (code === 'XBT' ? 'BTC' : code);

/** The documented contract for a product name (contract size 1 on every listed product); undefined for indices and spreads. */
export function krakenInstrument(symbol: string): Instrument | undefined {
  const m = NAME.exec(symbol);
  if (!m) return undefined;
  const base = baseName(m[2]!);
  const linear = m[1] === 'PF' || m[1] === 'FF';
  return { symbol, base, quote: 'USD', settle: linear ? 'USD' : base, type: linear ? 'linear' : 'inverse', contractValue: 1, from: 'built-in' };
}

/**
 * A listed product as the instruments endpoint describes it: the contract size is the venue's. The type stays the
 * name's: the docs' own example lists PF_XBTUSD as `futures_inverse`, while live answers (and ccxt) say
 * `flexible_futures`; a prefix contradicting the type is left out rather than valued by a guess.
 */
export function krakenListedInstrument(i: ListedInstrument): Instrument | undefined {
  const built = krakenInstrument(i.symbol);
  if (built === undefined || i.tradeable === false || i.contractSize === undefined) return undefined;
  const listedLinear = i.type === 'flexible_futures' ? true : i.type?.includes('inverse') ? false : undefined;
  if (listedLinear !== undefined && listedLinear !== (built.type === 'linear')) return undefined;
  return { ...built, contractValue: i.contractSize, from: 'discovery' };
}

/**
 * Used when the product list cannot be read: the BTC, ETH and SOL perpetuals. Kraken subscribes per product,
 * so with this list the venue's totals are `partial` (a lower bound).
 */
export const DEFAULT_KRAKEN_PRODUCTS: readonly string[] = ['PF_XBTUSD', 'PF_ETHUSD', 'PF_SOLUSD', 'PI_XBTUSD', 'PI_ETHUSD'];

/** The futures of an instruments answer; throws when it is not one. */
export function listedInstruments(json: unknown): Instrument[] {
  const parsed = InstrumentsAnswer.safeParse(json);
  if (!parsed.success) throw new Error('instruments: unexpected response');
  return parsed.data.instruments
    .flatMap((row) => {
      const listed = ListedInstrument.safeParse(row);
      const inst = listed.success ? krakenListedInstrument(listed.data) : undefined;
      return inst ? [inst] : [];
    })
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

/** GET /derivatives/api/v3/instruments: every tradeable future. Throws on network, HTTP or format errors. */
export async function fetchKrakenInstruments(o: { baseUrl?: string; fetchImpl?: typeof fetch; signal?: AbortSignal } = {}): Promise<Instrument[]> {
  const base = (o.baseUrl ?? KRAKEN_FUTURES_REST_URL).replace(/\/+$/, '');
  const res = await (o.fetchImpl ?? fetch)(`${base}/derivatives/api/v3/instruments`, { signal: o.signal });
  if (!res.ok) throw new Error(`instruments: HTTP ${res.status}`);
  return listedInstruments(await res.json());
}
