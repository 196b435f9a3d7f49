import { toUnits, toUsd } from '../aggregate/fixed-point.js';
import type { RawFrame, Side, VenueId } from '../schema/events.js';
import { COINS, pickCoin, priceText, qtyText, type Coin } from './market.js';
import { FIRST_VENUES, OCT10, longShare, openInterestLevel, priceFactor, venueMinuteUsd, type SimVenue } from './oct10-profile.js';
import { prng, type Prng } from './prng.js';
import { latestWins, type SimLiquidation } from './encoder.js';
import { VENUE_ENCODERS } from './venue-frames.js';
import { DefiDay, type DefiTruth } from './defi-frames.js';

const MIN = 60_000;
const MINUTES = 1_440;

export interface SimulationOptions {
  seed: number;
  /** Liquidated accounts over the day, all venues (default: the published ~1.6M). */
  accounts: number;
  /** Simulate only these minutes of the day, [from, to) (default: the whole day). */
  fromMinute: number;
  toMinute: number;
  /** The DeFi slice (lending-protocol liquidations, defi-profile.ts); on unless false. */
  defi?: boolean;
}

export const defaultSimulation = (): SimulationOptions => ({ seed: 20251010, accounts: OCT10.accounts, fromMinute: 0, toMinute: MINUTES });

export interface GroundTruth {
  byVenue: Record<VenueId, { longUsd: number; shortUsd: number; count: number }>;
  usd: number;
  count: number;
  peakMinute: number;
  peakMinuteUsd: number;
  longShare: number;
  /** USD carried per venue in each simulated minute (start of the minute, ms). */
  byMinute: { minute: number; byVenue: Record<VenueId, number> }[];
  /** The DeFi slice's own totals (kept apart from the perps above), when it was simulated. */
  defi?: DefiTruth;
}

const VENUES = Object.keys(OCT10.venueUsd) as SimVenue[];
const NEWER_VENUES = VENUES.filter((v) => !(FIRST_VENUES as readonly SimVenue[]).includes(v));

/** USD each venue liquidates in minute k (see oct10-profile.ts), and the all-venue share of the cascade hour done by the end of minute k. */
function minuteTargets(): { targets: Record<SimVenue, number[]>; hourDone: (k: number) => number } {
  const targets = Object.fromEntries(VENUES.map((v) => [v, venueMinuteUsd(v)])) as Record<SimVenue, number[]>;
  const onset = OCT10.onsetMinute;
  const cumulative: number[] = [];
  let sum = 0;
  // The first venues' hour (the newer venues' share the centralized venues' shape; leaving them out keeps those bytes).
  for (let k = onset; k < onset + 60; k++) cumulative.push((sum += FIRST_VENUES.reduce((s, v) => s + targets[v][k]!, 0)));
  const hourDone = (k: number) => (k < onset ? 0 : k >= onset + 60 ? 1 : cumulative[k - onset]! / sum);
  return { targets, hourDone };
}

function draw(r: Prng, k: number, venue: SimVenue, meanUsd: number, coins: readonly Coin[]): SimLiquidation {
  let coin = pickCoin(r);
  if (!coins.includes(coin)) coin = coins[r.int(coins.length)]!;
  const price = coin.price * priceFactor(k + r.next(), coin.depth) * (1 + 0.002 * r.normal());
  const side: Side = r.next() < longShare(k) ? 'long' : 'short';
  return { venue, coin, price, usd: Math.min(r.lognormal(meanUsd, 1.1), meanUsd * 400), side, time: 0, user: r.int(2 ** 31) };
}

/**
 * Generates the synthetic day minute by minute: each minute's frames in receive-time order, in the
 * venues' own formats (see venue-frames.ts). Deterministic for a seed: every random number comes from
 * the seeded PRNG and nothing is kept between calls. Ground truth is summed from the frames' own
 * numbers exactly as the parsers compute them.
 */
