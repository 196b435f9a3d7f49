import type { RawFrame } from '../schema/events.js';
import { latency, type Carried, type VenueEncoder } from './encoder.js';
import { groupBy, lots, priceNum } from './wire.js';

/** HTX USDT-margined swaps: base coins per contract (≈, HTX's contract specifications). */
export const HTX_CONTRACT_SIZE: Record<string, number> = { BTC: 0.001, ETH: 0.01, SOL: 1, XRP: 10, DOGE: 100, LINK: 0.1, AVAX: 1 };

/**
 * HTX `public.<contract>.liquidation_orders` notifications (complete): one per contract and 100 ms, listing that
 * contract's liquidations of the interval. `direction` is the liquidation order's side; the notional is HTX's own
 * `trade_turnover` (amount × price, USDT), which is what liqstream counts.
 */
export const htxEncoder: VenueEncoder = {
  coins: Object.keys(HTX_CONTRACT_SIZE),
  sizeFactor: 1,
  encode(liqs, r) {
    const frames: RawFrame[] = [];
    const carried: Carried[] = [];
    for (const batch of groupBy(liqs, (l) => `${l.coin.coin}|${Math.floor(l.time / 100)}`).values()) {
      const code = `${batch[0]!.coin.coin}-USDT`;
      const data = batch.map((l) => {
        const price = priceNum(l.price);
        const volume = lots(l.usd / (HTX_CONTRACT_SIZE[l.coin.coin]! * price));
        const amount = Number((volume * HTX_CONTRACT_SIZE[l.coin.coin]!).toFixed(6));
        const turnover = Number((amount * price).toFixed(4));
        carried.push({ side: l.side, notionalUsd: turnover });
        return `{"contract_code":"${code}","symbol":"${l.coin.coin}","direction":"${l.side === 'long' ? 'sell' : 'buy'}","offset":"close","volume":${volume},"price":${price},"created_at":${l.time},"amount":${amount},"trade_turnover":${turnover},"business_type":"swap","pair":"${code}","contract_type":"swap","trade_partition":"USDT"}`;
      });
      const ts = (Math.floor(batch[0]!.time / 100) + 1) * 100;
      frames.push({ recv: ts + latency(r), venue: 'htx-linear', frame: `{"op":"notify","topic":"public.${code}.liquidation_orders","ts":${ts},"data":[${data.join(',')}]}` });
    }
    return { frames, carried };
  },
  // GET /linear-swap-api/v1/swap_open_interest?business_type=all: every contract in one answer.
  openInterestAnswer(rows, time) {
    const data = rows.map(({ coin, usd, price }) => {
      const volume = Math.round(usd / (HTX_CONTRACT_SIZE[coin.coin]! * price));
      const amount = Number((volume * HTX_CONTRACT_SIZE[coin.coin]!).toFixed(6));
      const code = `${coin.coin}-USDT`;
      return `{"volume":${volume},"amount":${amount},"symbol":"${coin.coin}","value":${Number((amount * priceNum(price)).toFixed(4))},"contract_code":"${code}","trade_amount":0,"trade_volume":0,"trade_turnover":0,"business_type":"swap","pair":"${code}","contract_type":"swap","trade_partition":"USDT"}`;
    });
    return [{ recv: time + 60, venue: 'htx-linear', frame: `{"status":"ok","data":[${data.join(',')}],"ts":${time}}` }];
  },
};
