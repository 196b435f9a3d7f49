import type { RawFrame } from '../schema/events.js';
import { latency, type Carried, type SimLiquidation, type VenueEncoder } from './encoder.js';
import { groupBy, inverseUsd, linearUsd, lots, onTick, priceNum, uuid } from './wire.js';

/**
 * BitMEX contracts as its instrument rows state them: XBTUSD inverse, 1 USD a contract in lots of 100; XBTUSDT and
 * ETHUSDT linear, 1/underlyingToPositionMultiplier base units a contract (1e-6 XBT, 1e-5 ETH) in lots of 1,000.
 * Quanto contracts (ETHUSD) are left out: they need BitMEX's BTC price first.
 */
const CONTRACTS = {
  XBTUSD: { underlying: 'XBT', quote: 'USD', settl: 'XBt', inverse: true, u2p: null, u2s: -100_000_000, multiplier: -100_000_000, lot: 100 },
  XBTUSDT: { underlying: 'XBT', quote: 'USDT', settl: 'USDt', inverse: false, u2p: 1_000_000, u2s: 1_000_000, multiplier: 1, lot: 1000 },
  ETHUSDT: { underlying: 'ETH', quote: 'USDT', settl: 'USDt', inverse: false, u2p: 100_000, u2s: 1_000_000, multiplier: 1, lot: 1000 },
} as const;
type Symbol = keyof typeof CONTRACTS;
const symbolOf = (l: SimLiquidation): Symbol => (l.coin.coin === 'ETH' ? 'ETHUSDT' : l.user % 5 === 0 ? 'XBTUSDT' : 'XBTUSD');
const MIN = 60_000;

/**
 * BitMEX's `liquidation` table (inferred: the orders the engine takes over, not fills): an `insert` per 100 ms
 * listing the new orders, each order's `delete` (filled) one to five seconds later, which counts nothing. The
 * table states no time, so an event's time is its receive time: the inserts are kept inside their minute.
 */
export const bitmexEncoder: VenueEncoder = {
  coins: ['BTC', 'ETH'],
  sizeFactor: 2,
  encode(liqs, r, minuteStart) {
    const frames: RawFrame[] = [];
    const carried: Carried[] = [];
    for (const batch of groupBy(liqs, (l) => String(Math.floor(l.time / 100))).values()) {
      const recv = Math.min((Math.floor(batch[0]!.time / 100) + 1) * 100 + latency(r), minuteStart + MIN - 1);
      const rows = batch.map((l) => {
        const symbol = symbolOf(l);
        const c = CONTRACTS[symbol];
        const price = symbol === 'ETHUSDT' ? priceNum(l.price) : onTick(l.price, 0.5);
        const qty = c.inverse ? lots(l.usd, c.lot) : lots(l.usd / ((1 / c.u2p!) * price), c.lot);
        carried.push({ side: l.side, notionalUsd: c.inverse ? inverseUsd(qty, 1) : linearUsd(qty, 1 / c.u2p!, price) });
        const orderID = uuid(r);
        frames.push({ recv: recv + 1000 + r.int(4000), venue: 'bitmex', frame: `{"table":"liquidation","action":"delete","data":[{"orderID":"${orderID}","symbol":"${symbol}"}]}` });
        return `{"orderID":"${orderID}","symbol":"${symbol}","side":"${l.side === 'long' ? 'Sell' : 'Buy'}","price":${price},"leavesQty":${qty}}`;
      });
      frames.push({ recv, venue: 'bitmex', frame: `{"table":"liquidation","action":"insert","data":[${rows.join(',')}]}` });
    }
    return { frames, carried };
  },
  // GET /api/v1/instrument/active: the contracts' rows with open interest (contracts) and mark price.
  openInterestAnswer(rows, time) {
    const list = (Object.keys(CONTRACTS) as Symbol[]).map((symbol) => {
      const c = CONTRACTS[symbol];
      const row = rows.find((x) => x.coin.coin === (c.underlying === 'XBT' ? 'BTC' : c.underlying))!;
      const mark = symbol === 'ETHUSDT' ? priceNum(row.price) : onTick(row.price, 0.5);
      const usd = symbol === 'XBTUSDT' ? row.usd * 0.2 : symbol === 'XBTUSD' ? row.usd * 0.8 : row.usd;
      const oi = c.inverse ? Math.round(usd) : Math.round(usd / ((1 / c.u2p!) * mark));
      return `{"symbol":"${symbol}","state":"Open","underlying":"${c.underlying}","quoteCurrency":"${c.quote}","settlCurrency":"${c.settl}","isInverse":${c.inverse},"isQuanto":false,"multiplier":${c.multiplier},"underlyingToPositionMultiplier":${c.u2p},"underlyingToSettleMultiplier":${c.u2s},"openInterest":${oi},"markPrice":${mark},"timestamp":"${new Date(time).toISOString()}"}`;
    });
    return [{ recv: time + 90, venue: 'bitmex', frame: `[${list.join(',')}]` }];
  },
};
