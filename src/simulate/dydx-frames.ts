import type { RawFrame } from '../schema/events.js';
import { OCT10 } from './oct10-profile.js';
import { latency, type Carried, type VenueEncoder } from './encoder.js';
import { priceText } from './market.js';
import { groupBy, linearUsd, second } from './wire.js';

/** dYdX v4 markets (linear `BASE-USD`, USDC-margined): size decimals as their step sizes (≈). */
const DECIMALS: Record<string, number> = { BTC: 4, ETH: 3, SOL: 2, XRP: 0, DOGE: 0, AVAX: 1, LINK: 1, PEPE: 0 };

/**
 * dYdX `v4_trades` channel data (complete for the markets watched): one message per market and block (~1 s) with
 * its trades. A liquidation is a `LIQUIDATED` trade (the liquidated taker); 5% are `DELEVERAGED` (the insolvent
 * taker, counted as a liquidation, and the offsetting maker's ADL, never counted). A tenth of the messages also
 * carry an ordinary `LIMIT` trade.
 */
export const dydxEncoder: VenueEncoder = {
  coins: Object.keys(DECIMALS),
  sizeFactor: 1,
  encode(liqs, r, minuteStart) {
    const frames: RawFrame[] = [];
    const carried: Carried[] = [];
    let n = ((minuteStart - OCT10.day) / 60_000) * 100_000;
    const trade = (side: string, size: string, price: string, type: string, time: number) =>
      `{"id":"${(0x0160000000 + n++).toString(16).padStart(16, '0')}00000002","side":"${side}","size":"${size}","price":"${price}","type":"${type}","createdAt":"${new Date(time).toISOString()}","createdAtHeight":"${Math.floor((time - OCT10.day) / 1000) + 30_000_000}"}`;
    for (const batch of groupBy(liqs, (l) => `${l.coin.coin}|${second(l.time)}`).values()) {
      const market = `${batch[0]!.coin.coin}-USD`;
      const trades = batch.map((l) => {
        const price = priceText(l.price);
        const d = DECIMALS[l.coin.coin]!;
        const size = Math.max(Number((l.usd / Number(price)).toFixed(d)), 10 ** -d).toFixed(d);
        carried.push({ side: l.side, notionalUsd: linearUsd(Number(size), 1, Number(price)) });
        return trade(l.side === 'long' ? 'SELL' : 'BUY', size, price, r.next() < 0.05 ? 'DELEVERAGED' : 'LIQUIDATED', l.time);
      });
      const l = batch[0]!;
      if (r.next() < 0.1) trades.push(trade(r.next() < 0.5 ? 'BUY' : 'SELL', (10 ** -DECIMALS[l.coin.coin]!).toFixed(DECIMALS[l.coin.coin]!), priceText(l.price), 'LIMIT', l.time));
      frames.push({
        recv: (second(l.time) + 1) * 1000 + latency(r),
        venue: 'dydx',
        frame: `{"type":"channel_data","connection_id":"5d3f2a10-7c1e-4b8a-9f0e-2a6b1c9d8e70","message_id":${n},"id":"${market}","channel":"v4_trades","version":"2.1.0","contents":{"trades":[${trades.join(',')}]}}`,
      });
    }
    return { frames, carried };
  },
  // GET /v4/perpetualMarkets: every market, open interest in base units at the oracle price.
  openInterestAnswer(rows, time) {
    const markets = rows.map(({ coin, usd, price }, i) => {
      const oracle = priceText(price);
      return `"${coin.coin}-USD":{"clobPairId":"${i}","ticker":"${coin.coin}-USD","status":"ACTIVE","oraclePrice":"${oracle}","openInterest":"${(usd / Number(oracle)).toFixed(DECIMALS[coin.coin]!)}","marketType":"CROSS"}`;
    });
    return [{ recv: time + 80, venue: 'dydx', frame: `{"markets":{${markets.join(',')}}}` }];
  },
};
