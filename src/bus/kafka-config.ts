import { z } from 'zod';
import { splitHostPort } from '../host-port.js';
import { KafkaSaslConfig, KafkaSslConfig } from './kafka-security.js';

/** The Kafka bus's settings: the one schema for `bus.kafka` in config and for KafkaBus's options. */
export const KafkaBusConfig = z.strictObject({
  brokers: z
    .array(
      z
        .string()
        // No brackets: kafkajs splits host:port at its own ':' and would connect to "[1.2.3.4]" (while the stop's
        // probe, splitHostPort, took 1.2.3.4). abort: a port that is no number is one message, not two.
        .regex(/^[^:\s[\]]+:\d{1,5}$/, { error: 'expected host:port', abort: true })
        .refine((b) => {
          const port = splitHostPort(b)[1];
          return port >= 1 && port <= 65_535;
        }, 'port out of range (1–65535)'),
    )
    .min(1)
    .default(['127.0.0.1:9092']),
  /** TLS to the brokers (kafka-security.ts); absent: plaintext. */
  ssl: KafkaSslConfig.optional(),
  /** SASL authentication (kafka-security.ts); absent: none. */
  sasl: KafkaSaslConfig.optional(),
  clientId: z.string().min(1).default('liqstream'),
  /** Used only when a topic is created; existing topics keep their partition count. */
  partitions: z.number().int().min(1).default(6),
  replicationFactor: z.number().int().min(1).default(1),
  /**
   * Batch compression. 'none' by default: measured on loopback (kafkajs 2.2.4, ~300-byte event JSON,
   * acks=all), gzip was ~18% slower at 100-message batches and ~19% faster at 1000, at the same
   * client CPU; live batches are small (linger-bound), so it buys nothing there. It does shrink
   * these payloads ~10x+, so 'gzip' is worth it on a bandwidth- or disk-bound cluster. kafkajs
   * bundles no other codec.
   */
  compression: z.enum(['none', 'gzip']).default('none'),
  /** Messages of one key (and headers) per record, per publish (see record-packing.ts); 1 = one record per message. */
  packMessages: z.number().int().min(1).default(500),
  /** Threshold for kafkajs's own log lines; its INFO level reports every join and rebalance. */
  kafkaLogLevel: z.enum(['error', 'warn', 'info', 'debug']).default('warn'),
  /**
   * Attempts kafkajs makes for one send before it fails (100 ms doubling to 2 s apart, ~3 s in all at
   * 5). Deliberately short: a producing process then moves its publishes to the disk spill, which
   * retries without end (bus.spill.retry); kafkajs's own retries would hold them in memory.
   */
  sendRetries: z.number().int().min(0).default(5),
  /**
   * A connector's publish not acknowledged within this time goes to the disk spill (and the bus
   * counts as down): kafkajs's reconnects to a vanished broker alone can take ~20 s.
   */
  sendTimeoutMs: z.number().int().min(100).default(5_000),
  /** A group join waits for the other members to rejoin, which can take up to their rebalance timeout. */
  joinTimeoutMs: z.number().int().min(1).default(60_000),
  /**
   * How long the broker holds a consumer's fetch on a partition with nothing new. It is also what a
   * subscribe waits for its first fetch on an idle topic, and what a subscription's close waits for the
   * fetch in flight; a lower value makes both quicker (the tests use 100) at the cost of more fetch
   * requests while idle (one per consumer and broker per wait).
   */
  fetchMaxWaitMs: z.number().int().min(10).max(60_000).default(1000),
});
