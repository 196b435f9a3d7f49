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
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'liqstream_' });
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
  const partialCoverage = new Map<string, () => boolean>();
  new Gauge({
    name: 'liqstream_venue_partial',
    help: '1 while a venue watches only some of its markets (market list unavailable, or subscriptions refused): its totals are a lower bound',
    labelNames: ['venue'],
    registers,
    collect() {
      this.reset();
      for (const [venue, partial] of partialCoverage) this.set({ venue }, partial() ? 1 : 0);
    },
  });
  return {
    registry,
    /** Per venue, whether it watches a built-in subset now (liqstream_venue_partial). */
    partialCoverage,
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
    badEntriesTotal: new Counter({
      name: 'liqstream_bad_entries_total',
      help: 'Entries of otherwise valid frames that could not be used (each sent to the dead-letter topic; the frame\'s other entries counted)',
      labelNames: ['venue'],
      registers,
    }),
    deadLettersTotal: new Counter({
      name: 'liqstream_dead_letters_total',
      help: 'Messages published to the dead-letter topic',
      labelNames: ['venue'],
      registers,
    }),
    connectorUp: new Gauge({ name: 'liqstream_connector_up', help: '1 while every socket of the venue is connected', labelNames: ['venue'], registers }),
    reconnectsTotal: new Counter({ name: 'liqstream_reconnects_total', help: 'Reconnect attempts', labelNames: ['venue'], registers }),
    subscribeErrorsTotal: new Counter({
      name: 'liqstream_subscribe_errors_total',
      help: 'Subscribe requests the venue refused',
      labelNames: ['venue'],
      registers,
    }),
    /** On-chain venues' connections (src/venues/evm/rpc/): what they had to do beyond subscribing. */
    evmRpcTotal: new Counter({
      name: 'liqstream_evm_rpc_total',
      help: 'EVM connection work by kind: backfilled_blocks (re-read after reconnects), reorgs, range_halvings (eth_getLogs refused as too large), rpc_errors, request_timeouts',
      labelNames: ['venue', 'chain', 'what'],
      registers,
    }),
    evmHeadBlock: new Gauge({ name: 'liqstream_evm_head_block', help: 'Number of the last block head seen per on-chain venue and chain', labelNames: ['venue', 'chain'], registers }),
    historyEntriesTotal: new Counter({
      name: 'liqstream_history_entries_total',
      help: 'Liquidations a venue sent on subscribe that are older than the connection less the history horizon (history, not counted)',
      labelNames: ['venue'],
      registers,
    }),
    invalidBusMessagesTotal: new Counter({
      name: 'liqstream_invalid_bus_messages_total',
      help: 'Messages read from the bus that failed schema validation (logged, not applied)',
      labelNames: ['topic'],
      registers,
    }),
    framesDroppedTotal: new Counter({
      name: 'liqstream_frames_dropped_total',
      help: 'Frames read but dropped because the bus spill was full or its disk refused writes (a gap event covers the time)',
      labelNames: ['venue'],
      registers,
    }),
    unpublishedEventsTotal: new Counter({
      name: 'liqstream_unpublished_messages_total',
      help: 'Messages the bus refused (lost), by reason',
      labelNames: ['reason'],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** What a producer's bus reports about its buffering (see SpillingBus). */
export interface BusStatus {
  up: boolean;
  memoryEvents: number;
  spillBytes: number;
  spillMaxBytes: number;
  oldestUnsent: number | undefined;
}

/** The bus gauges of a producing process (connect, run): read from `status` at scrape time. */
export function registerBusGauges(metrics: Metrics, status: () => BusStatus, pendingInIngestor: () => number): void {
  const registers = [metrics.registry];
  const gauge = (name: string, help: string, value: (s: BusStatus) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const v = value(status());
        if (v === undefined) this.reset();
        else this.set(v);
      },
    });
  gauge('liqstream_bus_up', '1 while the broker acknowledges publishes; 0 while they go to the disk spill', (s) => (s.up ? 1 : 0));
  new Gauge({
    name: 'liqstream_bus_buffered_events',
    help: 'Messages held in memory: read but not yet acknowledged by the broker nor written to the spill',
    registers,
    collect() {
      this.set(status().memoryEvents + pendingInIngestor());
    },
  });
  gauge('liqstream_spill_bytes', 'Bytes of unsent publishes in the on-disk spill', (s) => s.spillBytes);
  gauge('liqstream_spill_max_bytes', 'Spill size limit (bus.spill.maxBytes): frames are dropped, with a gap recorded, beyond it', (s) => s.spillMaxBytes);
  gauge('liqstream_bus_oldest_unsent_age_seconds', 'Age of the oldest message not yet acknowledged by the broker (0 when none)', (s) =>
    s.oldestUnsent === undefined ? 0 : Math.max(0, Date.now() - s.oldestUnsent) / 1000,
  );
}

/**
 * Starts every per-venue counter at 0. A labelled counter otherwise appears only at its first increment,
 * and Prometheus's increase() cannot see that first step (a venue's first gap or bad frame would be missed).
 */
export function initVenueCounters(metrics: Metrics, venues: readonly string[]): void {
  for (const venue of venues) {
    metrics.frames.add(venue, 0);
    for (const c of [metrics.badFramesTotal, metrics.badEntriesTotal, metrics.deadLettersTotal, metrics.framesDroppedTotal, metrics.reconnectsTotal, metrics.subscribeErrorsTotal, metrics.historyEntriesTotal])
      c.inc({ venue }, 0);
  }
}
