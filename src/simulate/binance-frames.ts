import type { RawFrame } from '../schema/events.js';
import { latency, latestPerKey, type Carried, type VenueEncoder } from './encoder.js';
import { nextEightHour, priceText, qtyText, rateText, simulatedFundingRate8h, type Coin } from './market.js';

/** Binance quotes some small coins per 1,000 (1000PEPEUSDT). */
export const binanceUnit = (c: Coin) => (c.coin === 'PEPE' ? 1000 : 1);
export const usdtSymbol = (c: Coin) => `${binanceUnit(c) === 1000 ? '1000' : ''}${c.coin}USDT`;

export const binanceUsdm: VenueEncoder = {
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
      { recv: time, venue: 'binance-usdm', frame: `[{"symbol":"${symbol}","markPrice":"${mark}",${fundingFields(coin, price, mark, time)},"time":${time}}]` },
      { recv: time + 30, venue: 'binance-usdm', frame: `{"openInterest":"${oi}","symbol":"${symbol}","time":${time}}` },
    ];
  },
};

/** premiumIndex's funding members as the docs lay them out ("Mark Price"), the index at the mark. */
const fundingFields = (coin: Coin, price: number, mark: string, time: number): string =>
  `"indexPrice":"${mark}","lastFundingRate":"${rateText(simulatedFundingRate8h(coin, price))}","interestRate":"0.00010000","nextFundingTime":${nextEightHour(time)}`;

const COINM_USD: Record<string, number> = { BTC: 100 };
export const binanceCoinm: VenueEncoder = {
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
      {
        recv: time,
        venue: 'binance-coinm',
        frame: `[{"symbol":"${symbol}","pair":"${coin.coin}USD","markPrice":"${priceText(price)}",${fundingFields(coin, price, priceText(price), time)},"time":${time}}]`,
      },
      {
        recv: time + 30,
        venue: 'binance-coinm',
        frame: `{"symbol":"${symbol}","pair":"${coin.coin}USD","openInterest":"${contracts}","contractType":"PERPETUAL","time":${time}}`,
      },
    ];
  },
};

