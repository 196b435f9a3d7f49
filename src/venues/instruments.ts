import { z } from 'zod';

/**
 * The instrument model: what one contract of a market is, so that a quantity and a price become base units
 * and a USD notional the same way in a live parser, the tardis importer and any later importer. Each venue
 * describes its markets with one function (`binanceInstrument`, `bybitInstrument`), from discovery when it
 * ran and from a documented symbol-pattern table otherwise. See docs/adding-a-venue.md.
 */

/** linear: quantities in base units (× contractValue), priced in the quote; inverse: contracts worth `contractValue` quote units each. */
export const ContractType = z.enum(['linear', 'inverse']);
export type ContractType = z.infer<typeof ContractType>;

export const Instrument = z.object({
  symbol: z.string().min(1),
  base: z.string().min(1),
  /** The asset the price is in (`USDT`, `USD`, `BTC` for Binance's ETHBTC). */
  quote: z.string().min(1),
  /** The asset margin and PnL are in (the base coin on inverse contracts). */
  settle: z.string().min(1),
  type: ContractType,
  /** linear: base units per unit of quantity; inverse: quote units (USD) per contract. */
  contractValue: z.number().finite().positive(),
  /** Where the description came from: the venue's market list, or the built-in pattern table. */
  from: z.enum(['discovery', 'built-in']),
});
export type Instrument = z.infer<typeof Instrument>;

/**
 * Quote assets counted 1:1 as USD. Stablecoins at face value, not at a market price: a notional is the
 * size of the closed position in its quote unit, and the venues settle these contracts in that unit at
 * par; a stablecoin's own price dislocation (USDe at 0.65 on Binance spot on 10 Oct 2025) moved margin
 * valuations, not the size of positions. Reasoning and consequences: docs/mapping.md, "Quote assets".
 */
export const USD_QUOTES: ReadonlySet<string> = new Set(['USD', 'USDT', 'USDC', 'BUSD', 'FDUSD', 'USDE']);
export const isUsdQuote = (asset: string): boolean => USD_QUOTES.has(asset);

/** A fill of `qty` (the venue's quantity: base units on linear markets, contracts on inverse ones) at `price`. */
export function fillSize(inst: Pick<Instrument, 'type' | 'contractValue'>, qty: number, price: number): { baseQty: number; quoteNotional: number } {
  return { baseQty: fillBase(inst, qty, price), quoteNotional: fillQuote(inst, qty, price) };
}

/** fillSize's base quantity, without the object (a fast path's entry allocates nothing but its event). */
export const fillBase = (inst: Pick<Instrument, 'type' | 'contractValue'>, qty: number, price: number): number =>
  inst.type === 'linear' ? qty * inst.contractValue : (qty * inst.contractValue) / price;
/** fillSize's quote notional, without the object. */
export const fillQuote = (inst: Pick<Instrument, 'type' | 'contractValue'>, qty: number, price: number): number =>
  inst.type === 'linear' ? qty * inst.contractValue * price : qty * inst.contractValue;

/** How old a reference price may be, in ms of receive time, before a conversion refuses it. */
export const DEFAULT_REFERENCE_MAX_AGE_MS = 5 * 60_000;

/**
 * USD prices of non-USD quote assets (BTC for Binance's ETHBTC), as the venue's own stream last stated them.
 * It lives in a parser's closure, like its mark prices: parsers stay pure functions of the frames they saw.
 */
export class ReferencePrices {
  private readonly prices = new Map<string, { price: number; time: number }>();
  constructor(readonly maxAgeMs: number = DEFAULT_REFERENCE_MAX_AGE_MS) {}

  set(asset: string, price: number, time: number): void {
    const known = this.prices.get(asset);
    // A recording replayed out of order must not put an older price over a newer one.
    if (price > 0 && Number.isFinite(price) && (known === undefined || time >= known.time)) this.prices.set(asset, { price, time });
  }

  /** USD per unit of `asset` at `time`; undefined when none was seen within maxAgeMs (either side of `time`). */
  usd(asset: string, time: number): number | undefined {
    const known = this.prices.get(asset);
    return known !== undefined && Math.abs(time - known.time) <= this.maxAgeMs ? known.price : undefined;
  }
}

/**
 * `quoteNotional` of `inst` in USD: face value for a USD quote, × the reference price otherwise; undefined
 * when the quote is not USD and no fresh reference price is known: such an event must stay out of USD
 * totals (the parsers dead-letter it with a `no reference price` reason), never be added at face value.
 */
export function notionalUsd(inst: Pick<Instrument, 'quote'>, quoteNotional: number, refs: ReferencePrices | undefined, time: number): number | undefined {
  if (isUsdQuote(inst.quote)) return quoteNotional;
  const ref = refs?.usd(inst.quote, time);
  return ref === undefined ? undefined : quoteNotional * ref;
}

/** The dead-letter reason for a non-USD quote without a fresh reference price (one text, so it can be counted). */
export const noReferenceReason = (symbol: string, quote: string, maxAgeMs: number): string =>
  `no reference price: ${symbol} is quoted in ${quote} and no ${quote} USD price was seen within ${maxAgeMs} ms; left out of USD totals`;

/**
 * Instruments by symbol from venue metadata (discovery, or a recording's metadata.json, which is read back
 * without a schema): each entry is checked against `Instrument`, and one that fails is ignored, so the
 * pattern table describes that market instead.
 */
export function instrumentLookup(recorded: Readonly<Record<string, unknown>> | undefined): ((symbol: string) => Instrument | undefined) | undefined {
  if (recorded === undefined) return undefined;
  const valid = new Map<string, Instrument>();
  for (const [symbol, value] of Object.entries(recorded)) {
    const parsed = Instrument.safeParse(value);
    if (parsed.success && parsed.data.symbol === symbol) valid.set(symbol, parsed.data);
  }
  return (symbol) => valid.get(symbol);
}
