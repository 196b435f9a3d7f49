import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric liqstream exposes, on a registry of its own so that several pipelines
 * (tests, replay beside a live run) never share state through prom-client's global registry.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'liqstream_process_' });
  const registers = [registry];
  return {
    registry,
    framesTotal: new Counter({ name: 'liqstream_frames_total', help: 'Raw frames received', labelNames: ['venue'], registers }),
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
    lastFrameSeconds: new Gauge({
      name: 'liqstream_last_frame_timestamp_seconds',
      help: 'Unix time of the last frame received',
      labelNames: ['venue'],
      registers,
    }),
    liquidationsUsdTotal: new Counter({
      name: 'liqstream_liquidations_usd_total',
      help: 'USD notional of liquidated positions (side = side of the position)',
      labelNames: ['venue', 'side', 'fidelity'],
      registers,
    }),
    liquidationsTotal: new Counter({
      name: 'liqstream_liquidations_total',
      help: 'Liquidation events',
      labelNames: ['venue', 'side', 'fidelity'],
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
    for (const c of [metrics.framesTotal, metrics.badFramesTotal, metrics.deadLettersTotal, metrics.reconnectsTotal, metrics.gapsTotal, metrics.gapSecondsTotal, metrics.subscribeErrorsTotal])
      c.inc({ venue }, 0);
  }
}
