import type { RawFrame, Side } from '../schema/events.js';
import type { Coin } from './market.js';
import type { Prng } from './prng.js';
import type { SimVenue } from './oct10-profile.js';

/** One liquidation of the synthetic day before it is written in a venue's format. */
export interface SimLiquidation {
  venue: SimVenue;
  coin: Coin;
  price: number;
  usd: number;
  side: Side;
  time: number;
  user: number;
}

/** What a venue's stream carried, with the notional exactly as liqstream's parser computes it. */
export interface Carried {
  side: Side;
  notionalUsd: number;
}

export interface VenueEncoder {
  coins: readonly string[];
  /** Mean position size relative to the all-venue mean. */
  sizeFactor: number;
  /** Venues that thin their stream: liquidations sharing a key, only the latest is carried. */
  sampleKey?: (l: SimLiquidation) => string;
  /** Which of two liquidations sharing a key the stream carries (default: the later, latestWins). */
  sampleWins?: (l: SimLiquidation, prev: SimLiquidation) => boolean;
  encode(liqs: SimLiquidation[], r: Prng, minuteStart: number): { frames: RawFrame[]; carried: Carried[] };
  openInterest?: (coin: Coin, usd: number, price: number, time: number) => RawFrame[];
  /** Open interest as one REST answer listing every market of the venue (its poller's frame). */
  openInterestAnswer?: (rows: OpenInterestRow[], time: number) => RawFrame[];
}

export interface OpenInterestRow {
  coin: Coin;
  usd: number;
  price: number;
}

export const latestWins = (l: SimLiquidation, prev: SimLiquidation): boolean => l.time >= prev.time;
/** Bitget pushes the largest liquidation of each pair and side per second. */
export const largestWins = (l: SimLiquidation, prev: SimLiquidation): boolean => l.usd > prev.usd || (l.usd === prev.usd && l.time >= prev.time);

/** Receive latency of a simulated frame, ms. */
export const latency = (r: Prng) => 15 + r.int(60);


/** Venues that keep only the latest liquidation per key (Binance: per symbol and second). */
export function latestPerKey(liqs: SimLiquidation[], key: (l: SimLiquidation) => string, wins = latestWins): SimLiquidation[] {
  const latest = new Map<string, SimLiquidation>();
  for (const l of liqs) {
    const k = key(l);
    const prev = latest.get(k);
    if (!prev || wins(l, prev)) latest.set(k, l);
  }
  return [...latest.values()].sort((a, b) => a.time - b.time);
}

