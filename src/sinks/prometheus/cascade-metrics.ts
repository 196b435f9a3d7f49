import { Gauge, type Registry } from 'prom-client';
import type { CascadeTracker } from '../../cascade/tracker.js';

/** The cascade gauges, read from the tracker at scrape time. */
export function registerCascadeMetrics(registry: Registry, tracker: CascadeTracker): void {
  const registers = [registry];
  new Gauge({
    name: 'liqstream_cascade_active',
    help: '1 while a liquidation cascade episode is in progress (event time)',
    registers,
    collect() {
      this.set(tracker.active() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'liqstream_cascade_usd',
    help: 'Liquidated USD in the current cascade episode',
    labelNames: ['venue', 'side'],
    registers,
    collect() {
      this.reset();
      for (const [venue, t] of Object.entries(tracker.current()?.byVenue ?? {})) {
        this.set({ venue, side: 'long' }, t.longUsd);
        this.set({ venue, side: 'short' }, t.shortUsd);
      }
    },
  });
  new Gauge({
    name: 'liqstream_cascade_lower_bound',
    help: '1 while the current cascade episode includes a venue whose liquidations are not complete (its USD is a lower bound)',
    registers,
    collect() {
      this.set(tracker.current()?.lowerBound ? 1 : 0);
    },
  });
}
