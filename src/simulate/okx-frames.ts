import type { RawFrame } from '../schema/events.js';
import type { Instrument } from '../venues/instruments.js';
import { latency, latestPerKey, type Carried, type SimLiquidation, type VenueEncoder } from './encoder.js';
import { priceText, type Coin } from './market.js';
import { closingSide, groupBy, inverseUsd, lots, linearUsd, second } from './wire.js';

/**
 * OKX perpetuals: `ctVal` per contract as OKX's instrument list states it (linear: base coins; the BTC, ETH and SOL
 * families are also liqstream's built-in table, the others reach a replay through metadata.json, as discovery
 * would write them; ≈ for XRP, DOGE, BNB, HYPE, AVAX, LINK and PEPE, from OKX's contract specifications).
 */
const LINEAR: Record<string, number> = { BTC: 0.01, ETH: 0.1, SOL: 1, XRP: 100, DOGE: 1000, BNB: 0.01, HYPE: 0.1, AVAX: 1, LINK: 1, PEPE: 10_000_000 };
/** Coin-margined perpetuals: USD per contract. */
const INVERSE: Record<string, number> = { BTC: 100, ETH: 10, SOL: 10 };

/** A tenth of OKX's liquidations (of the coins it has them for) are on its coin-margined perpetuals (≈). */
const inverse = (l: SimLiquidation) => INVERSE[l.coin.coin] !== undefined && l.user % 10 === 0;
const instId = (l: SimLiquidation) => `${l.coin.coin}-${inverse(l) ? 'USD' : 'USDT'}-SWAP`;

/** The instruments discovery would list for the simulated markets (metadata.json of the recording). */
export function okxInstruments(): Record<string, Instrument> {
  const out: Record<string, Instrument> = {};
  for (const [coin, contractValue] of Object.entries(LINEAR))
    out[`${coin}-USDT-SWAP`] = { symbol: `${coin}-USDT-SWAP`, base: coin, quote: 'USDT', settle: 'USDT', type: 'linear', contractValue, from: 'discovery' };
  for (const [coin, contractValue] of Object.entries(INVERSE))
    out[`${coin}-USD-SWAP`] = { symbol: `${coin}-USD-SWAP`, base: coin, quote: 'USD', settle: coin, type: 'inverse', contractValue, from: 'discovery' };
  return out;
}

/**
 * OKX `liquidation-orders` for SWAP: the channel carries at most one liquidation per contract per second (sampled,
 * like Binance); one push per second lists an item per instrument, each with its detail. Two thirds of accounts in
 * net mode (`posSide` `net`, the order side tells), the rest in hedge mode (`posSide` names the position).
 */
export const okxEncoder: VenueEncoder = {
  coins: Object.keys(LINEAR),
  sizeFactor: 1,
  sampleKey: (l) => `${instId(l)}|${second(l.time)}`,
  encode(liqs, r) {
    const frames: RawFrame[] = [];
    const carried: Carried[] = [];
    for (const batch of groupBy(latestPerKey(liqs, this.sampleKey!), (l) => String(second(l.time))).values()) {
      const items = batch.map((l) => {
        const inv = inverse(l);
        const ctVal = inv ? INVERSE[l.coin.coin]! : LINEAR[l.coin.coin]!;
        const bkPx = priceText(l.price);
        const sz = lots(inv ? l.usd / ctVal : l.usd / (ctVal * Number(bkPx)));
        carried.push({ side: l.side, notionalUsd: inv ? inverseUsd(sz, ctVal) : linearUsd(sz, ctVal, Number(bkPx)) });
        const posSide = l.user % 3 === 0 ? l.side : 'net';
        const family = `${l.coin.coin}-${inv ? 'USD' : 'USDT'}`;
        const detail = `{"bkLoss":"0","bkPx":"${bkPx}","ccy":"","posSide":"${posSide}","side":"${closingSide(l.side)}","sz":"${sz}","ts":"${l.time}"}`;
        return `{"details":[${detail}],"instFamily":"${family}","instId":"${family}-SWAP","instType":"SWAP","uly":"${family}"}`;
      });
      const recv = (second(batch[0]!.time) + 1) * 1000 + latency(r);
      frames.push({ recv, venue: 'okx', frame: `{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[${items.join(',')}]}` });
    }
    return { frames, carried };
  },
  // GET /api/v5/public/open-interest?instType=SWAP: every perpetual in one answer (oi in contracts, oiCcy in coins).
  openInterestAnswer(rows, time) {
    const data = rows.flatMap(({ coin, usd, price }) => {
      const linear = okxOiRow(coin, `${coin.coin}-USDT-SWAP`, usd * 0.9, price, LINEAR[coin.coin]! * price, time);
      const inv = INVERSE[coin.coin];
      return inv === undefined ? [linear] : [linear, okxOiRow(coin, `${coin.coin}-USD-SWAP`, usd * 0.1, price, inv, time)];
    });
    return [{ recv: time + 40, venue: 'okx', frame: `{"code":"0","msg":"","data":[${data.join(',')}]}` }];
  },
};

function okxOiRow(coin: Coin, id: string, usd: number, price: number, contractUsd: number, time: number): string {
  const oi = Math.round(usd / contractUsd);
  return `{"instType":"SWAP","instId":"${id}","oi":"${oi}","oiCcy":"${(usd / price).toFixed(coin.qtyDecimals + 2)}","oiUsd":"${usd.toFixed(2)}","ts":"${time}"}`;
}
