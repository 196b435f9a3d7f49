import type { NormalizedEvent } from '../schema/events.js';

/**
 * The coin an event is about, the same on every venue (issue 21): `BTC` for Binance's `BTCUSDT`, BitMEX's `XBTUSD`,
 * Kraken's `PF_XBTUSD`, OKX's `BTC-USDT-SWAP`, Bitfinex's `tBTCF0:USTF0`, Gate's `BTC_USDT`, Deribit's
 * `BTC-PERPETUAL`, dYdX's `BTC-USD` and Hyperliquid's `BTC`; `PEPE` for `1000PEPEUSDT` and Hyperliquid's `kPEPE`.
 *
 * The venue parsers name the base their own way (the instrument tables: `1000PEPE`, `XBT` on BitMEX rows, the
 * `F0` of Bitfinex derivatives already dropped); this module is the one place that maps those names to the coin,
 * applied by the ingestor to every event it publishes, so every consumer (aggregator, store, page, topics) sees
 * one name per coin. Parsers stay as they were: their own tests pin the venue's naming.
 *
 * A multiplied contract counts `multiplier` coins per unit (`1000PEPEUSDT`: 1,000 PEPE, priced per 1,000 PEPE):
 * the event's quantity is multiplied and its price divided, so `qty` is PEPE and `price` USD per PEPE; the USD
 * notional is the venue's and never changes (docs/mapping.md, "Coins across venues").
 */

/** Venue asset codes that name another coin. */
const ALIASES: Readonly<Record<string, string>> = {
  XBT: 'BTC', // BitMEX, Kraken
  XXBT: 'BTC',
  XDG: 'DOGE', // Kraken
};

/**
 * A power-of-ten multiplier written before the coin: `1000PEPE`, `10000LADYS`, `1000000MOG` (Bybit, Binance, Gate,
 * Bitget, and Hyperliquid's `k` coins, which its parser names `1000PEPE` already), `1MBABYDOGE` (Binance). The coin must start with a
 * letter, so `1INCH` and a bare `1000` are no multiplied names.
 */
const POWER_OF_TEN = /^(10{3,9})([A-Z][A-Z0-9]*)$/;
const MILLION = /^1M([A-Z][A-Z0-9]*)$/;

export interface BaseAsset {
  /** The coin, as aliased: `BTC`, `PEPE`. */
  base: string;
  /** Coins per unit of the venue's base (1 unless a multiplied contract). */
  multiplier: number;
}

const ONE = (base: string): BaseAsset => ({ base, multiplier: 1 });

/** The coin a venue's base names, and how many of it one unit of that base is (the same rule for every venue). */
export function normalBase(venueBase: string): BaseAsset {
  const aliased = ALIASES[venueBase];
  if (aliased !== undefined) return ONE(aliased);
  const power = POWER_OF_TEN.exec(venueBase);
  if (power) return { base: ALIASES[power[2]!] ?? power[2]!, multiplier: Number(power[1]) };
  const million = MILLION.exec(venueBase);
  if (million) return { base: million[1]!, multiplier: 1_000_000 };
  return ONE(venueBase);
}

/** Bases are few and events many: one answer per base, kept (bounded, as names are unbounded). */
const cache = new Map<string, BaseAsset>();
const CACHE_MAX = 65_536;
function cachedBase(venueBase: string): BaseAsset {
  let found = cache.get(venueBase);
  if (found === undefined) {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(venueBase, (found = normalBase(venueBase)));
  }
  return found;
}

/**
 * The event with its coin normalized: the same object when nothing changes (most events), a copy otherwise.
 * Liquidations: `qty` × multiplier, `price` ÷ multiplier; open interest: `oiBase` × multiplier, `markPrice` ÷;
 * funding: `markPrice`/`indexPrice` ÷ multiplier (a rate is a fraction, the same whatever the unit); a
 * retraction's event likewise, so it still carries the liquidation exactly as it was published. Never USD.
 */
export const withNormalBase = <E extends NormalizedEvent>(event: E): E => normalizeEvent(event) as E;

function normalizeEvent(event: NormalizedEvent): NormalizedEvent {
  switch (event.type) {
    case 'gap':
      return event;
    case 'retraction': {
      const inner = normalizeEvent(event.event);
      return inner === event.event || inner.type !== 'liquidation' ? event : { ...event, event: inner };
    }
    default: {
      const { base, multiplier } = cachedBase(event.base);
      if (base === event.base && multiplier === 1) return event;
      if (multiplier === 1) return { ...event, base };
      if (event.type === 'liquidation') return { ...event, base, qty: event.qty * multiplier, price: event.price / multiplier };
      if (event.type === 'open_interest') return { ...event, base, oiBase: event.oiBase * multiplier, markPrice: event.markPrice / multiplier };
      return {
        ...event,
        base,
        ...(event.markPrice !== undefined ? { markPrice: event.markPrice / multiplier } : {}),
        ...(event.indexPrice !== undefined ? { indexPrice: event.indexPrice / multiplier } : {}),
      };
    }
  }
}
