import { RollingSum } from './rolling-sum.js';

export const WINDOWS = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '24h': 86_400_000 } as const;
export type WindowName = keyof typeof WINDOWS;
export const WINDOW_NAMES = Object.keys(WINDOWS) as WindowName[];

/**
 * The four standard windows for one key: 1-second buckets serve 1m and 5m exactly,
 * 1-minute buckets serve 1h and 24h (about 1,740 buckets per key in all).
 */
export class WindowSet {
  private readonly seconds = new RollingSum(1_000, 300);
  private readonly minutes = new RollingSum(60_000, 1_440);

  add(timeMs: number, units: number): boolean {
    const inMinutes = this.minutes.add(timeMs, units);
    this.seconds.add(timeMs, units);
    return inMinutes;
  }

  sum(window: WindowName, nowMs: number): { units: number; count: number } {
    const ms = WINDOWS[window];
    return ms <= this.seconds.spanMs ? this.seconds.sum(ms, nowMs) : this.minutes.sum(ms, nowMs);
  }

  minute(startMs: number): { units: number; count: number } {
    return this.minutes.bucket(startMs);
  }
}
