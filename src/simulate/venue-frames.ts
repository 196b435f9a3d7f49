import type { RawFrame, Side, VenueId } from '../schema/events.js';
import { priceText, qtyText, type Coin } from './market.js';
import type { Prng } from './prng.js';
import type { SimVenue } from './oct10-profile.js';
import { hyperliquidEncoder } from './hyperliquid-frames.js';

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
  encode(liqs: SimLiquidation[], r: Prng, minuteStart: number): { frames: RawFrame[]; carried: Carried[] };
  openInterest?: (coin: Coin, usd: number, price: number, time: number) => RawFrame[];
}

const latency = (r: Prng) => 15 + r.int(60);

/** Binance quotes some small coins per 1,000 (1000PEPEUSDT). */
const binanceUnit = (c: Coin) => (c.coin === 'PEPE' ? 1000 : 1);
const usdtSymbol = (c: Coin) => `${binanceUnit(c) === 1000 ? '1000' : ''}${c.coin}USDT`;

const binanceUsdm: VenueEncoder = {
  coins: ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'BNB', 'HYPE', 'AVAX', 'LINK', 'PEPE'],
  sizeFactor: 2,
  sampleKey: (l) => `${l.coin.coin}|${Math.floor(l.time / 1000)}`,
  encode(liqs, r) {
    const frames: RawFrame[] = [];
    const carried: Carried[] = [];
    for (const l of latestPerKey(liqs, this.sampleKey!)) {
      const unit = binanceUnit(l.coin);
      const ap = priceText(l.price * unit);
      const z = qtyText(l.usd / (l.price * unit), l.coin.qtyDecimals);
      const S = l.side === 'long' ? 'SELL' : 'BUY';
      const p = priceText(Number(ap) * (S === 'SELL' ? 0.995 : 1.005));
      const o = `{"s":"${usdtSymbol(l.coin)}","S":"${S}","o":"LIMIT","f":"IOC","q":"${z}","p":"${p}","ap":"${ap}","X":"FILLED","l":"${z}","z":"${z}","T":${l.time}}`;
      frames.push({ recv: l.time + latency(r), venue: 'binance-usdm', frame: `{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":${l.time + 2},"o":${o}}}` });
      carried.push({ side: l.side, notionalUsd: Number(z) * Number(ap) });
    }
    return { frames, carried };
  },
  // Binance has no open-interest stream: liqstream polls REST, and records the responses as frames.
  openInterest(coin, usd, price, time) {
    const symbol = usdtSymbol(coin);
    const mark = priceText(price * binanceUnit(coin));
    const oi = (usd / Number(mark)).toFixed(3);
    return [
      { recv: time, venue: 'binance-usdm', frame: `[{"symbol":"${symbol}","markPrice":"${mark}","time":${time}}]` },
      { recv: time + 30, venue: 'binance-usdm', frame: `{"openInterest":"${oi}","symbol":"${symbol}","time":${time}}` },
    ];
  },
};

const COINM_USD: Record<string, number> = { BTC: 100 };
const binanceCoinm: VenueEncoder = {
  coins: ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'BNB', 'AVAX', 'LINK'],
  sizeFactor: 2,
  sampleKey: (l) => `${l.coin.coin}|${Math.floor(l.time / 1000)}`,
  encode(liqs, r) {
    const frames: RawFrame[] = [];
    const carried: Carried[] = [];
    for (const l of latestPerKey(liqs, this.sampleKey!)) {
      const contractUsd = COINM_USD[l.coin.coin] ?? 10;
      const z = String(Math.max(1, Math.round(l.usd / contractUsd)));
      const ap = priceText(l.price);
      const S = l.side === 'long' ? 'SELL' : 'BUY';
      const o = `{"s":"${l.coin.coin}USD_PERP","ps":"${l.coin.coin}USD","S":"${S}","o":"LIMIT","f":"IOC","q":"${z}","p":"${ap}","ap":"${ap}","X":"FILLED","l":"${z}","z":"${z}","T":${l.time}}`;
      frames.push({ recv: l.time + latency(r), venue: 'binance-coinm', frame: `{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":${l.time + 2},"o":${o}}}` });
      carried.push({ side: l.side, notionalUsd: Number(z) * contractUsd });
    }
    return { frames, carried };
  },
  // The poller's dapi responses: premiumIndex for the mark, openInterest in contracts of a fixed USD value.
  openInterest(coin, usd, price, time) {
    const symbol = `${coin.coin}USD_PERP`;
    const contracts = Math.round(usd / (COINM_USD[coin.coin] ?? 10));
    return [
      { recv: time, venue: 'binance-coinm', frame: `[{"symbol":"${symbol}","pair":"${coin.coin}USD","markPrice":"${priceText(price)}","time":${time}}]` },
      {
        recv: time + 30,
        venue: 'binance-coinm',
        frame: `{"symbol":"${symbol}","pair":"${coin.coin}USD","openInterest":"${contracts}","contractType":"PERPETUAL","time":${time}}`,
      },
    ];
  },
};

