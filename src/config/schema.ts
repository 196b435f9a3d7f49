import { z } from 'zod';
import { KafkaBusConfig } from '../bus/kafka-config.js';
import { SpillConfig } from '../bus/spill-log.js';
import { TopicNames } from '../bus/topics.js';
import { CascadeParams } from '../cascade/detector.js';

const VenueCommon = {
  enabled: z.boolean(),
  /** WebSocket endpoint; defaults to the venue's public production endpoint. */
  url: z.url().optional(),
  /** REST base URL override (open-interest polling). */
  restUrl: z.url().optional(),
  /** Fetch markets and contract sizes at start (REST). Off: built-in defaults (see docs/mapping.md). */
  discover: z.boolean().default(true),
  /** Open-interest polling interval where the venue has no stream (Binance); 0 disables. */
  oiPollMs: z.number().int().min(0).default(60_000),
  /** Exactly the markets to watch, with no new-listing watch; discovery still supplies metadata (also what open-interest polling covers). */
  symbols: z.array(z.string().min(1)).optional(),
  /** Re-read the market list this often and subscribe to new listings (Bybit), or the liquidator vault list (Hyperliquid); 0 disables. */
  refreshMs: z.number().int().min(0).default(600_000),
};

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
      topics: TopicNames,
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
    }),
    venues: z.strictObject({
      'binance-usdm': z.strictObject(VenueCommon),
      'binance-coinm': z.strictObject(VenueCommon),
      'bybit-linear': z.strictObject(VenueCommon),
      'bybit-inverse': z.strictObject(VenueCommon),
      hyperliquid: z.strictObject({
        ...VenueCommon,
        /**
         * Where liquidations come from: `public` (trades of known liquidator vaults: inferred, backstops only),
         * `node` (a node's node_fills_by_block files: complete), `fills-ws` (a fills feed at `fillsUrl`).
         * Open interest always comes from the public socket.
         */
        source: z.enum(['public', 'node', 'fills-ws']).default('public'),
        /** node: the node's node_fills_by_block/hourly directory. */
        nodeDir: z.string().min(1).optional(),
        /** fills-ws: the feed's WebSocket URL (with any API key it needs). */
        fillsUrl: z.url().optional(),
        /**
         * HLP's liquidator vault addresses (default: the built-in list in src/venues/hyperliquid/vaults.ts).
         * With `discover` on they are re-read from HLP's `vaultDetails` (children named Liquidator) at start and
         * every `refreshMs`, and this list is only the fallback when that fails. Docs: docs/venues/hyperliquid.md.
         */
        liquidators: z.array(z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x address of 40 hex digits')).min(1).optional(),
      }).refine((v) => v.source !== 'node' || v.nodeDir !== undefined, { message: 'source "node" needs nodeDir', path: ['nodeDir'] })
        .refine((v) => v.source !== 'fills-ws' || v.fillsUrl !== undefined, { message: 'source "fills-ws" needs fillsUrl', path: ['fillsUrl'] }),
    }),
  });
export type Config = z.infer<typeof Config>;
