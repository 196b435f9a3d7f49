/**
 * Calibration of the synthetic 10 October 2025 (UTC). Published figures it is shaped to:
 * - 24 h liquidations by venue (CoinGlass): Hyperliquid ~$10.3B, Bybit ~$4.65B, Binance ~$2.4B
 *   (Binance's figure was itself measured from its sampled stream, so it is what our Binance stream carries).
 * - longs ~87% of the total; over 1.6M liquidated accounts.
 * - onset 20:50 (tariff post); worst minute 21:15 (~$3.21B in 60 s, Amberdata);
 *   Hyperliquid liquidations concentrated 21:15–21:27; sharpest BTC drop 21:19–21:21 ($117.1k → $106.1k).
 * - futures open interest down ~30% over the day (Galaxy Research: $207.62B → $146.06B).
 */
export const OCT10 = {
  day: Date.UTC(2025, 9, 10),
  onsetMinute: 20 * 60 + 50,
  peakMinute: 21 * 60 + 15,
  venueUsd: {
    hyperliquid: 10.3e9,
    'bybit-linear': 4.4e9,
    'bybit-inverse': 0.25e9,
    'binance-usdm': 2.2e9,
    'binance-coinm': 0.2e9,
  },
  peakMinuteUsd: 3.21e9,
  longShare: 0.87,
  accounts: 1_600_000,
  /** Venue share of open interest at the start of the day and the overall fall. */
  openInterestUsd: { hyperliquid: 14e9, 'bybit-linear': 28e9, 'bybit-inverse': 4e9, 'binance-usdm': 40e9, 'binance-coinm': 6e9 },
  openInterestFall: 0.3,
} as const;

export type SimVenue = keyof typeof OCT10.venueUsd;

/** Relative intensity of liquidations in minute k of the day (0 = 00:00 UTC). */
export function stress(k: number): number {
  const onset = OCT10.onsetMinute;
  const peak = OCT10.peakMinute;
  if (k < onset) return 1;
  if (k < onset + 15) return 40 + 5 * (k - onset); // 20:50–21:04: the first wave
  if (k < peak) return 110 + 22 * (k - onset - 15); // 21:05–21:14: accelerating
  if (k === peak) return 2_000; // 21:15: the worst minute
  const after = [1_200, 1_050, 900, 1_000, 520, 300, 170, 110, 85, 70, 58, 50]; // 21:16–21:27
  if (k <= peak + after.length) return after[k - peak - 1]!;
  if (k < 22 * 60) return 40 * Math.exp(-(k - peak - 13) / 10) + 6;
  return 6 * Math.exp(-(k - 22 * 60) / 60) + 1.5;
}

/** Venue-specific emphasis: Hyperliquid's liquidations came in the 21:15–21:27 burst. */
export function venueWeight(venue: SimVenue, k: number): number {
  if (venue !== 'hyperliquid') return 1;
  if (k >= OCT10.peakMinute && k <= OCT10.peakMinute + 12) return 1.9;
  if (k >= OCT10.onsetMinute && k < OCT10.peakMinute) return 0.6;
  return 1;
}

/** Share of longs among liquidations in minute k: a falling market liquidates longs. */
export const longShare = (k: number): number => (k >= OCT10.onsetMinute && k < 22 * 60 ? 0.905 : 0.62);

/** Price multiplier for the day (1 = price at 00:00): flat, a crash from 20:50 with the low at 21:20, partial recovery. */
export function priceFactor(k: number, depth: number): number {
  const onset = OCT10.onsetMinute;
  const low = 21 * 60 + 20;
  if (k < onset) return 1 - 0.01 * (k / onset);
  if (k <= low) return 0.99 - (0.99 - (1 - depth)) * ((k - onset) / (low - onset)) ** 1.6;
  return 1 - depth + depth * 0.45 * (1 - Math.exp(-(k - low) / 90));
}
