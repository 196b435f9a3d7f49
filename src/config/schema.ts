import { z } from 'zod';
import { KafkaBusConfig } from '../bus/kafka-config.js';
import { SpillConfig } from '../bus/spill-log.js';
import { partialsTopicFor, TopicNames } from '../bus/topics.js';
import { AggregatorSettings } from '../aggregate/settings.js';
import { CascadeParams } from '../cascade/detector.js';
import { EarlyWarningParams } from '../cascade/early-warning.js';
import { ValueLimits } from '../pipeline/value-limits.js';
import { StoreConfig } from '../sinks/store/config.js';
import { VENUES, venueModule } from '../venues/registry.js';
import { venueConfig, type VenueConfig } from '../venues/venue-config.js';
import { EvmSettings } from '../venues/evm/rpc/settings.js';
import { SolanaSettings } from '../venues/solana/settings.js';

/**
 * `venues`: one block per registered venue, each the venue's own strict schema (src/venues/venue-config.ts);
 * a venue without a block runs on its defaults (enabled).
 */
const Venues = z.strictObject(
  Object.fromEntries(VENUES.map((id) => [id, (venueModule(id).config ?? venueConfig()).prefault({})])) as Record<string, z.ZodType<VenueConfig, unknown>>,
);

/**
 * A duration that becomes a setTimeout/setInterval delay: node takes at most 2^31-1 ms (24.8 days) and turns a
 * larger one into 1 ms (TimeoutOverflowWarning), so `maxMs: 3e9` reconnected every millisecond.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const Config = z.strictObject({
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
        /** auto: readable lines on a terminal, JSON lines otherwise (LIQSTREAM_LOG__FORMAT or --log-format override it). */
        format: z.enum(['auto', 'json', 'pretty']).default('auto'),
      })
      .prefault({}),
    bus: z.strictObject({
      /** embedded (in-process, one machine) or kafka. */
      kind: z.enum(['embedded', 'kafka']).default('embedded'),
      kafka: KafkaBusConfig.prefault({}),
      /**
       * `partials` not set: the aggregator group's own topic (partialsTopicFor: liqstream.minute-partials.v1
       * for the default group, liqstream.minute-partials.v1.<groupId> for any other), resolved below.
       */
      topics: TopicNames.extend({ partials: z.string().min(1).optional() }).prefault({}),
      /** Publish raw frames too (needed by `record` from Kafka and for re-processing). */
      publishRaw: z.boolean().default(true),
      /** Events per publish from the ingestor, and how long a batch waits to fill. */
      batchSize: z.number().int().min(1).default(1_000),
      lingerMs: z.number().int().min(0).max(MAX_TIMER_MS).default(20),
      /**
       * Events published but not yet acknowledged before the connectors wait. 10k is ~80 ms at the
       * benchmark's ~120k events/s: larger bounds measured no faster, only later (p50 250 ms at 50k).
       */
      maxBuffered: z.number().int().min(1).default(10_000),
      /** Largest message value published (Kafka's default message.max.bytes is 1,048,588 per record batch). */
      maxRecordBytes: z.number().int().min(1024).default(1_000_000),
      /** Where connectors keep publishes while Kafka is unavailable (docs/reliability.md). */
      spill: SpillConfig.prefault({}),
    }).prefault({}),
    /** Loopback by default: set 0.0.0.0 deliberately to expose /metrics, the page and the API. */
    metrics: z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9464) }).prefault({}),
    aggregator: AggregatorSettings.extend({ groupId: z.string().min(1).default('liqstream-aggregator') })
      .refine((a) => a.heartbeatIntervalMs < a.sessionTimeoutMs, { message: 'heartbeatIntervalMs must be below sessionTimeoutMs', path: ['heartbeatIntervalMs'] })
      .prefault({}),
    cascade: CascadeParams.prefault({}),
    earlyWarning: EarlyWarningParams.prefault({}),
    connection: z.strictObject({
      /** Reconnect back-off: doubling from initialMs up to maxMs, with jitter. */
      backoff: z
        .strictObject({ initialMs: z.number().int().min(1).max(MAX_TIMER_MS).default(1_000), maxMs: z.number().int().min(1).max(MAX_TIMER_MS).default(60_000) })
        .refine((b) => b.initialMs <= b.maxMs, { message: 'initialMs must be at most maxMs', path: ['initialMs'] })
        .prefault({}),
      /** A connection up this long resets the back-off. */
      stableAfterMs: z.number().int().min(0).default(30_000),
      /** Binance REST weight per minute liqstream may spend, shared by USD-M and COIN-M (Binance allows 2,400). */
      binanceWeightPerMinute: z.number().int().min(10).default(1_000),
      /** A venue whose market discovery has not answered by then starts on its built-in defaults. */
      discoverTimeoutMs: z.number().int().min(100).max(MAX_TIMER_MS).default(20_000),
      /** This long after start, one warning names every venue not connected and why (retries log at debug). */
      unreachableReportMs: z.number().int().min(100).max(MAX_TIMER_MS).default(10_000),
    }).prefault({}),
    venues: Venues.prefault({}),
    /** On-chain venues: the RPC WebSocket URL per chain (secrets: never logged, masked by `liqstream config`) and range reading (src/venues/evm/rpc/settings.ts). */
    evm: EvmSettings.prefault({}),
    /** Solana venues: the RPC WebSocket and HTTP URLs per cluster (secrets: never logged) and timing (src/venues/solana/settings.ts). */
    solana: SolanaSettings.prefault({}),
    /** The largest value one event may carry; above it, it is dead-lettered (src/pipeline/value-limits.ts, docs/mapping.md). */
    limits: ValueLimits.prefault({}),
    /**
     * Run only these venues (`--venues a,b` on run/connect/record). Absent, the default: every registered
     * venue whose block does not say `enabled: false`. A listed venue whose block disables it is refused
     * rather than one of the two settings being silently ignored.
     */
    onlyVenues: z
      .array(z.string().refine((id) => VENUES.includes(id), { error: (i) => `unknown venue "${String(i.input)}" (known: ${VENUES.join(', ')})` }))
      .min(1)
      .optional(),
    /** The history store (docs/history.md). */
    store: StoreConfig.prefault({}),
  })
  .superRefine((c, ctx) => {
    for (const id of c.onlyVenues ?? [])
      if (c.venues[id]?.enabled === false) ctx.addIssue({ code: 'custom', path: ['onlyVenues'], message: `"${id}" is listed but venues.${id}.enabled is false` });
  })
  // From here on the allow-list is the venues' `enabled`, so every consumer of the config obeys it.
  .transform((c) => ({
    ...c,
    venues: c.onlyVenues ? (Object.fromEntries(Object.entries(c.venues).map(([id, v]) => [id, { ...v, enabled: c.onlyVenues!.includes(id) }])) as typeof c.venues) : c.venues,
    // One partials topic per aggregator group unless set explicitly (docs/kafka.md).
    bus: { ...c.bus, topics: { ...c.bus.topics, partials: c.bus.topics.partials ?? partialsTopicFor(c.aggregator.groupId) } },
  }));
export type Config = z.infer<typeof Config>;
