import { binanceCoinm, binanceUsdm } from './binance-frames.js';
import { bybitEncoder } from './bybit-frames.js';
import type { VenueEncoder } from './encoder.js';
import { hyperliquidEncoder } from './hyperliquid-frames.js';
import type { SimVenue } from './oct10-profile.js';

/** The simulated day's venues, each written in its own wire format by its own encoder. */
export const VENUE_ENCODERS: Record<SimVenue, VenueEncoder> = {
  'binance-usdm': binanceUsdm,
  'binance-coinm': binanceCoinm,
  'bybit-linear': bybitEncoder('bybit-linear'),
  'bybit-inverse': bybitEncoder('bybit-inverse'),
  hyperliquid: hyperliquidEncoder,
};

