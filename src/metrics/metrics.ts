import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Per-venue numbers updated on every frame, copied into their prom-client metric when scraped.
 * prom-client hashes the label set on every update, which costs more than the rest of a frame's
 * processing; a scrape is rare.
 */
export class VenueTally {
  private readonly values = new Map<string, number>();
  add(venue: string, n = 1): void {
    this.values.set(venue, (this.values.get(venue) ?? 0) + n);
  }
  set(venue: string, n: number): void {
    this.values.set(venue, n);
  }
  entries(): IterableIterator<[string, number]> {
    return this.values.entries();
  }
}

/** A scrape-time copy of a tally: counters and gauges alike are reset and given the tally's values. */
function copyOnCollect(tally: VenueTally) {
  return function (this: Counter<'venue'> | Gauge<'venue'>): void {
    this.reset();
    for (const [venue, v] of tally.entries()) (this instanceof Counter ? this.inc({ venue }, v) : this.set({ venue }, v));
  };
}

/**
 * Every metric liqstream exposes, on a registry of its own so that several pipelines
 * (tests, replay beside a live run) never share state through prom-client's global registry.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'liqstream_process_' });
  const registers = [registry];
  const frames = new VenueTally();
  const lastFrame = new VenueTally();
  new Counter({ name: 'liqstream_frames_total', help: 'Raw frames received', labelNames: ['venue'], registers, collect: copyOnCollect(frames) });
  new Gauge({
    name: 'liqstream_last_frame_timestamp_seconds',
    help: 'Unix time of the last frame received',
    labelNames: ['venue'],
    registers,
    collect: copyOnCollect(lastFrame),
  });
  return {
    registry,
    /** Frames received per venue (liqstream_frames_total). */
    frames,
    /** Receive time of the last frame per venue, seconds (liqstream_last_frame_timestamp_seconds). */
    lastFrame,
    badFramesTotal: new Counter({
      name: 'liqstream_bad_frames_total',
      help: 'Frames that could not be parsed or validated (also sent to the dead-letter topic)',
      labelNames: ['venue'],
      registers,
    }),
    deadLettersTotal: new Counter({
      name: 'liqstream_dead_letters_total',
      help: 'Messages published to the dead-letter topic',
      labelNames: ['venue'],
      registers,
    }),
    adlUsdTotal: new Counter({
      name: 'liqstream_adl_usd_total',
      help: 'USD notional of auto-deleveraged positions (not liquidations)',
      labelNames: ['venue', 'side'],
      registers,
    }),
    connectorUp: new Gauge({ name: 'liqstream_connector_up', help: '1 while every socket of the venue is connected', labelNames: ['venue'], registers }),
    reconnectsTotal: new Counter({ name: 'liqstream_reconnects_total', help: 'Reconnect attempts', labelNames: ['venue'], registers }),
    gapsTotal: new Counter({ name: 'liqstream_gaps_total', help: 'Intervals without a live connection', labelNames: ['venue'], registers }),
    gapSecondsTotal: new Counter({ name: 'liqstream_gap_seconds_total', help: 'Seconds without a live connection', labelNames: ['venue'], registers }),
    subscribeErrorsTotal: new Counter({
      name: 'liqstream_subscribe_errors_total',
      help: 'Subscribe requests the venue refused',
      labelNames: ['venue'],
      registers,
    }),
    invalidBusMessagesTotal: new Counter({
      name: 'liqstream_invalid_bus_messages_total',
      help: 'Messages read from the bus that failed schema validation (logged, not applied)',
      labelNames: ['topic'],
      registers,
    }),
    lateEventsTotal: new Counter({
      name: 'liqstream_late_events_total',
      help: 'Events older than the longest window when they arrived (counted in totals, not in windows)',
      labelNames: ['venue'],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Starts every per-venue counter at 0. A labelled counter otherwise appears only at its first increment,
 * and Prometheus's increase() cannot see that first step (a venue's first gap or bad frame would be missed).
 */
export function initVenueCounters(metrics: Metrics, venues: readonly string[]): void {
  for (const venue of venues) {
    metrics.frames.add(venue, 0);
    for (const c of [metrics.badFramesTotal, metrics.deadLettersTotal, metrics.reconnectsTotal, metrics.gapsTotal, metrics.gapSecondsTotal, metrics.subscribeErrorsTotal])
      c.inc({ venue }, 0);
  }
}