export function* simulateOct10(opts: SimulationOptions = defaultSimulation()): Generator<RawFrame[], GroundTruth> {
  const r = prng(opts.seed);
  // The newer venues' own random stream: the first venues' frames are the same with or without them.
  const rNewer = prng(opts.seed ^ 0x0e7a5);
  const { targets, hourDone } = minuteTargets();
  const totalUsd = FIRST_VENUES.reduce((s, v) => s + OCT10.venueUsd[v], 0);
  const meanUsd = totalUsd / opts.accounts;
  const truth: Record<string, { long: number; short: number; count: number }> = {};
  const byMinute: GroundTruth['byMinute'] = [];
  // What each venue carried above (or below) its targets so far: the next minute aims that much lower,
  // so a venue whose minutes are smaller than one position does not end the day far above its total.
  const ahead = Object.fromEntries(VENUES.map((v) => [v, 0])) as Record<SimVenue, number>;
  let peak = { minute: 0, units: -1 };
  // Its own random stream: the perps frames are the same with or without it.
  const defi = opts.defi === false ? undefined : new DefiDay(prng(opts.seed ^ 0xdef1), prng(opts.seed ^ 0x501a));
  for (let k = opts.fromMinute; k < opts.toMinute; k++) {
    const minuteStart = OCT10.day + k * MIN;
    const frames: RawFrame[] = [];
    const minuteByVenue: Record<VenueId, number> = {};
    let minuteUnits = 0;
    const venueMinute = (venue: SimVenue, rv: Prng): void => {
      const enc = VENUE_ENCODERS[venue];
      const coins = COINS.filter((c) => enc.coins.includes(c.coin));
      const liqs: SimLiquidation[] = [];
      const target = (targets[venue][k] ?? 0) - ahead[venue];
      // A sampled venue carries one liquidation per key (symbol-second): size them so that what the
      // stream carries reaches the target without filling every slot.
      const slots = enc.sampleKey ? coins.length * 60 : Infinity;
      const mean = Math.max(meanUsd * enc.sizeFactor, target / (0.25 * slots));
      const kept = new Map<string, SimLiquidation>();
      const wins = enc.sampleWins ?? latestWins;
      let usd = 0;
      while (usd < target) {
        const l = draw(rv, k, venue, mean, coins);
        l.time = minuteStart + rv.int(MIN);
        liqs.push(l);
        if (!enc.sampleKey) usd += l.usd;
        else {
          const key = enc.sampleKey(l);
          const prev = kept.get(key);
          if (!prev || wins(l, prev)) {
            usd += l.usd - (prev?.usd ?? 0);
            kept.set(key, l);
          }
        }
      }
      ahead[venue] = usd - target;
      liqs.sort((a, b) => a.time - b.time);
      const out = enc.encode(liqs, rv, minuteStart);
      let venueUnits = 0;
      for (const c of out.carried) {
        const t = (truth[venue] ??= { long: 0, short: 0, count: 0 });
        const units = toUnits(c.notionalUsd);
        t[c.side] += units;
        t.count += 1;
        venueUnits += units;
      }
      if (venueUnits > 0) minuteByVenue[venue] = toUsd(venueUnits);
      minuteUnits += venueUnits;
      frames.push(...out.frames);
    };
    for (const venue of FIRST_VENUES) venueMinute(venue, r);
    frames.push(...openInterestFrames(k, minuteStart, r, hourDone, FIRST_VENUES));
    for (const venue of NEWER_VENUES) venueMinute(venue, rNewer);
    frames.push(...openInterestFrames(k, minuteStart, rNewer, hourDone, NEWER_VENUES));
    if (defi) frames.push(...defi.minute(k));
    if (minuteUnits > peak.units) peak = { minute: minuteStart, units: minuteUnits };
    byMinute.push({ minute: minuteStart, byVenue: minuteByVenue });
    frames.sort((a, b) => a.recv - b.recv);
    yield frames;
  }
  const byVenue: GroundTruth['byVenue'] = {};
  let units = 0;
  let longUnits = 0;
  let count = 0;
  for (const v of Object.keys(truth).sort() as VenueId[]) {
    const t = truth[v]!;
    byVenue[v] = { longUsd: toUsd(t.long), shortUsd: toUsd(t.short), count: t.count };
    units += t.long + t.short;
    longUnits += t.long;
    count += t.count;
  }
  return {
    byVenue,
    usd: toUsd(units),
    count,
    peakMinute: peak.minute,
    peakMinuteUsd: toUsd(peak.units),
    longShare: units ? longUnits / units : 0,
    byMinute,
    ...(defi ? { defi: defi.truth() } : {}),
  };
}

/**
 * Open interest once a minute per venue and coin. It falls by OCT10.openInterestFall (−30%, Galaxy
 * Research) over the cascade hour, in step with the hour's liquidations, and stays down.
 */
function openInterestFrames(k: number, minuteStart: number, r: Prng, hourDone: (k: number) => number, venues: readonly SimVenue[]): RawFrame[] {
  const frames: RawFrame[] = [];
  const level = openInterestLevel(k, hourDone);
  for (const venue of venues) {
    const enc = VENUE_ENCODERS[venue];
    if (!enc.openInterest && !enc.openInterestAnswer) continue;
    const total = OCT10.openInterestUsd[venue] * level;
    const coins = COINS.filter((c) => enc.coins.includes(c.coin));
    const weight = coins.reduce((s, c) => s + c.weight, 0);
    const rows = coins.map((coin) => ({ coin, usd: (total * coin.weight) / weight, price: coin.price * priceFactor(k + 1, coin.depth) }));
    // A REST answer that lists every market at once (the newer venues' pollers): one frame per venue and minute.
    if (enc.openInterestAnswer) frames.push(...enc.openInterestAnswer(rows, minuteStart + 59_000 + r.int(900)));
    else for (const row of rows) frames.push(...enc.openInterest!(row.coin, row.usd, row.price, minuteStart + 59_000 + r.int(900)));
  }
  return frames;
}

export { priceText, qtyText };
