import type { VenueEncoder } from './venue-frames.js';

/** Placeholder until the Hyperliquid fill parser lands: carries nothing. */
export const hyperliquidEncoder: VenueEncoder = {
  coins: ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'BNB', 'HYPE', 'AVAX', 'LINK', 'PEPE'],
  sizeFactor: 1,
  encode: () => ({ frames: [], carried: [] }),
};
