import type { RawFrame } from '../schema/events.js';
import { binanceUnit, usdtSymbol } from './binance-frames.js';
import { latency, type Carried, type SimLiquidation, type VenueEncoder } from './encoder.js';
import { nextEightHour, priceText, qtyText, rateText, simulatedFundingRate8h, type Coin } from './market.js';

/** Bybit batches a symbol's liquidations into one allLiquidation message per 500 ms. */
export function bybitEncoder(venue: 'bybit-linear' | 'bybit-inverse'): VenueEncoder {
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
          frame: `{"topic":"tickers.${s}","type":"snapshot","data":{"symbol":"${s}","markPrice":"${mark}","indexPrice":"${mark}","openInterest":"${oi}","openInterestValue":"${value}","nextFundingTime":"${nextEightHour(time)}","fundingRate":"${rateText(simulatedFundingRate8h(coin, price))}"},"cs":1,"ts":${time}}`,
        },
      ];
    },
  };
}

