import { z } from 'zod';
import type { Instrument } from '../instruments.js';
import { DeribitListedInstrument } from './schema.js';

export const DERIBIT_REST_URL = 'https://www.deribit.com';

/**
 * Currencies whose futures `public/get_instruments` and `public/get_book_summary_by_currency` are asked for
 * (docs: the `currency` enum of both methods lists BTC, ETH, USDC, USDT, EURR). Linear USDC perpetuals
 * (`SOL_USDC-PERPETUAL`) are listed under USDC, USDT-settled ones under USDT.
 */
export const DERIBIT_CURRENCIES = ['BTC', 'ETH', 'USDC', 'USDT'] as const;

/**
 * Deribit's instrument table by name (docs "Instrument naming"): `BTC-PERPETUAL`, `ETH-26DEC25` are inverse
 * (quote USD, settled in the coin), `SOL_USDC-PERPETUAL`, `BTC_USDC-26DEC25` linear (quote and settle after
 * the underscore). The parser reads a trade's `amount`, which the docs give in USD on inverse markets and in
 * base coin on linear ones, never `contracts`: so one unit of quantity is 1 USD or 1 coin, and the value of
 * a contract (`contract_size`: 10 USD on BTC-PERPETUAL) never enters a notional.
 */
const LINEAR = /^([A-Z0-9]+)_([A-Z0-9]+)-[A-Z0-9]+$/;
const INVERSE = /^([A-Z0-9]+)-[A-Z0-9]+$/;

export function deribitInstrument(symbol: string): Instrument | undefined {
  const linear = LINEAR.exec(symbol);
  if (linear) return { symbol, base: linear[1]!, quote: linear[2]!, settle: linear[2]!, type: 'linear', contractValue: 1, from: 'built-in' };
  const inverse = INVERSE.exec(symbol);
  if (inverse) return { symbol, base: inverse[1]!, quote: 'USD', settle: inverse[1]!, type: 'inverse', contractValue: 1, from: 'built-in' };
  // Options (`BTC-27DEC24-100000-C`), combos and spot pairs are not futures: no liquidation of theirs is counted.
  return undefined;
}

/** A listed future as get_instruments describes it; the quote and settle currencies are the venue's own. */
export function deribitListedInstrument(i: DeribitListedInstrument): Instrument | undefined {
  const built = deribitInstrument(i.instrument_name);
  if (built === undefined || i.kind !== 'future') return undefined;
  const type = i.instrument_type === 'linear' ? 'linear' : i.instrument_type === 'reversed' ? 'inverse' : built.type;
  return {
    ...built,
    type,
    quote: type === 'inverse' ? 'USD' : i.quote_currency,
    settle: i.settlement_currency ?? built.settle,
    from: 'discovery',
  };
}

const Envelope = z.object({ result: z.array(z.unknown()) });

/** One currency's futures from GET /api/v2/public/get_instruments; throws on network, HTTP or format errors. */
async function fetchCurrency(base: string, currency: string, fetchImpl: typeof fetch, signal?: AbortSignal): Promise<Instrument[]> {
  const res = await fetchImpl(`${base}/api/v2/public/get_instruments?currency=${currency}&kind=future&expired=false`, { signal });
  if (!res.ok) throw new Error(`get_instruments ${currency}: HTTP ${res.status}`);
  const envelope = Envelope.safeParse(await res.json());
  if (!envelope.success) throw new Error(`get_instruments ${currency}: unexpected response`);
  return envelope.data.result.flatMap((row) => {
    const parsed = DeribitListedInstrument.safeParse(row);
    const inst = parsed.success && parsed.data.is_active !== false ? deribitListedInstrument(parsed.data) : undefined;
    return inst ? [inst] : [];
  });
}

/** Every active future of every currency; throws if any currency cannot be read, so discovery falls back whole. */
export async function fetchDeribitFutures(o: { baseUrl?: string; fetchImpl?: typeof fetch; signal?: AbortSignal } = {}): Promise<Instrument[]> {
  const base = (o.baseUrl ?? DERIBIT_REST_URL).replace(/\/+$/, '');
  const lists = await Promise.all(DERIBIT_CURRENCIES.map((c) => fetchCurrency(base, c, o.fetchImpl ?? fetch, o.signal)));
  return lists.flat().sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}
