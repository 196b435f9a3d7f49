import type { RawFrame } from '../schema/events.js';
import { latency, type Carried, type SimLiquidation, type VenueEncoder } from './encoder.js';
import { closingSide, inverseUsd, linearUsd, lots, priceNum, qtyNum, uuid } from './wire.js';

const code = (coin: string) => (coin === 'BTC' ? 'XBT' : coin);
/** A quarter of Kraken's BTC and ETH liquidations are on its inverse perpetuals (`PI_`, USD contracts; ≈). */
const inverse = (l: SimLiquidation) => (l.coin.coin === 'BTC' || l.coin.coin === 'ETH') && l.user % 4 === 0;

/**
 * Kraken Futures `trade` feed messages (complete for the products watched), one trade each: a liquidation is a
 * trade of `type` `liquidation`, `side` the taker's (a liquidated long sells). `PF_` products are linear with
 * quantities in base units, `PI_` inverse with quantities in USD contracts (contract size 1 on both).
 */
export const krakenEncoder: VenueEncoder = {
  coins: ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE'],
  sizeFactor: 1,
  encode(liqs, r, minuteStart) {
    const frames: RawFrame[] = [];
    const carried: Carried[] = [];
    let seq = (minuteStart / 60_000) % 1_000_000 * 1_000;
    for (const l of liqs) {
      const inv = inverse(l);
      const product = `${inv ? 'PI' : 'PF'}_${code(l.coin.coin)}USD`;
      const price = priceNum(l.price);
      const qty = inv ? lots(l.usd) : qtyNum(l.usd / price, l.coin.qtyDecimals + 1);
      carried.push({ side: l.side, notionalUsd: inv ? inverseUsd(qty, 1) : linearUsd(qty, 1, price) });
      frames.push({
        recv: l.time + latency(r),
        venue: 'kraken-futures',
        frame: `{"feed":"trade","product_id":"${product}","uid":"${uuid(r)}","side":"${closingSide(l.side)}","type":"liquidation","seq":${seq++},"time":${l.time},"qty":${qty},"price":${price}}`,
      });
    }
    return { frames, carried };
  },
  // GET /derivatives/api/v3/tickers: every product, open interest in contracts at the mark price.
  openInterestAnswer(rows, time) {
    const tickers = rows.flatMap(({ coin, usd, price }) => {
      const mark = priceNum(price);
      const pf = `{"tag":"perpetual","pair":"${code(coin.coin)}:USD","symbol":"PF_${code(coin.coin)}USD","markPrice":${mark},"openInterest":${qtyNum((usd * 0.75) / mark, coin.qtyDecimals + 1)},"suspended":false}`;
      if (coin.coin !== 'BTC' && coin.coin !== 'ETH') return [pf];
      return [pf, `{"tag":"perpetual","pair":"${code(coin.coin)}:USD","symbol":"PI_${code(coin.coin)}USD","markPrice":${mark},"openInterest":${Math.round(usd * 0.25)},"suspended":false}`];
    });
    return [{ recv: time + 100, venue: 'kraken-futures', frame: `{"result":"success","tickers":[${tickers.join(',')}],"serverTime":"${new Date(time).toISOString()}"}` }];
  },
};