/** Bybit batches a symbol's liquidations into one allLiquidation message per 500 ms. */
function bybitEncoder(venue: 'bybit-linear' | 'bybit-inverse'): VenueEncoder {
  const inverse = venue === 'bybit-inverse';
  const symbol = (c: Coin) => (inverse ? `${c.coin}USD` : usdtSymbol(c));
  return {
    coins: inverse ? ['BTC', 'ETH', 'SOL', 'XRP'] : ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'BNB', 'HYPE', 'AVAX', 'LINK', 'PEPE'],
    sizeFactor: 1,
    encode(liqs, r) {
      const frames: RawFrame[] = [];
      const carried: Carried[] = [];
      const batches = new Map<string, SimLiquidation[]>();
      for (const l of liqs) {
        const key = `${symbol(l.coin)}|${Math.floor(l.time / 500)}`;
        const b = batches.get(key);
        if (b) b.push(l);
        else batches.set(key, [l]);
      }
      for (const [key, batch] of batches) {
        const s = key.split('|')[0]!;
        const ts = (Math.floor(batch[0]!.time / 500) + 1) * 500;
        const data = batch.map((l) => {
          const unit = inverse ? 1 : binanceUnit(l.coin);
          const p = priceText(l.price * unit);
          const v = inverse ? String(Math.max(1, Math.round(l.usd))) : qtyText(l.usd / (l.price * unit), l.coin.qtyDecimals);
          carried.push({ side: l.side, notionalUsd: inverse ? Number(v) : Number(v) * Number(p) });
          // Bybit's S is the position side: Buy = a long was liquidated.
          return `{"T":${l.time},"s":"${s}","S":"${l.side === 'long' ? 'Buy' : 'Sell'}","v":"${v}","p":"${p}"}`;
        });
        frames.push({ recv: ts + latency(r), venue, frame: `{"topic":"allLiquidation.${s}","type":"snapshot","ts":${ts},"data":[${data.join(',')}]}` });
      }
      return { frames, carried };
    },
    openInterest(coin, usd, price, time) {
      const unit = inverse ? 1 : binanceUnit(coin);
      const mark = priceText(price * unit);
      // Linear: openInterest in coins, openInterestValue in USD. Inverse: openInterest in USD contracts, value in coins.
      const oi = inverse ? String(Math.round(usd)) : (usd / Number(mark)).toFixed(3);
      const value = inverse ? (usd / Number(mark)).toFixed(4) : usd.toFixed(2);
      const s = symbol(coin);
      return [
        {
          recv: time + 20,
          venue,
          frame: `{"topic":"tickers.${s}","type":"snapshot","data":{"symbol":"${s}","markPrice":"${mark}","openInterest":"${oi}","openInterestValue":"${value}"},"cs":1,"ts":${time}}`,
        },
      ];
    },
  };
}

function latestPerKey(liqs: SimLiquidation[], key: (l: SimLiquidation) => string): SimLiquidation[] {
  const latest = new Map<string, SimLiquidation>();
  for (const l of liqs) {
    const k = key(l);
    const prev = latest.get(k);
    if (!prev || l.time >= prev.time) latest.set(k, l);
  }
  return [...latest.values()].sort((a, b) => a.time - b.time);
}

export const VENUE_ENCODERS: Record<SimVenue, VenueEncoder> = {
  'binance-usdm': binanceUsdm,
  'binance-coinm': binanceCoinm,
  'bybit-linear': bybitEncoder('bybit-linear'),
  'bybit-inverse': bybitEncoder('bybit-inverse'),
  hyperliquid: hyperliquidEncoder,
};

export type { VenueId };
