import { Aggregator } from '../../src/aggregate/aggregator.js';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import type { Bus } from '../../src/bus/bus.js';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { allTopics, defaultTopics, type TopicNames } from '../../src/bus/topics.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { consumeEvents } from '../../src/pipeline/consume.js';
import { Ingestor } from '../../src/pipeline/ingest.js';
import type { NormalizedEvent, VenueId } from '../../src/schema/events.js';
import { venueModule } from '../../src/venues/registry.js';

/** The same stages a `run` process wires together, on the bus given (embedded by default). */
export async function testPipeline(options: { bus?: Bus; topics?: TopicNames; groupId?: string } = {}) {
  const bus = options.bus ?? new MemoryBus();
  const topics = options.topics ?? defaultTopics();
  const log = process.env.TEST_LOG ? createLogger('debug') : silentLogger();
  const metrics = createMetrics();
  const aggregator = new Aggregator();
  registerAggregatorMetrics(metrics.registry, aggregator);
  const applied: NormalizedEvent[] = [];
  await bus.start(allTopics(topics));
  const subscription = await consumeEvents(bus, topics, options.groupId ?? 'test-aggregator', { metrics, log, fromBeginning: true }, (e, _replayed, _topic, _partition, idHashA, idHashB) => {
    applied.push(e);
    aggregator.apply(e, false, idHashA, idHashB);
  });
  const ingestor = new Ingestor({
    bus,
    topics,
    metrics,
    log,
    parserFor: (venue: VenueId) => venueModule(venue).parser({}, { log }),
    snapshotsFor: (venue: VenueId) => venueModule(venue).snapshots,
    publishRaw: true,
    batchSize: 100,
    lingerMs: 5,
    maxBuffered: 10_000,
  });
  return {
    bus,
    topics,
    log,
    metrics,
    aggregator,
    applied,
    ingestor,
    metricValue: async (name: string, labels: Record<string, string> = {}) => {
      const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
      const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
      return v?.value;
    },
    close: async () => {
      await ingestor.flush();
      await subscription.close();
      await bus.close();
    },
  };
}
