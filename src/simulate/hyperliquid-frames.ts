import type { RawFrame } from '../schema/events.js';
import { HL_BURST, OCT10 } from './oct10-profile.js';
import { priceText, qtyText, rateText, simulatedFundingRate8h, type Coin } from './market.js';
import type { Carried, VenueEncoder } from './encoder.js';

const BLOCK_MS = 200;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);
const address = (n: number) => `0x${hex(n, 8).repeat(5)}`;
/** Hyperliquid quotes k-coins per 1,000 units (kPEPE). */
const coinName = (c: Coin) => (c.coin === 'PEPE' ? 'kPEPE' : c.coin);
const unit = (c: Coin) => (c.coin === 'PEPE' ? 1000 : 1);
const localTime = (ms: number) => `${new Date(ms).toISOString().slice(0, -1)}000000`;

/**
 * Fill ids (tid, oid, hash) from the minute and the fill's place in it: unique over the day, and the
 * same for the same seed however many days one process simulates (no counter outlives a call). Room for
 * 10M fills a minute; the busiest simulated minute has ~140k at the default 1.6M accounts.
 */
const fillId = (minuteStart: number, n: number) => 900_000_000_000 + ((minuteStart - OCT10.day) / 60_000) * 10_000_000 + n;

/**
 * Probability that a liquidation of minute k also brings an ADL fill of the same size: the real ADL
 * notional of that minute over its real liquidated notional (HL_BURST), so the simulated ADL follows
 * the real ~$2.10B and its timing (none in 21:15, the first at 21:16).
 */
function adlChance(minuteStart: number): number {
  const b = (minuteStart - OCT10.day) / 60_000 - HL_BURST.firstMinute;
  const fills = HL_BURST.fills[b];
  if (fills === undefined) return 0;
  const total = HL_BURST.fills.reduce((x, y) => x + y, 0);
  return Math.min(1, (HL_BURST.adlUsdM[b]! * 1e6) / ((HL_BURST.liquidationUsd * fills) / total));
}

/**
 * Hyperliquid as a node's `node_fills_by_block` lines (the complete source): one line per block,
 * with the liquidated account's fill, for a quarter of them also the counterparty's fill (which carries
 * the same liquidation object and must not be counted), and ADL fills during the 21:16–21:26 burst
 * (never counted as liquidations).
 */
export const hyperliquidEncoder: VenueEncoder = {
  coins: ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'BNB', 'HYPE', 'AVAX', 'LINK', 'PEPE'],
  sizeFactor: 1,
  encode(liqs, r, minuteStart) {
    const carried: Carried[] = [];
    const blocks = new Map<number, string[]>();
    const adl = adlChance(minuteStart);
    let n = 0;
    const push = (time: number, entry: string) => {
      const b = Math.floor(time / BLOCK_MS);
      const list = blocks.get(b);
      if (list) list.push(entry);
      else blocks.set(b, [entry]);
    };
    for (const l of liqs) {
      const u = unit(l.coin);
      const px = priceText(l.price * u);
      const sz = qtyText(l.usd / (l.price * u), Math.max(0, l.coin.qtyDecimals));
      const user = address(l.user);
      const long = l.side === 'long';
      const backstop = r.next() < 0.04;
      const liquidation = `{"liquidatedUser":"${user}","markPx":"${px}","method":"${backstop ? 'backstop' : 'market'}"}`;
      const id = fillId(minuteStart, n++);
      const fill = (who: string, side: 'A' | 'B', start: string, dir: string) =>
        `["${who}",{"coin":"${coinName(l.coin)}","px":"${px}","sz":"${sz}","side":"${side}","time":${l.time},"startPosition":"${start}","dir":"${dir}","closedPnl":"0.0","hash":"0x${hex(id, 16).repeat(4)}","oid":${id},"crossed":true,"fee":"0.0","tid":${id},"liquidation":${liquidation},"feeToken":"USDC"}]`;
      // The liquidated account sells out of a long (or buys back a short).
      push(l.time, fill(user, long ? 'A' : 'B', long ? sz : `-${sz}`, long ? 'Close Long' : 'Close Short'));
      if (r.next() < 0.25) push(l.time, fill(address(l.user ^ 0x5a5a5a5a), long ? 'B' : 'A', '0.0', long ? 'Open Long' : 'Open Short'));
      if (adl > 0 && r.next() < adl) {
        // A profitable opposite position closed by auto-deleveraging against the liquidated account.
        push(l.time, fill(address(l.user ^ 0x33333333), long ? 'B' : 'A', long ? `-${sz}` : sz, 'Auto-Deleveraging'));
      }
      carried.push({ side: l.side, notionalUsd: Number(px) * Number(sz) });
    }
    const frames: RawFrame[] = [];
    for (const [block, entries] of [...blocks].sort(([a], [b]) => a - b)) {
      const blockTime = block * BLOCK_MS + BLOCK_MS - 1;
      const local = blockTime + 40 + r.int(40);
      frames.push({
        recv: local,
        venue: 'hyperliquid',
        frame: `{"local_time":"${localTime(local)}","block_time":"${localTime(blockTime)}","block_number":${block},"events":[${entries.join(',')}]}`,
      });
    }
    return { frames, carried };
  },
  openInterest(coin, usd, price, time) {
    const u = unit(coin);
    const mark = priceText(price * u);
    const oi = (usd / Number(mark)).toFixed(3);
    // Hyperliquid's funding is hourly: the 8-hour rate over 8.
    const funding = rateText(simulatedFundingRate8h(coin, price) / 8);
    return [
      {
        recv: time + 25,
        venue: 'hyperliquid',
        frame: `{"channel":"activeAssetCtx","data":{"coin":"${coinName(coin)}","ctx":{"funding":"${funding}","markPx":"${mark}","openInterest":"${oi}","oraclePx":"${mark}"}}}`,
      },
    ];
  },
};
