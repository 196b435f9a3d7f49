/**
 * Calibration of the synthetic 10 October 2025 (UTC). Published figures it is shaped to:
 * - 24 h liquidations by venue (CoinGlass): Hyperliquid ~$10.3B, Bybit ~$4.65B, Binance ~$2.4B
 *   (Binance's figure was itself measured from its sampled stream, so it is what our Binance stream carries).
 * - longs ~87% of the total; over 1.6M liquidated accounts.
 * - onset 20:50 (tariff post); worst minute 21:15 (~$3.21B in 60 s, Amberdata, all venues incl. OKX);
 *   sharpest BTC drop 21:19–21:21 ($117.1k → $106.1k).
 * - futures open interest $207.62B → $146.06B, −30% (Galaxy Research); here the whole fall happens in the
 *   cascade hour, in step with the liquidations.
 * - Hyperliquid's 21:15–21:27 burst: see HL_BURST below (real node-fill aggregates).
 *
 * The day's shape per venue: 70% of the venue's 00:00–24:00 total in the first hour of the cascade
 * (20:50–21:49), 20% in an aftershock tail that decays from 21:50 on (and goes on, beyond the default
 * window, through 03:00 UTC on 11 October: `--to 27:00`), and the remaining 10% spread evenly before the onset.
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
    // OKX ~$1.2B (CoinGlass 24 h; like Binance's, read from OKX's own sampled channel, so it is what our stream carries).
    okx: 1.2e9,
    // ≈ The rest of CoinGlass's ~$19.1–19.3B after the four venues it names (~$18.55B) is ~$0.6–0.75B; no per-venue
    // figure is published for these, so ~$0.6B is split by our estimate of each venue's size (open interest rank).
    bitget: 0.17e9,
    'gate-usdt': 0.14e9,
    'gate-btc': 0.01e9,
    'htx-linear': 0.12e9,
    bitmex: 0.06e9,
    deribit: 0.05e9,
    dydx: 0.02e9,
    'kraken-futures': 0.02e9,
    bitfinex: 0.01e9,
  },
  longShare: 0.87,
  accounts: 1_600_000,
  /** Shares of each venue's day (00:00–24:00): cascade hour, aftershock tail, the rest before the onset. */
  hourShare: 0.7,
  tailShare: 0.2,
  /** e-folding time of the aftershock tail, minutes: a quarter of its 21:50 level left at 24:00, 3% at 03:00. */
  tailTauMinutes: 90,
  /** Last minute the tail is defined for: 03:00 UTC on 11 October. */
  endMinute: 27 * 60,
  /** Venue share of open interest at the start of the day and its fall over the cascade (Galaxy Research). */
  openInterestUsd: {
    hyperliquid: 14e9,
    'bybit-linear': 28e9,
    'bybit-inverse': 4e9,
    'binance-usdm': 40e9,
    'binance-coinm': 6e9,
    // ≈ our estimates (no per-venue figure for the day is published); Bitget's connector reads no open interest.
    okx: 12e9,
    bitget: 0,
    'gate-usdt': 5.8e9,
    'gate-btc': 0.2e9,
    'htx-linear': 4e9,
    bitmex: 0.5e9,
    deribit: 3e9,
    dydx: 0.2e9,
    'kraken-futures': 0.3e9,
    bitfinex: 0.3e9,
  },
  openInterestFall: 1 - 146.06 / 207.62,
} as const;

export type SimVenue = keyof typeof OCT10.venueUsd;

/**
 * The venues of the first simulated day, drawn from the main random stream: their frames stay the bytes they were
 * before the newer venues joined (which draw from a stream of their own), and their mean position size (the day's
 * USD over the published ~1.6M accounts) is theirs alone, so the newer venues add accounts beyond it (+5.5% liquidations on the default day).
 */
export const FIRST_VENUES = ['hyperliquid', 'bybit-linear', 'bybit-inverse', 'binance-usdm', 'binance-coinm'] as const satisfies readonly SimVenue[];

/**
 * Hyperliquid, 21:15–21:26 UTC, from real node-fill aggregates (ConejoCapital/HyperMultiAssetedADL,
 * scripts/analysis/outputs/cascade_timing_results.json and total_impact_results.json, commit 79bad0f;
 * the files themselves are not shipped). `fills` is the number of liquidation-flagged fills per minute,
 * summed by us from the per-block timeline; it is the only per-minute liquidation measure published, so
 * the simulation spreads the window's real liquidated notional ($5,511,042,925 over 63,637 fills) over
 * the minutes in proportion to it. `adlUsdM` is ADL notional per minute, $M, summed by us from the 100
 * time buckets of ConejoCapital/ADLVisualizer public/data/adl_flow_data.json (total $2,103,111,431).
 */
