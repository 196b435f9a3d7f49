import { toUnits } from '../aggregate/fixed-point.js';
import type { MinuteBucket } from '../aggregate/minute-series.js';
import { plantedDay, type PlantedDay } from '../simulate/planted-cascades.js';
import { CascadeDetector } from './detector.js';
import { EarlyWarning, feedInOrder, type EarlyWarningParams, type WarningChange } from './early-warning.js';

const MINUTE = 60_000;
/** A warning counts for a cascade when it starts within this long before the detector's onset. */
const HORIZON_MINUTES = 60;
/** The lead the issue asks for: a warning at least 5 minutes before the detector's onset. */
export const REQUIRED_LEAD_MINUTES = 5;

export interface WarningScore {
  cascadeDays: number;
  /** Cascade days warned at least REQUIRED_LEAD_MINUTES before the detector's onset. */
  hits: number;
  hitRate: number;
  /** Of the days with a lead-in (gradual): hits among them; sudden days cannot be led. */
  gradualDays: number;
  gradualHits: number;
  /** Lead of each cascade day, minutes (0 when the warning came at or after the onset, or never). */
  leads: number[];
  quietDays: number;
  /** Warnings not followed by a detector onset within HORIZON_MINUTES, on the quiet days. */
  falseAlarms: number;
  falseAlarmsPerWeek: number;
  /** The same on the cascade days, outside the hour before each onset and the episode itself. */
  cascadeDayFalseAlarms: number;
}

/** The detector's onsets (minute starts) and the warning starts of one day. */
export function runDay(day: PlantedDay, params: Partial<EarlyWarningParams> = {}): { onsets: number[]; warnings: WarningChange[] } {
  const detector = new CascadeDetector();
  const onsets: number[] = [];
  day.minuteUsd.forEach((usd, k) => {
    const units = toUnits(usd);
    const bucket: MinuteBucket = { minute: day.start + k * MINUTE, units, count: 1, byVenue: { sim: { long: units, short: 0, count: 1 } } };
    for (const s of detector.step(bucket, undefined)) if (s.phase === 'start') onsets.push(s.start);
  });
  const warnings = feedInOrder(new EarlyWarning(params), day.events);
  return { onsets, warnings: warnings.filter((w) => w.phase === 'start') };
}

/** A warning is an alarm for an onset when it starts in the hour before it, or during the episode that follows. */
const explained = (w: WarningChange, onsets: number[]): boolean => onsets.some((o) => w.minute >= o - HORIZON_MINUTES * MINUTE && w.minute <= o + HORIZON_MINUTES * MINUTE);

/**
 * The score over `cascadeDays` planted cascades and `quietDays` quiet days, from `seed` (reproducible:
 * day i's seed is seed + i). The onset is the detector's, as the issue defines the lead.
 */
export function scoreEarlyWarning(o: { seed: number; cascadeDays: number; quietDays: number; params?: Partial<EarlyWarningParams> }): WarningScore {
  const leads: number[] = [];
  let hits = 0;
  let gradualDays = 0;
  let gradualHits = 0;
  let cascadeDayFalseAlarms = 0;
  for (let i = 0; i < o.cascadeDays; i++) {
    const day = plantedDay(o.seed + i, true);
    const { onsets, warnings } = runDay(day, o.params);
    const onset = onsets[0];
    const first = onset === undefined ? undefined : warnings.find((w) => w.minute >= onset - HORIZON_MINUTES * MINUTE && w.minute <= onset);
    const lead = onset !== undefined && first ? (onset - first.minute) / MINUTE : 0;
    leads.push(lead);
    const hit = lead >= REQUIRED_LEAD_MINUTES;
    if (hit) hits += 1;
    if (day.cascade?.gradual) {
      gradualDays += 1;
      if (hit) gradualHits += 1;
    }
    cascadeDayFalseAlarms += warnings.filter((w) => !explained(w, onsets)).length;
  }
  let falseAlarms = 0;
  for (let i = 0; i < o.quietDays; i++) {
    const { onsets, warnings } = runDay(plantedDay(o.seed + o.cascadeDays + i, false), o.params);
    falseAlarms += warnings.filter((w) => !explained(w, onsets)).length;
  }
  return {
    cascadeDays: o.cascadeDays,
    hits,
    hitRate: o.cascadeDays ? hits / o.cascadeDays : 0,
    gradualDays,
    gradualHits,
    leads,
    quietDays: o.quietDays,
    falseAlarms,
    falseAlarmsPerWeek: o.quietDays ? (falseAlarms * 7) / o.quietDays : 0,
    cascadeDayFalseAlarms,
  };
}

/** Lead-time quantiles (minutes) of the hits. */
export function leadQuantiles(leads: readonly number[]): { p10: number; p50: number; p90: number } | undefined {
  const hits = leads.filter((l) => l >= REQUIRED_LEAD_MINUTES).sort((a, b) => a - b);
  if (hits.length === 0) return undefined;
  const q = (p: number) => hits[Math.min(hits.length - 1, Math.floor(p * hits.length))]!;
  return { p10: q(0.1), p50: q(0.5), p90: q(0.9) };
}
