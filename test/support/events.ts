import type { LiquidationEvent } from '../../src/schema/events.js';

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
