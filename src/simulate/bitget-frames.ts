import type { RawFrame } from '../schema/events.js';
import { largestWins, latency, latestPerKey, type Carried, type SimLiquidation, type VenueEncoder } from './encoder.js';
import { priceText } from './market.js';
import { groupBy, second } from './wire.js';

/** A tenth of Bitget's BTC and ETH liquidations are on its coin-margined (USD) perpetuals (≈). */
const coinMargined = (l: SimLiquidation) => (l.coin.coin === 'BTC' || l.coin.coin === 'ETH') && l.user % 10 === 0;
const symbol = (l: SimLiquidation) => `${l.coin.coin}${coinMargined(l) ? 'USD' : 'USDT'}`;
const sampleKey = (l: SimLiquidation) => `${symbol(l)}|${l.side}|${second(l.time)}`;

/**
 * Bitget `liquidation` pushes (sampled: the largest long and the largest short liquidation of each pair per
 * second), one per instrument type and second, listing the pairs' rows. `amount` is in the quote coin (the
 * notional liqstream counts); `side` names the position.
 */
export const bitgetEncoder: VenueEncoder = {
  coins: ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'BNB', 'HYPE', 'AVAX', 'LINK', 'PEPE'],
  sizeFactor: 1,
  sampleKey,
  sampleWins: largestWins,
  encode(liqs, r) {
    const frames: RawFrame[] = [];
    const carried: Carried[] = [];
    const kept = latestPerKey(liqs, sampleKey, largestWins);
    for (const batch of groupBy(kept, (l) => `${coinMargined(l) ? 'coin' : 'usdt'}|${second(l.time)}`).values()) {
      const data = batch.map((l) => {
        const amount = l.usd.toFixed(4);
        carried.push({ side: l.side, notionalUsd: Number(amount) });
        return `{"symbol":"${symbol(l)}","side":"${l.side === 'long' ? 'buy' : 'sell'}","price":"${priceText(l.price)}","amount":"${amount}","ts":"${l.time}"}`;
      });
      const ts = (second(batch[0]!.time) + 1) * 1000;
      const instType = coinMargined(batch[0]!) ? 'coin-futures' : 'usdt-futures';
      frames.push({ recv: ts + latency(r), venue: 'bitget', frame: `{"data":[${data.join(',')}],"arg":{"instType":"${instType}","topic":"liquidation"},"action":"update","ts":${ts}}` });
    }
    return { frames, carried };
  },
};
