import type { Aggregator } from '../aggregate/aggregator.js';
import { createBus } from './create-bus.js';
import { allTopics } from '../bus/topics.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { SpillingBus } from '../bus/spilling-bus.js';
import { createMetrics, initVenueCounters, registerBusGauges } from '../metrics/metrics.js';
import { processReadiness, startMetricsServer } from './http-server.js';
import { registerAggregatorMetrics } from '../sinks/prometheus/aggregator-metrics.js';
import { startStages } from '../pipeline/stages.js';
import type { VenueId } from '../schema/events.js';
import { VENUE_MODULES } from '../venues/registry.js';
import type { FrameParser } from '../venues/venue.js';
import { liveApi, type LiveApi } from '../web/live-api.js';
import { MarketFeed } from '../web/market-feed.js';
import { enabledVenues, startConnectors, type RunningConnectors } from './connectors.js';
import { readWatchMark, startWatchMark } from './watch-mark.js';

/** run = connectors + aggregator in one process; connect and aggregate are the two halves over Kafka. */
export type ServiceMode = 'run' | 'connect' | 'aggregate';

export interface RunningService {
  metricsUrl: string;
  aggregator?: Aggregator;
  stop(): Promise<void>;
}

export async function startService(config: Config, mode: ServiceMode, log: Logger): Promise<RunningService> {
  const metrics = createMetrics({ defaultMetrics: true });
  initVenueCounters(metrics, enabledVenues(config));
  const bus = await createBus(config.bus, log);
  // Connectors publish to Kafka through a disk spill, so a broker outage (at start too) neither
  // stops them nor loses what they read (docs/reliability.md). The embedded bus has no broker to lose.
  const spilling = mode !== 'aggregate' && bus.kind === 'kafka' ? new SpillingBus(bus, { ...config.bus.spill, maxInMemory: config.bus.maxBuffered, sendTimeoutMs: config.bus.kafka.sendTimeoutMs }, log) : undefined;
  if (spilling) await spilling.start(allTopics(config.bus.topics));
  else await bus.start(allTopics(config.bus.topics));

  // Opened before consuming starts, so it sees every event; a restart re-reads rebuildMs of the topics
  // and the store keeps each row once (docs/history.md, Exactly once).
  const store =
    mode !== 'connect' && config.store.enabled
      ? config.store.kind === 'questdb'
        ? (await import('../sinks/questdb/questdb-sink.js')).QuestDbSink.open(config.store.questdb, log, metrics.registry)
        : await (await import('../sinks/store/store-sink.js')).StoreSink.open(config.store, log, { thread: true, registry: metrics.registry, live: true })
      : undefined;
  const rewindMs = config.aggregator.rebuildMs > 0 ? config.aggregator.rebuildMs : undefined;
  const parsers = new Map<VenueId, FrameParser>();
  // The trader's page and JSON API beside /metrics, where there is an aggregator to read: a sink.
  let live: LiveApi | undefined;
  // Declared before the stages: the sinks (the live page's status) are built, and may be asked, before the connectors start.
  let connectors: RunningConnectors | undefined;
  // Every aggregator runs the detection stage too; on Kafka one of them is active (docs/reliability.md, Scale-out).
  const history = store ? await (await import('../web/history-api.js')).openHistoryApi(config.store, log, metrics.registry) : undefined;
  const stages = await startStages({
    bus,
    topics: config.bus.topics,
    metrics,
    log,
    limits: config.limits,
    ingest: mode === 'aggregate' ? undefined : { ...config.bus, bus: spilling ?? bus, parserFor: (venue) => parsers.get(venue), snapshotsFor: (venue) => VENUE_MODULES[venue]?.snapshots, spill: spilling },
    consume:
      mode === 'connect'
        ? undefined
        : {
            groupId: config.aggregator.groupId,
            aggregator: { ...config.aggregator, rewindMs },
            cascade: config.cascade,
            earlyWarning: config.earlyWarning,
            mergeIdleMs: config.aggregator.mergeIdleMs,
            direct: bus.kind === 'embedded',
            venues: enabledVenues(config),
            sinks: ({ aggregator, tracker }) => [
              ...(store ? [store] : []),
              (live = liveApi({
                aggregator,
                feed: new MarketFeed(),
                // This process's detector: on Kafka, only the active one of a group has signals (docs/reliability.md).
                cascades: () => tracker.signals(),
                status: () => ({ mode, venues: connectors?.health() ?? {}, busUp: spilling?.status().up }),
                now: Date.now,
                history,
              })),
            ],
          },
  });
  const { ingestor, aggregation } = stages;
  // A connector-only process still shows each venue's gap counters, at 0.
  if (!aggregation) registerAggregatorMetrics(metrics.registry, undefined, enabledVenues(config));

  let mark: ReturnType<typeof startWatchMark> | undefined;
  if (ingestor) {
    const ing = ingestor;
    if (spilling) registerBusGauges(metrics, () => spilling.status(), () => ing.pending);
    // The previous process's watch mark, read under the spill's lock (so that process is gone): the time
    // since it stopped watching becomes a gap per venue (docs/reliability.md, "What kill -9 costs").
    const predecessor = spilling ? readWatchMark(config.bus.spill.dir, log) : undefined;
    const running = await startConnectors(config, { sink: ing, metrics, log, parsers, predecessor });
    connectors = running;
    if (spilling) {
      const venues = enabledVenues(config);
      mark = startWatchMark(
        config.bus.spill.dir,
        (at) => Object.fromEntries(venues.map((v) => [v, Math.min(at, running.unwatchedSince(v) ?? at, ing.openSince(v) ?? at)])),
        log,
      );
    }
  }

  const server = await startMetricsServer(metrics.registry, {
    host: config.metrics.host,
    port: config.metrics.port,
    // Readiness is the bus and the aggregator; a venue down is in the body, never a 503 (docs/reliability.md).
    readiness: () => processReadiness({ mode, bus: bus.kind, busUp: spilling?.status().up, aggregator: aggregation?.status(), venues: connectors?.health() ?? {} }),
    routes: live,
    log,
  });
  log.info({ mode, bus: bus.kind, ...(live ? { page: `${server.url}/` } : {}), metrics: `${server.url}/metrics` }, 'liqstream started');

  return {
    metricsUrl: server.url,
    aggregator: aggregation?.aggregator,
    // Order matters: stop the sources, flush what they produced, then stop consuming and close the bus.
    stop: async () => {
      mark?.stop();
      // Watching ends as the sockets start closing: what arrives on them from then on is not read.
      const stoppedWatching = Date.now();
      await connectors?.stop();
      await stages.close();
      await stages.closeSinks();
      // Closing the spill closes the Kafka bus under it.
      if (spilling) await spilling.close(undefined, () => mark?.final(stoppedWatching));
      else await bus.close();
      await server.close();
      await history?.close();
      log.info('liqstream stopped');
    },
  };
}