export const HL_BURST = {
  firstMinute: 21 * 60 + 15,
  liquidationUsd: 5_511_042_925,
  fills: [698, 17_486, 12_706, 9_870, 16_557, 4_929, 873, 261, 42, 40, 126, 49],
  adlUsdM: [0, 285.5, 765.8, 236.5, 738.3, 75.8, 0.5, 0.3, 0, 0, 0.2, 0.1],
} as const;

const FILLS = HL_BURST.fills.reduce((a, b) => a + b, 0);

/** The aftershock tail's shape from 21:50 (1 at 21:50). */
const tail = (k: number): number => Math.exp(-(k - (OCT10.onsetMinute + 60)) / OCT10.tailTauMinutes);

/** USD level of a venue's tail at 21:50, chosen so that 21:50–23:59 carries `tailShare` of its day. */
function tailLevel(venue: SimVenue): number {
  let sum = 0;
  for (let k = OCT10.onsetMinute + 60; k < 1_440; k++) sum += tail(k);
  return (OCT10.tailShare * OCT10.venueUsd[venue]) / sum;
}

/**
 * Relative weights of the centralized venues' cascade hour, minute i = 0 (20:50) … 59 (21:49), on top of
 * the aftershock tail that already runs under it from 21:16: a rising first wave, the worst minute at
 * 21:15 (i = 25), then a fast decay. The worst minute carries about half of what is left of the hour,
 * because Amberdata's ~$3.21B all-venue 21:15 came almost entirely from centralized venues (Hyperliquid's
 * own 21:15 was small, see HL_BURST).
 */
function cexHourWeight(i: number): number {
  if (i < 25) return 2 + 0.2 * i;
  if (i === 25) return 200;
  return 10 * Math.exp(-(i - 26) / 4);
}

/** Hyperliquid's hour outside its real burst: a first wave like the centralized venues' (20:50–21:14); after the burst only the tail. */
const hlHourWeight = (i: number): number => (i < 25 ? 2 + 0.2 * i : 0);

/**
 * USD each venue liquidates in minute k (0 = 00:00 UTC 10 October, up to OCT10.endMinute), before
 * sampling. Pure; the day totals over minutes 0–1439 equal OCT10.venueUsd exactly.
 */
export function venueMinuteUsd(venue: SimVenue): number[] {
  const day = OCT10.venueUsd[venue];
  const onset = OCT10.onsetMinute;
  const level = tailLevel(venue);
  const out = new Array<number>(OCT10.endMinute).fill(0);
  const hl = venue === 'hyperliquid';
  let hour = OCT10.hourShare * day;
  // Fixed parts of the hour first: the tail under it (centralized venues from 21:16, Hyperliquid after its
  // burst) and Hyperliquid's real burst; the hour's weights share what remains.
  for (let k = onset; k < onset + 60; k++) {
    const b = k - HL_BURST.firstMinute;
    if (hl && b >= 0 && b < HL_BURST.fills.length) out[k] = (HL_BURST.liquidationUsd * HL_BURST.fills[b]!) / FILLS;
    else if (k > (hl ? HL_BURST.firstMinute + HL_BURST.fills.length - 1 : OCT10.peakMinute)) out[k] = level * tail(k);
    hour -= out[k]!;
  }
  const weight = hl ? hlHourWeight : cexHourWeight;
  let wsum = 0;
  for (let i = 0; i < 60; i++) wsum += weight(i);
  for (let i = 0; i < 60; i++) out[onset + i]! += (hour * weight(i)) / wsum;
  for (let k = onset + 60; k < OCT10.endMinute; k++) out[k] = level * tail(k);
  const before = ((1 - OCT10.hourShare - OCT10.tailShare) * day) / onset;
  for (let k = 0; k < onset; k++) out[k] = before;
  return out;
}

/** Open interest as a share of the start of the day's, at the end of minute k: it falls with the cascade hour's liquidations. */
export function openInterestLevel(k: number, hourCumulativeShare: (k: number) => number): number {
  return 1 - OCT10.openInterestFall * hourCumulativeShare(k);
}

/**
 * Share of longs among liquidations in minute k: a falling market liquidates longs, most of all in the
 * crash, still mostly in the aftershocks; before the onset the day was two-sided. Gives the day ~87% longs.
 */
export const longShare = (k: number): number => (k < OCT10.onsetMinute ? 0.6 : k < 22 * 60 ? 0.92 : 0.85);

/** Price multiplier for the day (1 = price at 00:00): flat, a crash from 20:50 with the low at 21:20, partial recovery. */
export function priceFactor(k: number, depth: number): number {
  const onset = OCT10.onsetMinute;
  const low = 21 * 60 + 20;
  if (k < onset) return 1 - 0.01 * (k / onset);
  if (k <= low) return 0.99 - (0.99 - (1 - depth)) * ((k - onset) / (low - onset)) ** 1.6;
  return 1 - depth + depth * 0.45 * (1 - Math.exp(-(k - low) / 90));
}
