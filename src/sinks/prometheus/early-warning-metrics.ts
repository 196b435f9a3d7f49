import { Counter, Gauge, type Registry } from 'prom-client';
import type { EarlyWarning } from '../../cascade/early-warning.js';

/** Coins shown by the level gauge: the highest levels (a warning's coin always has a high one); bases are unbounded. */
export const WARNING_GAUGE_COINS = 20;

/** The early-warning gauges, read from its state at scrape time (docs/cascades.md, "Early warning"). */
export function registerEarlyWarningMetrics(registry: Registry, warnings: EarlyWarning): void {
  const registers = [registry];
  new Gauge({
    name: 'liqstream_early_warning',
    help: '1 while the early warning is on for the coin (event time; docs/cascades.md), 0 for the other coins shown',
    labelNames: ['base'],
    registers,
    collect() {
      this.reset();
      for (const c of warnings.current().slice(0, WARNING_GAUGE_COINS)) this.set({ base: c.base }, c.warning ? 1 : 0);
    },
  });
  new Gauge({
    name: 'liqstream_early_warning_level',
    help: 'Early-warning level of the coin at its last closed minute, 0-1 (liquidation acceleration, price velocity, open-interest build-up or funding extreme), for the highest levels',
    labelNames: ['base', 'part'],
    registers,
    collect() {
      this.reset();
      for (const c of warnings.current().slice(0, WARNING_GAUGE_COINS))
        for (const part of ['level', 'acceleration', 'velocity', 'buildup', 'funding'] as const) this.set({ base: c.base, part }, c[part]);
    },
  });
  // Events the early warning counted but did not apply; before, only its own fields knew them.
  new Counter({
    name: 'liqstream_early_warning_skipped_events_total',
    help: 'Events the early warning did not apply, by reason: late (its minute was closed), ahead (event time over 5 min past receipt), overflow (a new coin beyond earlyWarning.maxCoins new coins in one minute)',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      this.inc({ reason: 'late' }, warnings.late);
      this.inc({ reason: 'ahead' }, warnings.ahead);
      this.inc({ reason: 'overflow' }, warnings.overflow);
    },
  });
}
