import type { RawFrame } from '../schema/events.js';
import type { Instrument } from '../venues/instruments.js';
import { latency, latestPerKey, type Carried, type SimLiquidation, type VenueEncoder } from './encoder.js';
import { groupBy, inverseUsd, linearUsd, lots, priceNum, second } from './wire.js';

/**
 * Gate USDT-settled perpetuals: `quanto_multiplier`, base units per contract (BTC, ETH and SOL are liqstream's
 * built-in table; the others reach a replay through metadata.json and the contract list; ≈ from Gate's listings).
 */
const MULTIPLIER: Record<string, number> = { BTC: 0.0001, ETH: 0.01, SOL: 1, XRP: 10, DOGE: 10, HYPE: 0.1, LINK: 1 };

/** The USDT contracts discovery would list (metadata.json of the recording). */
export function gateUsdtInstruments(): Record<string, Instrument> {
  const out: Record<string, Instrument> = {};
  for (const [coin, contractValue] of Object.entries(MULTIPLIER))
    out[`${coin}_USDT`] = { symbol: `${coin}_USDT`, base: coin, quote: 'USDT', settle: 'USDT', type: 'linear', contractValue, from: 'discovery' };
  return out;
}

/**
 * Gate `futures.public_liquidates` (sampled: at most one liquidation per contract per second); one update per
 * second lists the contracts' entries. `size` is the liquidation order's signed contracts: negative sold, so a
 * long was liquidated. gate-btc: BTC_USD, Gate's BTC-settled inverse perpetual of 1 USD a contract.
 */
export function gateEncoder(venue: 'gate-usdt' | 'gate-btc'): VenueEncoder {
  const btc = venue === 'gate-btc';
  const contract = (l: SimLiquidation) => `${l.coin.coin}_${btc ? 'USD' : 'USDT'}`;
  const sampleKey = (l: SimLiquidation) => `${contract(l)}|${second(l.time)}`;
  return {
    coins: btc ? ['BTC'] : Object.keys(MULTIPLIER),
    sizeFactor: 1,
    sampleKey,
    encode(liqs, r) {
      const frames: RawFrame[] = [];
      const carried: Carried[] = [];
      for (const batch of groupBy(latestPerKey(liqs, sampleKey), (l) => String(second(l.time))).values()) {
        const result = batch.map((l) => {
          const price = priceNum(l.price);
          const n = btc ? lots(l.usd) : lots(l.usd / (MULTIPLIER[l.coin.coin]! * price));
          carried.push({ side: l.side, notionalUsd: btc ? inverseUsd(n, 1) : linearUsd(n, MULTIPLIER[l.coin.coin]!, price) });
          return `{"price":${price},"size":"${l.side === 'long' ? -n : n}","time_ms":${l.time},"contract":"${contract(l)}"}`;
        });
        const sent = (second(batch[0]!.time) + 1) * 1000;
        frames.push({ recv: sent + latency(r), venue, frame: `{"channel":"futures.public_liquidates","event":"update","time":${sent / 1000},"time_ms":${sent},"result":[${result.join(',')}]}` });
      }
      return { frames, carried };
    },
    // GET /api/v4/futures/{settle}/contracts: the page of contracts, each with its mark price and open position.
    openInterestAnswer(rows, time) {
      const list = rows.map(({ coin, usd, price }) => {
        const mark = priceNum(price);
        const size = btc ? Math.round(usd) : Math.round(usd / (MULTIPLIER[coin.coin]! * mark));
        return `{"name":"${coin.coin}_${btc ? 'USD' : 'USDT'}","type":"${btc ? 'inverse' : 'direct'}","quanto_multiplier":"${btc ? '0' : MULTIPLIER[coin.coin]}","mark_price":"${mark}","index_price":"${mark}","position_size":${size}}`;
      });
      return [{ recv: time + 70, venue, frame: `[${list.join(',')}]` }];
    },
  };
}
