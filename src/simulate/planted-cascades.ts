import type { NormalizedEvent } from '../schema/events.js';
import { prng, type Prng } from './prng.js';

/**
 * Days with cascades planted at known minutes, and quiet days with decoys, for scoring the early warning
 * (docs/cascades.md, "How the early warning is scored"). Per-minute events of three coins on one venue: a
 * liquidation sum, open interest with the mark price, and funding. The model of what comes before a cascade
 * is ours, stated here, so the score says how the signal answers *this* model, not how it would have done
 * on real days:
 * - gradual (85% of cascade days): over the 8–25 minutes before the onset the leading coin's price falls
 *   1–4% with growing speed and its liquidations grow exponentially from the baseline to the detector's
 *   threshold; open interest built up 3–10% over the six hours before (70% of days) and funding is 2–6× the
 *   usual magnitude (50%);
 * - sudden (15%): a shock with no lead-in (like the tariff post of 10 October 2025): no signal can lead it.
 * Quiet days carry decoys that look like beginnings: a whale's liquidation bump (3–6× for 1–3 minutes), a
 * fast price move with a few liquidations, funding spikes, open interest building up.
 */
const MINUTE = 60_000;
const DAY_MINUTES = 1_440;
const VENUE = 'sim';
const COINS = [
  { base: 'BTC', price: 100_000 },
  { base: 'ETH', price: 4_000 },
  { base: 'SOL', price: 200 },
] as const;
/** The usual funding magnitude per hour (0.01% per 8 h), as EarlyWarningParams' neutral. */
const FUNDING_PER_HOUR = 0.0000125;
/** The detector's defaults (docs/cascades.md): 8× the baseline and $25M a minute. */
const DETECTOR_FLOOR = 25e6;

export interface PlantedDay {
  /** Events in event-time order. */
  events: NormalizedEvent[];
  /** Liquidated USD per minute, all coins (what the detector sees). */
  minuteUsd: number[];
  start: number;
  /** The planted cascade's first minute over the detector's threshold (index), and whether it had a lead-in. */
  cascade?: { onset: number; gradual: boolean };
}

interface CoinPath {
  liq: number[];
  price: number[];
  oi: number[];
  funding: number[];
}

function quietPath(r: Prng, price: number): CoinPath {
  const level = 50_000 + r.next() * 1_450_000;
  const vol = 0.0005 + r.next() * 0.001;
  const path: CoinPath = { liq: [], price: [], oi: [], funding: [] };
  let p = price;
  const oi0 = 2e9 + r.next() * 8e9;
  for (let k = 0; k < DAY_MINUTES; k++) {
    p *= Math.exp(vol * r.normal());
    path.price.push(p);
    path.liq.push(level * Math.exp(0.6 * r.normal() - 0.18));
    path.oi.push(oi0 * (1 + 0.002 * r.normal()));
    path.funding.push(FUNDING_PER_HOUR * (0.6 + 0.8 * r.next()));
  }
  return path;
}

/** Open interest grows by `growth` over the `minutes` before `end`, and stays there. */
function buildUp(c: CoinPath, end: number, minutes: number, growth: number): void {
  for (let k = Math.max(0, end - minutes); k < DAY_MINUTES; k++) c.oi[k]! *= 1 + growth * Math.min(1, (k - (end - minutes)) / minutes);
}

function plantDecoys(r: Prng, coins: CoinPath[]): void {
  const pick = () => coins[r.int(coins.length)]!;
  const at = () => 60 + r.int(DAY_MINUTES - 120);
  if (r.next() < 0.5) {
    const c = pick();
    const k = at();
    const base = c.liq[k]!;
    for (let i = 0; i < 1 + r.int(3); i++) c.liq[k + i] = base * (3 + 3 * r.next());
  }
  if (r.next() < 0.5) {
    const c = pick();
    const k = at();
    const move = (r.next() < 0.5 ? -1 : 1) * (0.01 + 0.01 * r.next());
    for (let i = k; i < DAY_MINUTES; i++) c.price[i]! *= Math.exp(move * Math.min(1, (i - k + 1) / 5));
    for (let i = 0; i < 2; i++) c.liq[k + 3 + i]! *= 1.5 + 1.5 * r.next();
  }
  if (r.next() < 0.3) {
    const c = pick();
    const k = at();
    for (let i = k; i < Math.min(DAY_MINUTES, k + 120); i++) c.funding[i] = FUNDING_PER_HOUR * (3 + 3 * r.next());
  }
  if (r.next() < 0.5) buildUp(pick(), at(), 360, 0.03 + 0.07 * r.next());
}

