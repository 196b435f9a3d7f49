import type { RawFrame } from '../schema/events.js';
import { OCT10 } from './oct10-profile.js';
import { latency, type Carried, type VenueEncoder } from './encoder.js';
import { groupBy, linearUsd, priceNum, second } from './wire.js';

const pair = (coin: string) => `t${coin}F0:USTF0`;
/** Bitfinex's channel id of the `liq:global` subscription on the recorded connection. */
const CHANNEL = 386_841;

/**
 * Bitfinex `liq:global` status messages (complete): per second, the triggers of its liquidations (IS_MATCH 0, the
 * whole position at PRICE_ACQUIRED, counted) and, for half of them, the market execution that closed the position
 * (IS_MATCH 1, the same position again, never counted). Perpetuals `tBTCF0:USTF0` …, one contract a base unit;
 * AMOUNT positive for a long position.
 */
export const bitfinexEncoder: VenueEncoder = {
  coins: ['BTC', 'ETH', 'SOL', 'XRP'],
  sizeFactor: 1,
  encode(liqs, r, minuteStart) {
    const frames: RawFrame[] = [];
    const carried: Carried[] = [];
    let posId = 180_000_000 + ((minuteStart - OCT10.day) / 60_000) * 10_000;
    for (const batch of groupBy(liqs, (l) => String(second(l.time))).values()) {
      const entries: string[] = [];
      for (const l of batch) {
        const price = priceNum(l.price);
        const amount = Number((l.usd / price).toFixed(8)) || 1e-4;
        const signed = l.side === 'long' ? amount : -amount;
        const entry = (isMatch: number, px: number) => `["pos",${posId},${l.time},null,"${pair(l.coin.coin)}",${signed},${priceNum(l.price * (l.side === 'long' ? 1.05 : 0.95))},null,${isMatch},1,null,${px}]`;
        carried.push({ side: l.side, notionalUsd: linearUsd(amount, 1, price) });
        entries.push(entry(0, price));
        if (r.next() < 0.5) entries.push(entry(1, priceNum(price * (l.side === 'long' ? 0.999 : 1.001))));
        posId++;
      }
      frames.push({ recv: (second(batch[0]!.time) + 1) * 1000 + latency(r), venue: 'bitfinex', frame: `[${CHANNEL},[${entries.join(',')}]]` });
    }
    return { frames, carried };
  },
  // GET /v2/status/deriv?keys=ALL: [KEY, MTS, …, MARK_PRICE (15), …, OPEN_INTEREST (18), …] per perpetual.
  openInterestAnswer(rows, time) {
    const list = rows.map(({ coin, usd, price }) => {
      const mark = priceNum(price);
      return `["${pair(coin.coin)}",${time},null,${mark},${mark},null,1000000,null,${time + 3_600_000},0,0,null,0.0001,null,null,${mark},null,null,${Number((usd / mark).toFixed(4))},null,null,null,0.002,0.0025]`;
    });
    return [{ recv: time + 110, venue: 'bitfinex', frame: `[${list.join(',')}]` }];
  },
};
