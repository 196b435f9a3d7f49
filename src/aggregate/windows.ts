import { z } from 'zod';
import { RollingSum } from './rolling-sum.js';

/** Second buckets kept per key: windows up to this long are exact to the second. */
const SECOND_SLOTS = 300;
/** Minute buckets kept per key: the longest window there can be. */
const MINUTE_SLOTS = 1_440;
export const LONGEST_WINDOW_MS = MINUTE_SLOTS * 60_000;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The windows every process has (the live page, the alert rules and dashboards read them). */
export const STANDARD_WINDOWS = ['1m', '5m', '1h', '24h'] as const;

/**
 * A window as configured: `<n>s`, `<n>m` or `<n>h`, refused unless the buckets kept can answer it
 * exactly. A window longer than what is kept would otherwise read as the sum of what is kept (a `7d`
 * entry reporting 24 h), and one finer than its buckets as a rounded one.
 */
export const WindowSpec = z
  .string()
  .regex(/^[1-9]\d{0,5}[smhd]$/, 'expected a duration such as 30s, 15m, 4h or 1d')
  .superRefine((name, ctx) => {
    const ms = windowMs(name);
    if (ms > LONGEST_WINDOW_MS) ctx.addIssue({ code: 'custom', message: `${name} is longer than the 24 h of minutes the aggregator keeps` });
    else if (ms > SECOND_SLOTS * 1_000 && ms % 60_000 !== 0)
      ctx.addIssue({ code: 'custom', message: `${name}: windows longer than ${SECOND_SLOTS / 60} minutes are kept in whole minutes` });
  });

export function windowMs(name: string): number {
  return Number(name.slice(0, -1)) * UNIT_MS[name.at(-1) as keyof typeof UNIT_MS];
}

/** The windows a process serves: the standard ones plus those configured, shortest first. */
export function windowList(extra: readonly string[] = []): string[] {
  return [...new Set([...STANDARD_WINDOWS, ...extra])].sort((a, b) => windowMs(a) - windowMs(b));
}

/**
 * The windows for one key: 1-second buckets serve windows up to 5 minutes exactly, 1-minute buckets
 * the rest, up to 24 h (about 1,740 buckets per key in all).
 */
export class WindowSet {
  private readonly seconds = new RollingSum(1_000, SECOND_SLOTS);
  private readonly minutes = new RollingSum(60_000, MINUTE_SLOTS);

  add(timeMs: number, units: number): boolean {
    const inMinutes = this.minutes.add(timeMs, units);
    this.seconds.add(timeMs, units);
    return inMinutes;
  }

  /** Takes back an event added with `add` (a retraction), from every bucket that still holds it. */
  remove(timeMs: number, units: number): void {
    this.minutes.remove(timeMs, units);
    this.seconds.remove(timeMs, units);
  }

  sum(window: string, nowMs: number): { units: number; count: number } {
    const ms = windowMs(window);
    return ms <= this.seconds.spanMs ? this.seconds.sum(ms, nowMs) : this.minutes.sum(ms, nowMs);
  }

  minute(startMs: number): { units: number; count: number } {
    return this.minutes.bucket(startMs);
  }
}