function plantCascade(r: Prng, coins: CoinPath[]): { onset: number; gradual: boolean } {
  const c = coins[r.int(coins.length)]!;
  const onset = 400 + r.int(900);
  const gradual = r.next() >= 0.15;
  // The detector's threshold at the onset, from the hour before (its median baseline).
  const hour = Array.from({ length: 60 }, (_, i) => coins.reduce((s, x) => s + x.liq[onset - 60 + i]!, 0)).sort((a, b) => a - b);
  const threshold = Math.max(8 * hour[30]!, DETECTOR_FLOOR);
  if (r.next() < 0.7) buildUp(c, onset, 360, 0.03 + 0.07 * r.next());
  if (r.next() < 0.5) for (let k = onset - 240; k < DAY_MINUTES; k++) c.funding[k] = FUNDING_PER_HOUR * (2 + 4 * r.next());
  if (gradual) {
    const lead = 8 + r.int(18);
    const drop = 0.01 + 0.03 * r.next();
    const from = c.liq[onset - lead]!;
    const growth = Math.log((1.2 * threshold) / from) / lead;
    for (let i = 1; i <= lead; i++) {
      const k = onset - lead + i;
      c.liq[k] = Math.max(c.liq[k]!, from * Math.exp(growth * i) * (0.9 + 0.2 * r.next()));
      c.price[k] = c.price[k]! * Math.exp(-drop * (i / lead) ** 2);
    }
    // Keep the lead-in under the detector's threshold: the onset is the planted minute.
    for (let k = onset - lead; k < onset; k++) c.liq[k] = Math.min(c.liq[k]!, 0.9 * threshold - coins.reduce((s, x) => (x === c ? s : s + x.liq[k]!), 0));
  }
  const length = 10 + r.int(50);
  const depth = 0.05 + 0.1 * r.next();
  const last = c.price[onset - 1]!;
  for (let i = 0; i < length && onset + i < DAY_MINUTES; i++) {
    c.liq[onset + i] = threshold * (1.2 + 4 * Math.exp(-i / 8) * r.next());
    c.price[onset + i] = last * (1 - depth * Math.min(1, (i + 1) / 10));
    c.oi[onset + i]! *= 1 - 0.2 * Math.min(1, (i + 1) / length);
  }
  for (let k = onset + length; k < DAY_MINUTES; k++) {
    c.price[k] = last * (1 - depth);
    c.oi[k]! *= 0.8;
  }
  return { onset, gradual };
}

function eventsOf(start: number, coins: CoinPath[]): NormalizedEvent[] {
  const events: NormalizedEvent[] = [];
  for (let k = 0; k < DAY_MINUTES; k++) {
    const t = start + k * MINUTE;
    coins.forEach((c, i) => {
      const { base } = COINS[i]!;
      const price = c.price[k]!;
      const common = { venue: VENUE, symbol: `${base}USDT`, base, source: 'planted' };
      events.push({ type: 'open_interest', ...common, oiBase: c.oi[k]! / price, oiUsd: c.oi[k]!, markPrice: price, eventTime: t + 1_000, receiveTime: t + 1_000 });
      events.push({ type: 'funding', ...common, rate: c.funding[k]! * 8, intervalHours: 8, ratePerHour: c.funding[k]!, markPrice: price, eventTime: t + 2_000, receiveTime: t + 2_000 });
      const usd = Math.round(c.liq[k]! * 100) / 100;
      if (usd > 0)
        events.push({
          type: 'liquidation',
          ...common,
          id: `${VENUE}:${base}:${k}`,
          side: 'long',
          price,
          qty: usd / price,
          notionalUsd: usd,
          eventTime: t + 30_000,
          receiveTime: t + 30_000,
          fidelity: 'complete',
          kind: 'liquidation',
        });
    });
  }
  return events;
}

/** One day from `seed`: a planted cascade when `withCascade`, else a quiet day with decoys. */
export function plantedDay(seed: number, withCascade: boolean): PlantedDay {
  const r = prng(seed);
  const start = Date.UTC(2025, 0, 1) + (seed % 1000) * DAY_MINUTES * MINUTE;
  const coins = COINS.map((c) => quietPath(r, c.price));
  plantDecoys(r, coins);
  const cascade = withCascade ? plantCascade(r, coins) : undefined;
  const minuteUsd = Array.from({ length: DAY_MINUTES }, (_, k) => coins.reduce((s, c) => s + Math.round(c.liq[k]! * 100) / 100, 0));
  return { events: eventsOf(start, coins), minuteUsd, start, ...(cascade ? { cascade } : {}) };
}
