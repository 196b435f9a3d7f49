import type { Aggregator } from '../aggregate/aggregator.js';
import { createBus } from '../bus/create-bus.js';
import { allTopics } from '../bus/topics.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { SpillingBus } from '../bus/spilling-bus.js';
import { createMetrics, initVenueCounters, registerBusGauges } from '../metrics/metrics.js';
import { startMetricsServer } from '../metrics/server.js';
import { startAggregation } from '../pipeline/aggregation.js';
import { startDetection } from '../pipeline/detection.js';
import { Ingestor } from '../pipeline/ingest.js';
import type { VenueId } from '../schema/events.js';
import type { FrameParser } from '../venues/venue.js';
import { liveApi } from '../web/live-api.js';
import { MarketFeed } from '../web/market-feed.js';
import { enabledVenues, startConnectors, type RunningConnectors } from './connectors.js';

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
  const store = mode !== 'connect' && config.store.enabled ? await (await import('../sinks/store/store-sink.js')).StoreSink.open(config.store, log) : undefined;
  const rewindMs = config.aggregator.rebuildMs > 0 ? config.aggregator.rebuildMs : undefined;
  // Every aggregator runs the detection stage too; on Kafka one of them is active (docs/reliability.md, Scale-out).
  const detection =
    mode === 'connect'
      ? undefined
      : await startDetection({ ...config.aggregator, idleMs: config.aggregator.mergeIdleMs, bus, topics: config.bus.topics, metrics, log, cascade: config.cascade, rewindMs, direct: bus.kind === 'embedded', sink: store });
  const aggregation =
    mode === 'connect' || !detection
      ? undefined
      : await startAggregation({
          bus,
          topics: config.bus.topics,
          groupId: config.aggregator.groupId,
          metrics,
          log,
          aggregator: { ...config.aggregator, rewindMs },
          partials: bus.kind === 'embedded' ? detection.accept : (messages) => bus.publish(config.bus.topics.partials, messages),
          onEvent: (event) => {
            live?.onEvent(event);
            store?.onEvents([event]);
          },
        });
  const history = store && aggregation ? await (await import('../web/history-api.js')).openHistoryApi(config.store.dir, config.store, log) : undefined;
  // The trader's page and JSON API beside /metrics, where there is an aggregator to read.
  const live = aggregation
    ? liveApi({
        aggregator: aggregation.aggregator,
        feed: new MarketFeed(),
        // This process's detector: on Kafka, only the active one of a group has signals (docs/reliability.md).
        cascades: () => detection?.tracker.signals ?? [],
        status: () => ({ mode, venues: connectors?.health() ?? {}, busUp: spilling?.status().up }),
        now: Date.now,
        history,
      })
    : undefined;

  let ingestor: Ingestor | undefined;
  let connectors: RunningConnectors | undefined;
  if (mode !== 'aggregate') {
    const parsers = new Map<VenueId, FrameParser>();
    const ing = new Ingestor({
      ...config.bus,
      bus: spilling ?? bus,
      topics: config.bus.topics,
      metrics,
      log,
      parserFor: (venue) => parsers.get(venue),
      isFull: spilling ? () => spilling.full : undefined,
    });
    ingestor = ing;
    if (spilling) registerBusGauges(metrics, () => spilling.status(), () => ing.pending);
    connectors = await startConnectors(config, { sink: ingestor, metrics, log, parsers });
  }

  const server = await startMetricsServer(metrics.registry, {
    host: config.metrics.host,
    port: config.metrics.port,
    health: () => {
      const venues = connectors?.health() ?? {};
      // Until the aggregator has rebuilt its windows and caught up, its numbers are not the market's.
      const aggregatorStatus = aggregation?.status();
      if (aggregatorStatus === 'warming') return { healthy: false, status: 'warming', detail: { mode, bus: bus.kind, venues, aggregator: aggregatorStatus } };
      // A broker outage leaves a connector healthy: it is doing its job, spilling (liqstream_bus_up says so).
      return { healthy: Object.values(venues).every(Boolean), detail: { mode, bus: bus.kind, busUp: spilling?.status().up, venues } };
    },
    routes: live,
  });
  log.info({ mode, bus: bus.kind, metrics: `${server.url}/metrics` }, 'liqstream started');

  return {
    metricsUrl: server.url,
    aggregator: aggregation?.aggregator,
    // Order matters: stop the sources, flush what they produced, then stop consuming and close the bus.
    stop: async () => {
      await connectors?.stop();
      // A failed flush was counted and logged where it failed; the rest must still close.
      await ingestor?.close().catch(() => {});
      await aggregation?.subscription.close();
      await detection?.subscription?.close();
      await store?.close().catch((err: unknown) => log.error({ err }, 'store: last commit failed'));
      // Closing the spill closes the Kafka bus under it.
      if (spilling) await spilling.close();
      else await bus.close();
      live?.close();
      await server.close();
      history?.close();
      log.info('liqstream stopped');
    },
  };
}

