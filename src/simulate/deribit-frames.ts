import type { RawFrame } from '../schema/events.js';
import { OCT10 } from './oct10-profile.js';
import { latency, type Carried, type SimLiquidation, type VenueEncoder } from './encoder.js';
import { groupBy, inverseUsd, linearUsd, lots, onTick, priceNum, qtyNum } from './wire.js';

/** Inverse perpetuals: `amount` in USD, in steps of 10 (BTC) or 1 (ETH); the others USDC-margined linear ones, in coins. */
const INVERSE_STEP: Record<string, number> = { BTC: 10, ETH: 1 };
const instrument = (coin: string) => (INVERSE_STEP[coin] !== undefined ? `${coin}-PERPETUAL` : `${coin}_USDC-PERPETUAL`);
const price = (l: SimLiquidation) => (l.coin.coin === 'BTC' ? onTick(l.price, 0.5) : priceNum(l.price));

/**
 * Deribit `trades.future.any.100ms` notifications (complete: every trade is public): the trades of 100 ms in one
 * notification. A liquidation is a trade flagged `liquidation`: `T` the taker was liquidated (70%), `M` the maker
 * (25%), `MT` both (5%: two positions closed, of opposite sides, each the whole amount). `direction` is the taker's.
 * Every fifth notification also carries an ordinary trade, which counts nothing.
 */
export const deribitEncoder: VenueEncoder = {
  coins: ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE'],
  sizeFactor: 1,
  encode(liqs, r, minuteStart) {
    const frames: RawFrame[] = [];
    const carried: Carried[] = [];
    // Trade ids from the minute and the trade's place in it: unique over the day, whatever else is simulated.
    let n = ((minuteStart - OCT10.day) / 60_000) * 100_000;
    const trade = (l: SimLiquidation, flag: string | undefined, direction: 'buy' | 'sell', amount: number, px: number) =>
      `{"trade_seq":${n},"trade_id":"${400_000_000 + n++}","timestamp":${l.time},"tick_direction":${r.int(4)},"price":${px},"mark_price":${px},"index_price":${px},"instrument_name":"${instrument(l.coin.coin)}","direction":"${direction}","amount":${amount}${flag ? `,"liquidation":"${flag}"` : ''}}`;
    for (const batch of groupBy(liqs, (l) => String(Math.floor(l.time / 100))).values()) {
      const data = batch.map((l) => {
        const px = price(l);
        const step = INVERSE_STEP[l.coin.coin];
        const amount = step !== undefined ? lots(l.usd, step) : qtyNum(l.usd / px, l.coin.qtyDecimals);
        const usd = step !== undefined ? inverseUsd(amount, 1) : linearUsd(amount, 1, px);
        const x = r.next();
        const flag = x < 0.7 ? 'T' : x < 0.95 ? 'M' : 'MT';
        // The liquidated taker closes its position (a long sells); a liquidated maker traded the other way.
        const takerSells = flag === 'M' ? l.side === 'short' : l.side === 'long';
        carried.push({ side: l.side, notionalUsd: usd });
        if (flag === 'MT') carried.push({ side: l.side === 'long' ? 'short' : 'long', notionalUsd: usd });
        return trade(l, flag, takerSells ? 'sell' : 'buy', amount, px);
      });
      if (r.next() < 0.2) {
        const l = batch[0]!;
        data.push(trade(l, undefined, r.next() < 0.5 ? 'buy' : 'sell', INVERSE_STEP[l.coin.coin] ?? 1, price(l)));
      }
      const sent = (Math.floor(batch[0]!.time / 100) + 1) * 100;
      frames.push({ recv: sent + latency(r), venue: 'deribit', frame: `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.future.any.100ms","data":[${data.join(',')}]}}` });
    }
    return { frames, carried };
  },
  // public/get_book_summary_by_currency?kind=future, one answer per currency (BTC, ETH, USDC).
  openInterestAnswer(rows, time) {
    const byCurrency = groupBy(rows, (x) => (INVERSE_STEP[x.coin.coin] !== undefined ? x.coin.coin : 'USDC'));
    return [...byCurrency].map(([currency, list], i) => {
      const summaries = list.map(({ coin, usd, price: p }) => {
        const mark = coin.coin === 'BTC' ? onTick(p, 0.5) : priceNum(p);
        const oi = INVERSE_STEP[coin.coin] !== undefined ? Math.round(usd) : Number((usd / mark).toFixed(1));
        return `{"instrument_name":"${instrument(coin.coin)}","base_currency":"${coin.coin}","quote_currency":"${currency === 'USDC' ? 'USDC' : 'USD'}","open_interest":${oi},"mark_price":${mark},"creation_timestamp":${time}}`;
      });
      return { recv: time + 50 + i, venue: 'deribit', frame: `{"jsonrpc":"2.0","id":${9000 + i},"result":[${summaries.join(',')}]}` };
    });
  },
};
