import type { VenueId } from '../schema/events.js';
import type { VenueMetadata } from '../venues/venue.js';
import { binanceCoinm, binanceUsdm } from './binance-frames.js';
import { bitfinexEncoder } from './bitfinex-frames.js';
import { bitgetEncoder } from './bitget-frames.js';
import { bitmexEncoder } from './bitmex-frames.js';
import { bybitEncoder } from './bybit-frames.js';
import { deribitEncoder } from './deribit-frames.js';
import { dydxEncoder } from './dydx-frames.js';
import type { VenueEncoder } from './encoder.js';
import { gateEncoder, gateUsdtInstruments } from './gate-frames.js';
import { htxEncoder } from './htx-frames.js';
import { hyperliquidEncoder } from './hyperliquid-frames.js';
import { krakenEncoder } from './kraken-frames.js';
import { okxEncoder, okxInstruments } from './okx-frames.js';
import type { SimVenue } from './oct10-profile.js';

/** The simulated day's venues, each written in its own wire format by its own encoder. */
export const VENUE_ENCODERS: Record<SimVenue, VenueEncoder> = {
  'binance-usdm': binanceUsdm,
  'binance-coinm': binanceCoinm,
  'bybit-linear': bybitEncoder('bybit-linear'),
  'bybit-inverse': bybitEncoder('bybit-inverse'),
  hyperliquid: hyperliquidEncoder,
  okx: okxEncoder,
  'htx-linear': htxEncoder,
  'gate-usdt': gateEncoder('gate-usdt'),
  'gate-btc': gateEncoder('gate-btc'),
  deribit: deribitEncoder,
  dydx: dydxEncoder,
  bitmex: bitmexEncoder,
  'kraken-futures': krakenEncoder,
  bitfinex: bitfinexEncoder,
  bitget: bitgetEncoder,
};

/**
 * What a replay of the simulated day needs beyond the parsers' built-in tables, as discovery would have written it
 * to metadata.json: the contract values of OKX's and Gate's smaller markets.
 */
export function perpsMetadata(): Record<VenueId, VenueMetadata> {
  const okx = okxInstruments();
  const gate = gateUsdtInstruments();
  return { okx: { symbols: Object.keys(okx), instruments: okx }, 'gate-usdt': { symbols: Object.keys(gate), instruments: gate } };
}
