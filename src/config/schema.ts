import { z } from 'zod';
import { KafkaBusConfig } from '../bus/kafka-config.js';
import { SpillConfig } from '../bus/spill-log.js';
import { partialsTopicFor, TopicNames } from '../bus/topics.js';
import { CascadeParams } from '../cascade/detector.js';
import { VENUES, venueModule } from '../venues/registry.js';
import { venueConfig, type VenueConfig } from '../venues/venue-config.js';

/**
 * `venues`: one block per registered venue, each the venue's own strict schema (src/venues/venue-config.ts);
 * a venue without a block runs on its defaults (enabled).
 */
const Venues = z.strictObject(
  Object.fromEntries(VENUES.map((id) => [id, (venueModule(id).config ?? venueConfig()).prefault({})])) as Record<string, z.ZodType<VenueConfig, unknown>>,
);

export const Config = z.strictObject({
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
        /** auto: readable lines on a terminal, JSON lines otherwise (LIQSTREAM_LOG__FORMAT or --log-format override it). */
        format: z.enum(['auto', 'json', 'pretty']).default('auto'),
      })
      .default({ level: 'info', format: 'auto' }),
    bus: z.strictObject({
      kind: z.enum(['embedded', 'kafka']),
      kafka: KafkaBusConfig,
      /** `partials` defaults to the aggregator group's own topic (partialsTopicFor), resolved below. */
      topics: TopicNames.extend({ partials: z.string().min(1).optional() }),
      /** Publish raw frames too (needed by `record` from Kafka and for re-processing). */
      publishRaw: z.boolean(),
      batchSize: z.number().int().min(1),
      lingerMs: z.number().int().min(0),
      maxBuffered: z.number().int().min(1),
      /** Largest message value published (Kafka's default message.max.bytes is 1,048,588 per record batch). */
      maxRecordBytes: z.number().int().min(1024).default(1_000_000),
      /** Where connectors keep publishes while Kafka is unavailable (docs/reliability.md). */
      spill: SpillConfig.default(SpillConfig.parse({})),
    }),
    metrics: z.strictObject({ host: z.string().min(1), port: z.number().int().min(0).max(65535) }),
    aggregator: z.strictObject({
      groupId: z.string().min(1),
      maxSymbols: z.number().int().min(1),
      symbolsTopN: z.number().int().min(0),
      oiSymbols: z.array(z.string()),
      oiTopN: z.number().int().min(0),
      /** A minute closes once every partition's event time is this far past its end (docs/reliability.md). */
      latenessMs: z.number().int().min(0).default(5_000),
      /** A partition that delivered nothing for this long (wall time) stops holding the watermark back. */
      idleMs: z.number().int().min(1).default(10_000),
      /**
       * The detector merges a minute without a partition that has not reported for this long (wall time).
       * Longer than a crashed member's session timeout plus its successor's rebuild, so a failover does not
       * publish minutes without the failed member's share.
       */
      mergeIdleMs: z.number().int().min(1).default(60_000),
      /** A symbol's open interest leaves the venue totals once its last value is this old (delisted symbols). */
      oiTtlMs: z.number().int().min(1_000).default(900_000),
      /** On assignment, re-read this much of each partition (by record time) to rebuild windows and the detector; 0 = off. */
      rebuildMs: z.number().int().min(0).default(93_600_000),
      /** Kafka group session: a crashed member's partitions move after this long. */
      sessionTimeoutMs: z.number().int().min(1_000).default(10_000),
      heartbeatIntervalMs: z.number().int().min(100).default(3_000),
    }).refine((a) => a.heartbeatIntervalMs < a.sessionTimeoutMs, { message: 'heartbeatIntervalMs must be below sessionTimeoutMs', path: ['heartbeatIntervalMs'] }),
    cascade: CascadeParams,
    connection: z.strictObject({
      backoff: z.strictObject({ initialMs: z.number().int().min(1), maxMs: z.number().int().min(1) }),
      stableAfterMs: z.number().int().min(0),
      /** Binance REST weight per minute liqstream may spend, shared by USD-M and COIN-M (Binance allows 2,400). */
      binanceWeightPerMinute: z.number().int().min(10).default(1_000),
      /** A venue whose market discovery has not answered by then starts on its built-in defaults. */
      discoverTimeoutMs: z.number().int().min(100).default(20_000),
    }),
    venues: Venues.prefault({}),
  })
  // One partials topic per aggregator group unless set explicitly (docs/kafka.md).
  .transform((c) => ({ ...c, bus: { ...c.bus, topics: { ...c.bus.topics, partials: c.bus.topics.partials ?? partialsTopicFor(c.aggregator.groupId) } } }));
export type Config = z.infer<typeof Config>;
