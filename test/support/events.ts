import type { LiquidationEvent, OpenInterestEvent } from '../../src/schema/events.js';

/** A Bybit linear liquidation of `usd` (price 1), long unless `over` says otherwise. */
export const liquidation = (id: string, eventTime: number, usd: number, over: Partial<LiquidationEvent> = {}): LiquidationEvent => ({
  type: 'liquidation',
  id,
  venue: 'bybit-linear',
  symbol: 'BTCUSDT',
  base: 'BTC',
  side: 'long',
  price: 1,
  qty: usd,
  notionalUsd: usd,
  eventTime,
  receiveTime: eventTime,
  fidelity: 'complete',
  kind: 'liquidation',
  source: 'test',
  ...over,
});

/** Open interest of `usd` in `symbol` on Bybit linear (mark price 1), at `t`. */
export const openInterest = (symbol: string, t: number, usd: number, over: Partial<OpenInterestEvent> = {}): OpenInterestEvent => ({
  type: 'open_interest',
  venue: 'bybit-linear',
  symbol,
  base: symbol.replace('USDT', ''),
  oiBase: usd,
  oiUsd: usd,
  markPrice: 1,
  eventTime: t,
  receiveTime: t,
  source: 'test',
  ...over,
});
