import { connect, Socket } from 'node:net';
import kafkajs, { type Admin, type Consumer, type ConsumerRunConfig, type EachBatchPayload, type IHeaders, type LogEntry, type Producer } from 'kafkajs';
import type { z } from 'zod';
import { splitHostPort } from '../host-port.js';
import { SCHEMA_VERSION } from '../schema/events.js';
import { KafkaBusConfig } from './kafka-config.js';
import { kafkaSecurity } from './kafka-security.js';
import { bundleRecords, packRecords, unpackRecord, type KafkaRecord } from './record-packing.js';
import { SendCoalescer } from './send-coalescer.js';
import { SCHEMA_HEADER, type AssignedPartition, type Bus, type BusMessage, type ConsumedBatch, type SubscribeOptions, type Subscription } from './bus.js';

// Through the default export: kafkajs is CommonJS and Node's ESM loader detects only some of its
// named exports (not the error classes, which it spreads into module.exports).
const { CompressionTypes, Kafka, KafkaJSError, KafkaJSNonRetriableError, Partitioners, logLevel } = kafkajs;

/** The part of a pino logger the bus uses; kafkajs's own logs are routed here instead of the console. */
export interface BusLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

export { KafkaBusConfig };
export type KafkaBusOptions = z.input<typeof KafkaBusConfig> & { logger?: BusLogger };

const KAFKA_LEVELS = { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG } as const;

function logCreatorFor(logger: BusLogger | undefined) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      if (!logger) return;
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const entry = { kafkajs: namespace, ...fields };
      // kafkajs logs a broker's error response at ERROR even when it retries it (e.g. "not the leader"
      // right after a topic is created); what it finally gives up on reaches the caller as an exception.
      // Likewise a send it will retry ("Failed to send messages" with a retryCount), e.g. while a new
      // topic's leader is being elected.
      // And a consumer's "Crash: …" and "Restarting the consumer in …" (a coordinator still loading on a broker just
      // started): kafkajs restarts the consumer when the error is retriable, and when it does not, subscribe's own
      // restart logs an error of its own (restartAfterFatalCrash), as it does for a consumer that crashes again with
      // no fetch between: neither line is an error in itself.
      const text = typeof message === 'string' ? message : '';
      const retried =
        (namespace === 'Connection' && text.startsWith('Response ')) ||
        typeof fields.retryCount === 'number' ||
        (namespace === 'Consumer' && (text.startsWith('Crash: ') || text.startsWith('Restarting the consumer')));
      if (level === logLevel.ERROR && !retried) logger.error(entry, message);
      else if (level === logLevel.ERROR) logger.warn(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else if (level === logLevel.INFO) logger.info(entry, message);
      else logger.debug?.(entry, message);
    };
}

const versioned = new WeakMap<object, Record<string, string>>();
const NO_HEADERS: Record<string, string> = Object.freeze({});
/**
 * The message's headers with the schema version added when missing. Memoised for frozen header
 * objects (messageHeaders shares one per type); the result is frozen too, so packing can cache it.
 */
function withSchemaVersion(m: BusMessage): Record<string, string> {
  const h = m.headers ?? NO_HEADERS;
  if (h[SCHEMA_HEADER] !== undefined) return h;
  let v = Object.isFrozen(h) ? versioned.get(h) : undefined;
  if (!v) {
    v = Object.freeze({ ...h, [SCHEMA_HEADER]: String(SCHEMA_VERSION) });
    if (Object.isFrozen(h)) versioned.set(h, v);
  }
  return v;
}

function headerValue(v: IHeaders[string]): string | undefined {
  if (v === undefined) return undefined;
  // A repeated header arrives as an array; the last one wins, as with Java's Headers.lastHeader.
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  // A header written with no value (length -1: Java's RecordHeader(key, null), kcat) arrives as null, whatever
  // kafkajs's types say; read as absent, not thrown on (a throw here failed the batch on every redelivery).
  return last === undefined || last === null ? undefined : last.toString();
}

export function toBusMessages(m: Pick<EachBatchPayload['batch']['messages'][number], 'key' | 'value' | 'headers' | 'offset'>): BusMessage[] {
  const headers: Record<string, string> = {};
  const raw = m.headers;
  // for-in over kafkajs's plain header object: Object.entries built an array per header per record.
  if (raw)
    for (const k in raw) {
      if (!Object.hasOwn(raw, k)) continue;
      const s = headerValue(raw[k]);
      if (s !== undefined) headers[k] = s;
    }
  const key = m.key?.toString() ?? '';
  const text = m.value?.toString() ?? '';
  try {
    return unpackRecord(key, text, headers, Number(m.offset));
  } catch {
    // Not expected (a malformed record is handed over whole); a throw here would fail the batch for ever.
    return [{ key, value: text, headers, offset: Number(m.offset) }];
  }
}

/** A bundle's partition was chosen for another partition count than the topic has now (see createPartitioner in start). */
class StalePartitionCount extends KafkaJSNonRetriableError {
  constructor(topic: string, placedFor: number, now: number) {
    super(`records of ${topic} were bundled for ${placedFor} partitions; it has ${now}`);
  }
}

/** Whether `err`, or what kafkajs wrapped it in, is a StalePartitionCount. */
function isStalePartitionCount(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  if (err instanceof StalePartitionCount) return true;
  const e = err as { cause?: unknown; originalError?: unknown; errors?: unknown };
  if (Array.isArray(e.errors) && e.errors.some((x) => isStalePartitionCount(x, depth + 1))) return true;
  return isStalePartitionCount(e.cause ?? e.originalError, depth + 1);
}

/** Broker answers that mean a topic is being created (by this process or a concurrent one), not that it is wrong. */
const STARTUP_RACES = new Set(['TOPIC_ALREADY_EXISTS', 'UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_CONTROLLER']);

/**
 * `offsets`, with the failure kafkajs's admin gives while a new topic's leaders are being elected (its
 * ListOffsets answer 'not the leader' ends in a TypeError inside fetchTopicOffsets, seen when two
 * aggregators start together on a fresh cluster) marked as the start-up race it is.
 */
async function leaderRace<T>(topic: string, offsets: Promise<T>): Promise<T> {
  try {
    return await offsets;
  } catch (err) {
    if (err instanceof TypeError) throw Object.assign(new Error(`offsets of ${topic} not readable yet (${err.message})`), { type: 'NOT_LEADER_FOR_PARTITION' });
    throw err;
  }
}

/** Crashes further apart than this are counted apart (restartAfterFatalCrash): kafkajs restarts within seconds. */
const CRASH_LOOP_WINDOW_MS = 5 * 60_000;

/** Whether `err` (or what it wraps: kafkajs's retry wrapper, an aggregate of per-topic errors) is such a race. */
function isStartupRace(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const e = err as { type?: unknown; errors?: unknown; cause?: unknown; originalError?: unknown };
  if (typeof e.type === 'string' && STARTUP_RACES.has(e.type)) return true;
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every((x) => isStartupRace(x, depth + 1));
  return isStartupRace(e.cause ?? e.originalError, depth + 1);
}

/**
 * Bytes of keys, values, headers and record framing per produce request. The broker's message.max.bytes (1,048,588 by
 * default) bounds a partition's whole batch in one request, and a refused batch would be retried
 * for ever from the spill; so one send may take several requests.
 */
const MAX_REQUEST_BYTES = 1_000_000;
/** Characters of JSON in one record, a pack (packRecords) or a bundle (bundleRecords): at most 3 UTF-8 bytes each, within message.max.bytes. */
const MAX_RECORD_CHARS = 250_000;

/**
 * What a record costs in a batch beyond its key, value and header strings: the record's own varints
 * (length, attributes, timestamp and offset deltas, key and value lengths, header count) and each
 * header's two lengths. Kafka's v2 record format needs at most 21 bytes for the first and 10 per header;
 * this rounds up. Without it, a send merging many small publishes (SendCoalescer: a backlog after an
 * outage) could fill a request with 1 MB of keys and values plus thousands of records' framing, over
 * message.max.bytes, refused for ever.
 */
const RECORD_OVERHEAD = 32;
const HEADER_OVERHEAD = 12;

/** A record's header names and values, and their framing: UTF-16 units times 3, or exact UTF-8 bytes. */
function headerBytes(headers: Record<string, string> | undefined, exact: boolean): number {
  let bytes = 0;
  if (headers)
    for (const k in headers) {
      const v = headers[k]!;
      bytes += HEADER_OVERHEAD + (exact ? Buffer.byteLength(k) + Buffer.byteLength(v) : (k.length + v.length) * 3);
    }
  return bytes;
}

/**
 * The records of each topic, in order, cut into requests of at most `maxBytes` (a record larger than that
 * travels alone). A request carries several topics when they fit: one round trip instead of one per topic.
 */
export function splitBySize<T extends { key: string; value: string; headers?: Record<string, string> }>(byTopic: Map<string, T[]>, maxBytes: number): { topic: string; messages: T[] }[][] {
  const out: { topic: string; messages: T[] }[][] = [];
  let request: { topic: string; messages: T[] }[] = [];
  let current: T[] | undefined;
  let bytes = 0;
  for (const [topic, records] of byTopic) {
    current = undefined;
    for (const r of records) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: count exactly only when the estimate is too large.
      let size = RECORD_OVERHEAD + (r.key.length + r.value.length) * 3 + headerBytes(r.headers, false);
      if (bytes + size > maxBytes) size = RECORD_OVERHEAD + Buffer.byteLength(r.key) + Buffer.byteLength(r.value) + headerBytes(r.headers, true);
      if (bytes > 0 && bytes + size > maxBytes) {
        out.push(request);
        request = [];
        current = undefined;
        bytes = 0;
      }
      if (!current) request.push({ topic, messages: (current = []) });
      current.push(r);
      bytes += size;
    }
  }
  if (request.length > 0) out.push(request);
  return out;
}

/**
 * Bus over Apache Kafka (kafkajs).
 *
 * Producing: idempotent producer, acks from all in-sync replicas, one request in flight (kafkajs
 * needs that for idempotence): kafkajs's retries of a send neither duplicate nor reorder. They are
 * few (`sendRetries`): a publish fails within seconds when the cluster is unavailable, and the
 * producing process's SpillingBus keeps it on disk and retries without end.
 *
 * Consuming: at-least-once. Offsets are committed by hand, only after the handler resolved for
 * the batch, so a crash or a handler error replays the batch and never skips it; handlers must
 * therefore tolerate duplicates. A handler that keeps failing blocks its partition (retried with
 * back-off, then the consumer restarts), so permanently bad records must be dead-lettered by
 * the handler rather than thrown.
 */
export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly config: z.output<typeof KafkaBusConfig>;
  private readonly logger: BusLogger | undefined;
  private readonly kafka: kafkajs.Kafka;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  /** Each running consumer, with how to stop it for good (see `leave` in subscribe). */
  private readonly consumers = new Map<Consumer, () => Promise<void>>();
  /** One send at a time (see publish), carrying every publish queued meanwhile. */
  private readonly sends = new SendCoalescer<KafkaRecord>((byTopic) => this.send(byTopic));
  /** Each topic's partition count as the producer's partitioner last saw it (createPartitioner in start). */
  private readonly partitionCounts = new Map<string, number>();
  /** kafkajs's partitioner, asked where a key goes at a known count when bundling (see bundled). */
  private readonly keyPartitioner = Partitioners.DefaultPartitioner();
  private closed = false;

  constructor(options: KafkaBusOptions) {
    const { logger, ...rest } = options;
    this.config = KafkaBusConfig.parse(rest);
    this.logger = logger;
    this.kafka = new Kafka({
      clientId: this.config.clientId,
      brokers: this.config.brokers,
      logLevel: KAFKA_LEVELS[this.config.kafkaLogLevel],
      logCreator: logCreatorFor(logger),
      // TLS (and a socket factory that explains TLS failures) and SASL; their files are read here, so a
      // missing one fails the constructor, naming it.
      ...kafkaSecurity(this.config, (message) => logger?.warn({}, message)),
    });
  }

  async start(topics: string[]): Promise<void> {
    if (this.closed) throw new Error('Kafka bus is closed');
    try {
      this.admin ??= this.kafka.admin();
      await this.admin.connect();
      this.throwIfClosedWhileStarting();
      await this.ensureTopics(this.admin, [...new Set(topics)]);
      this.throwIfClosedWhileStarting();
      if (!this.producer) {
        this.producer = this.kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          retry: { retries: this.config.sendRetries, initialRetryTime: 100, maxRetryTime: 2_000 },
          // Explicit, so kafkajs does not warn about its v2 default change; murmur2 as in the Java
          // client, so a key lands on the same partition whichever client produced it. It is asked for each record
          // with the topic's partitions as kafkajs knows them: their count is kept for bundling (see send).
          createPartitioner: () => {
            const choose = Partitioners.DefaultPartitioner();
            return (args) => {
              const placedFor = (args.message as KafkaRecord).partitions;
              // A bundle placed for a partition count the topic no longer has (partitions added, the topic recreated):
              // kafkajs would send it where its keys no longer go, or drop it without an error for a partition the
              // topic lacks. Refused for good, and send() sends the records again by key.
              if (placedFor !== undefined && placedFor !== args.partitionMetadata.length) throw new StalePartitionCount(args.topic, placedFor, args.partitionMetadata.length);
              this.partitionCounts.set(args.topic, args.partitionMetadata.length);
              return choose(args);
            };
          },
        });
      }
      await this.producer.connect();
      this.throwIfClosedWhileStarting();
    } catch (err) {
      await this.disconnectQuietly();
      throw new Error(`Kafka bus could not start against brokers ${this.config.brokers.join(',')}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /**
   * Creates the missing topics and waits until every topic has a leader for each partition. Another
   * process may be creating the same topics at the same moment (two pods of a fresh deployment): its
   * topics can show in the topic list before their metadata reaches this broker ("This server does not
   * host this topic-partition"), and the creation requests race ("Topic creation errors",
   * TOPIC_ALREADY_EXISTS). Those are start-up races, retried with back-off; a topic that already exists
   * is success.
   */
  private async ensureTopics(admin: Admin, topics: string[]): Promise<void> {
    await this.retryingRaces('creating topics', async () => {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length === 0) return;
      // kafkajs resolves (false) when every missing topic was created meanwhile by someone else.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: this.config.partitions, replicationFactor: this.config.replicationFactor })),
      });
    });
    for (const t of await this.topicsReady(admin, topics)) {
      if (t.partitions.length < this.config.partitions)
        this.logger?.warn(
          { topic: t.name, partitions: t.partitions.length, configured: this.config.partitions },
          'existing topic has fewer partitions than configured; it is used as is',
        );
    }
  }

  /** Each topic's metadata once every partition has a leader (retried while it has not, see ensureTopics). */
  private topicsReady(admin: Admin, topics: string[]) {
    return this.retryingRaces('waiting for topic metadata', async () => {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      const waiting = meta.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
      if (waiting.length > 0 || meta.length < topics.length)
        throw Object.assign(new Error(`topics without a leader yet: ${waiting.join(', ')}`), { type: 'LEADER_NOT_AVAILABLE' });
      return meta;
    });
  }

  /** Runs `step` until it succeeds, retrying start-up races (isStartupRace) with back-off for up to joinTimeoutMs. */
  private async retryingRaces<T>(what: string, step: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.config.joinTimeoutMs;
    for (let delay = 100; ; delay = Math.min(2_000, delay * 2)) {
      try {
        return await step();
      } catch (err) {
        if (!isStartupRace(err) || Date.now() + delay > deadline) throw err;
        this.logger?.warn({ error: (err as Error).message, retryInMs: delay }, `${what}: the cluster is not there yet (another process creating the topics?); retrying`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  // Async, yet everything up to the queueing runs at the call, so publishes keep call order.
  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('Kafka bus is closed');
    if (!this.producer) throw new Error('Kafka bus is not started');
    if (messages.length === 0) return;
    // Encoded now rather than when its turn comes: what waits for the broker is then a few strings
    // instead of thousands of event objects for the garbage collector to copy and promote.
    const records = packRecords(messages, { maxMessages: this.config.packMessages, maxChars: MAX_RECORD_CHARS }, withSchemaVersion);
    await this.sends.add(topic, records);
  }

  // One request at a time: kafkajs's idempotent producer keeps one request in flight, and its sequence
  // numbers assume sends to a partition do not overlap. A request may carry several publishes and topics
  // (SendCoalescer); within a topic, kafkajs keeps the records' order per partition.
  private async send(byTopic: Map<string, KafkaRecord[]>): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new Error('Kafka bus is not started');
    const compression = this.config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    const sendAll = async (records: Map<string, KafkaRecord[]>) => {
      for (const topicMessages of splitBySize(records, MAX_REQUEST_BYTES)) await producer.sendBatch({ acks: -1, compression, topicMessages });
    };
    try {
      await sendAll(this.bundled(byTopic));
    } catch (err) {
      // The partitioner learns the counts again from the next send, which goes by key.
      this.partitionCounts.clear();
      if (!isStalePartitionCount(err)) throw err;
      // The same records again by key (a request before the refused one may have gone out: consumers tolerate
      // the duplicates, as after any retry).
      this.logger?.warn({ error: (err as Error).message }, 'a topic\'s partitions changed since its last send; sending by key');
      await sendAll(byTopic);
    }
  }

  /**
   * Each topic's records bundled by partition (bundleRecords), where the producer has sent to the topic before and
   * so its partition count is known: the partition is the one kafkajs's partitioner gives the key at that count
   * (murmur2, as unbundled). A topic's first send, and every send with `packMessages: 1` (one message per record,
   * for other consumers of the topics), go by key.
   */
  private bundled(byTopic: Map<string, KafkaRecord[]>): Map<string, KafkaRecord[]> {
    if (this.config.packMessages === 1) return byTopic;
    const out = new Map<string, KafkaRecord[]>();
    for (const [topic, records] of byTopic) {
      const count = this.partitionCounts.get(topic);
      if (count === undefined || records.length < 2) {
        out.set(topic, records);
        continue;
      }
      const partitionMetadata = Array.from({ length: count }, (_, partition) => ({ partitionId: partition, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
      const bundled = bundleRecords(records, (key) => this.keyPartitioner({ topic, partitionMetadata, message: { key, value: null } }), MAX_RECORD_CHARS);
      for (const r of bundled) r.partitions = count;
      out.set(topic, bundled);
    }
    return out;
  }

  async subscribe(options: SubscribeOptions, handler: (batch: ConsumedBatch) => Promise<void>): Promise<Subscription> {
    if (this.closed) throw new Error('Kafka bus is closed');
    const fromBeginning = options.fromBeginning ?? false;
    let closing = false;
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      // kafkajs restarts a crashed consumer after a back-off, and decides to after its own disconnect:
      // a close() that ran during that disconnect would otherwise leave a member that rejoins the group
      // on its own, holding partitions for a subscription that no longer exists (see `leave`).
      retry: { retries: 5, restartOnFailure: async () => !closing },
      // Bounds how long subscribe() waits for the first fetch on idle topics (see `ready` below).
      maxWaitTimeInMs: this.config.fetchMaxWaitMs,
      ...(options.sessionTimeoutMs !== undefined && { sessionTimeout: options.sessionTimeoutMs }),
      ...(options.heartbeatIntervalMs !== undefined && { heartbeatInterval: options.heartbeatIntervalMs }),
    });
    // Stops the consumer for good: a restart kafkajs had already scheduled when this began joins once
    // more, and leaves again.
    let restarts: { stop(): Promise<void> } | undefined;
    const leave = async () => {
      closing = true;
      // A restart of the bus's own (restartAfterFatalCrash) in flight finishes first: a disconnect while its
      // consumer.run() is joining drops kafkajs's reference to the runner, which then joins, consumes and
      // heartbeats on for good, handling batches after close (test/bus/consumer-restart.kafka.test.ts).
      await restarts?.stop();
      consumer.on(consumer.events.GROUP_JOIN, () => void consumer.disconnect().catch(() => {}));
      await consumer.disconnect();
    };
    this.consumers.set(consumer, leave);
    const log = this.logger;

    // Per assignment: where each partition is re-read from and where the already-applied part ends.
    // Batches wait for it, so none is handled before its partition was rewound (a batch fetched
    // before the seek is stale and skipped, see isStale below).
    let assignment: Promise<Map<string, AssignedPartition>> = Promise.resolve(new Map());
    // Per partition, the offset after the last batch this subscription's handler applied, or the
    // boundary it took at assignment if higher. It outlives rejoins: when this member's session expired
    // (a frozen broker, a stalled handler), the commits of what it applied were refused, and the
    // group's committed offset alone would make those records count again (see prepareAssignment).
    const appliedThrough = new Map<string, number>();
    let joins = 0;
    const onJoin = consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const join = ++joins;
      assignment = this.prepareAssignment(consumer, options, e.payload.memberAssignment, appliedThrough, () => join === joins);
      // A retriable failure (a new topic's leader not elected yet) is retried with the batch: a warning.
      assignment.catch((err: unknown) =>
        (err as { retriable?: boolean }).retriable ? log?.warn({ err, groupId: options.groupId }, 'could not prepare the partition assignment yet; retrying') : log?.error({ err, groupId: options.groupId }, 'could not prepare the partition assignment'),
      );
    });

    /**
     * The prepared partitions of the newest join, once its preparation is done (or its failure): a join that comes
     * while one is prepared replaces it, and the newer one is waited for instead.
     */
    const newestAssignment = async (): Promise<Map<string, AssignedPartition>> => {
      for (let current = assignment; ; current = assignment) {
        const prepared = await current.catch((err: unknown) => {
          if (current === assignment) throw err;
        });
        if (current === assignment && prepared) return prepared;
      }
    };

    // Resolves once this member has joined and, when starting at the log end, has fixed its start
    // offsets. kafkajs looks up "latest" lazily, in the first fetch after the join; a message
    // published between the join and that lookup would be skipped. The FETCH event comes after it.
    const listeners: (() => void)[] = [];
    let timer: NodeJS.Timeout | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      let joined = false;
      listeners.push(
        consumer.on(consumer.events.GROUP_JOIN, () => {
          joined = true;
          if (fromBeginning) resolve();
        }),
        consumer.on(consumer.events.FETCH, () => {
          if (joined) resolve();
        }),
        consumer.on(consumer.events.CRASH, (e) => {
          if (!e.payload.restart) reject(new Error(`Kafka consumer for group ${options.groupId} crashed: ${e.payload.error.message}`));
        }),
      );
      timer = setTimeout(
        () => reject(new Error(`Kafka consumer for group ${options.groupId} was not consuming within ${this.config.joinTimeoutMs} ms`)),
        this.config.joinTimeoutMs,
      );
    });
    ready.catch(() => {}); // observed below; avoids an unhandled rejection if connect() fails first
    const runConfig: ConsumerRunConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets }) => {
        // Unresolved, so the next fetch (after a seek or restart) delivers these messages again.
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const lastOffset = Number(batch.messages[batch.messages.length - 1]!.offset);
        let assigned: AssignedPartition | undefined;
        try {
          // The newest assignment's boundaries (as subscribe() waits for them): a preparation that a newer join
          // superseded while this batch waited for it fixes none (see prepareAssignment), nor does its failure count.
          assigned = (await newestAssignment()).get(`${batch.topic}:${batch.partition}`);
          if (!isRunning() || isStale()) return;
        } catch (err) {
          // Retriable (see below): the consumer restarts, rejoins and prepares the assignment again.
          throw new KafkaJSError(err instanceof Error ? err : String(err), { retriable: true });
        }
        const key = `${batch.topic}:${batch.partition}`;
        // Below what this subscription applied the partition through, a batch is a re-read, whatever moved the fetch
        // position back (a superseded preparation's seek did, see prepareAssignment): handed over as live, its records
        // counted as new a second time, and its commit moved the group's offset back. After the assignment's
        // preparation appliedThrough is at least its live boundary, and it only grows.
        const live = Math.max(assigned?.live ?? -1, appliedThrough.get(key) ?? -1);
        try {
          const messages = batch.messages.flatMap(toBusMessages);
          const cut = messages.findIndex((m) => m.offset! >= live);
          const base = { topic: batch.topic, partition: batch.partition, nextOffset: lastOffset + 1 };
          // Split at the live boundary: the part below it only rebuilds state.
          if (cut !== 0) await handler({ ...base, messages: cut < 0 ? messages : messages.slice(0, cut), replayed: true });
          if (cut >= 0) await handler({ ...base, messages: cut === 0 ? messages : messages.slice(cut) });
        } catch (err) {
          log?.error(
            { err, topic: batch.topic, partition: batch.partition, firstOffset: batch.firstOffset(), groupId: options.groupId },
            'bus handler failed; the batch will be redelivered',
          );
          // Retriable on purpose: kafkajs treats TypeError and the like as fatal and would stop
          // the consumer for good; as a retriable error the batch is refetched, and after the
          // retries the consumer restarts, so a transient fault heals without a process restart.
          throw new KafkaJSError(err instanceof Error ? err : String(err), { retriable: true });
        }
        if (lastOffset + 1 > (appliedThrough.get(key) ?? -1)) appliedThrough.set(key, lastOffset + 1);
        resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
        // With an explicit offset map this commits now (autoCommit is off, so without one it would
        // never commit); only resolved, i.e. processed, offsets are in the map. A re-read below the
        // live boundary (above) is not committed, and only this partition is: another partition may be
        // mid-rewind, and committing its lower position would make applied events count as new.
        if (lastOffset + 1 > live)
          await commitOffsetsIfNecessary(
            assigned
              ? { topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(lastOffset + 1) }] }] }
              : uncommittedOffsets(),
          );
        await heartbeat();
      },
    };

    // Before the first run: a crash kafkajs gives up on after `ready` resolved (while the assignment below is
    // prepared) would otherwise leave subscribe() resolving with a consumer that never runs again. One before
    // `ready` rejects it as well, and subscribe() fails and stops the restart (leave).
    restarts = this.restartAfterFatalCrash(consumer, options.groupId, runConfig, () => closing);
    try {
      // The topics may have just been created by another process (see ensureTopics).
      if (this.admin) await this.topicsReady(this.admin, options.topics);
      await consumer.connect();
      await this.retryingRaces('subscribing', () => consumer.subscribe({ topics: options.topics, fromBeginning }));
      await consumer.run(runConfig);
      await ready;
      // A join right after the first fetch (new topics: several joins within a second) looks up the log end
      // again for each partition without a committed offset, and skipped what was published after subscribe()
      // resolved. The boundaries the join's preparation commits pin where the group is, so subscribe() resolves
      // once the current join's preparation is done (a failed one is retried by the consumer and logged).
      await newestAssignment().catch(() => {});
    } catch (err) {
      this.consumers.delete(consumer);
      await leave().catch(() => {});
      throw new Error(`Kafka bus could not subscribe group ${options.groupId} to ${options.topics.join(',')} on brokers ${this.config.brokers.join(',')}: ${(err as Error).message}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
      for (const off of listeners) off();
    }

    return {
      close: async () => {
        onJoin();
        if (!this.consumers.delete(consumer)) return;
        await leave();
      },
    };
  }

  /**
   * kafkajs gives a consumer up for good on an error it does not retry, and the process goes on consuming nothing:
   * a broker that stopped while the group was rebalancing ("Failed to find group coordinator") left an aggregator up,
   * serving stale figures, that never read another event (test/bus/consumer-restart.kafka.test.ts). Such a consumer
   * is run again here, with back-off (0.5 s doubling to 30 s, reset once it fetches again: a join alone is no
   * progress when the error recurs after every join, and each restart rebalances the whole group), until it runs or
   * the subscription is closed; each attempt is logged. Its assignment is prepared as after any rejoin
   * (appliedThrough is kept), so nothing it applied before counts twice. `stop` removes the listeners, clears a
   * pending attempt and waits for one in flight (see `leave` in subscribe).
   */
  private restartAfterFatalCrash(consumer: Consumer, groupId: string, runConfig: ConsumerRunConfig, closing: () => boolean): { stop(): Promise<void> } {
    let delay = 0;
    let timer: NodeJS.Timeout | undefined;
    let inFlight: Promise<void> = Promise.resolve();
    const again = async (): Promise<void> => {
      timer = undefined;
      if (closing()) return;
      try {
        await consumer.connect();
        if (closing()) return; // leave() waits for this attempt and then disconnects
        // A failed start emits CRASH again (restart false when kafkajs will not retry it), which schedules the next attempt.
        await consumer.run(runConfig);
      } catch (err) {
        schedule(err);
      }
    };
    const schedule = (err: unknown): void => {
      if (closing() || timer !== undefined) return;
      delay = Math.min(Math.max(delay * 2, 500), 30_000);
      this.logger?.error({ err, groupId, retryInMs: delay }, 'Kafka consumer stopped on an error kafkajs does not retry; starting it again');
      timer = setTimeout(() => void (inFlight = again()), delay);
      timer.unref();
    };
    // kafkajs's own "Crash: …" lines are warnings (logCreatorFor): one crash it restarts from (a coordinator still
    // loading on a broker just started) is no fault. Crashes again and again with no batch handled between are: a
    // consumer that kafkajs restarts for ever and that consumes nothing (every join refused, or every batch failing
    // after its fetch), logged here at error from the second on. A crash long after the last one starts a new count,
    // so two unrelated crashes of a consumer on a quiet topic are not taken for a loop.
    let crashesWithoutBatch = 0;
    let lastCrashAt = -Infinity;
    const offs = [
      consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) return schedule(e.payload.error);
        const now = Date.now();
        if (now - lastCrashAt > CRASH_LOOP_WINDOW_MS) crashesWithoutBatch = 0;
        lastCrashAt = now;
        if (++crashesWithoutBatch >= 2 && !closing())
          this.logger?.error({ err: e.payload.error, groupId, crashes: crashesWithoutBatch }, 'Kafka consumer crashed again with no batch handled since; kafkajs restarts it');
      }),
      consumer.on(consumer.events.FETCH, () => {
        delay = 0;
      }),
      consumer.on(consumer.events.END_BATCH_PROCESS, () => {
        crashesWithoutBatch = 0;
      }),
    ];
    return {
      stop: async () => {
        for (const off of offs) off();
        clearTimeout(timer);
        timer = undefined;
        await inFlight;
      },
    };
  }

  /**
   * For a new assignment: each partition's live boundary, its log end, and, with `rewindMs`, a seek back
   * to the first record at or after wall time − rewindMs. Reported to `onAssigned` before any batch of
   * the assignment is handled.
   *
   * The live boundary separates what was already applied (and counted) from what is new. It is the
   * highest of: the group's committed offset; what this subscription applied or took as its boundary
   * before (`appliedThrough`, kept across rejoins, because commits made after this member's session
   * expired were refused); and, for a partition with neither, where a group without offsets starts
   * (the log end, or the log start with `fromBeginning`). The boundary is then committed at once for
   * every partition whose committed offset is below it, so it survives this process: a partition that
   * receives nothing (the sparse gaps topic) would otherwise have no committed offset, and the next
   * start would take the log end as its boundary and treat everything written meanwhile as applied.
   * A preparation that a newer join superseded while it read the offsets changes nothing (no boundary, seek,
   * commit or report): the newer one does all of that, and its batches may already have been handled.
   */
  private async prepareAssignment(
    consumer: Consumer,
    options: SubscribeOptions,
    memberAssignment: Record<string, number[]>,
    appliedThrough: Map<string, number>,
    current: () => boolean,
  ): Promise<Map<string, AssignedPartition>> {
    const out = new Map<string, AssignedPartition>();
    const admin = this.admin;
    if (!admin) return out;
    const topics = Object.keys(memberAssignment).filter((t) => memberAssignment[t]!.length > 0);
    const committed = new Map<string, number>();
    for (const t of topics.length ? await admin.fetchOffsets({ groupId: options.groupId, topics }) : [])
      for (const p of t.partitions) committed.set(`${t.topic}:${p.partition}`, Number(p.offset));
    const read: { topic: string; partition: number; low: number; end: number; partitions: number; rewound: number | undefined }[] = [];
    for (const topic of topics) {
      const ends = await this.retryingRaces(`reading the offsets of ${topic}`, () => leaderRace(topic, admin.fetchTopicOffsets(topic)));
      const rewound =
        options.rewindMs === undefined
          ? undefined
          : await this.retryingRaces(`reading the offsets of ${topic}`, () => leaderRace(topic, admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - options.rewindMs!)));
      for (const partition of memberAssignment[topic]!) {
        const e = ends.find((x) => x.partition === partition);
        const r = rewound?.find((x) => x.partition === partition);
        read.push({ topic, partition, low: Number(e?.low ?? 0), end: Number(e?.high ?? 0), partitions: ends.length, rewound: r === undefined ? undefined : Number(r.offset) });
      }
    }
    // Superseded by a newer join while it read the offsets: the newer join's preparation fixes the boundaries and
    // seeks; this one leaves the partitions alone. Its seeks used to land after the newer assignment's first batches
    // had been applied (on new topics a member joined 16 times within 400 ms), and kafkajs delivered those records
    // again under the newer assignment's live boundary: the aggregator took them as new a second time (72
    // liquidations in lifetime-counters on a loaded host). Nothing awaits from here to the seeks, so no join comes
    // in between.
    if (!current()) return out;
    const commits: { topic: string; partition: number; offset: string }[] = [];
    for (const { topic, partition, low, end, partitions, rewound } of read) {
      const key = `${topic}:${partition}`;
      const c = committed.get(key) ?? -1;
      const known = Math.max(c, appliedThrough.get(key) ?? -1);
      const live = known >= 0 ? known : options.fromBeginning ? low : end;
      appliedThrough.set(key, live);
      if (live > c) commits.push({ topic, partition, offset: String(live) });
      // No record at or after the timestamp: the broker answers with the log end (or -1 on old versions).
      const back = rewound === undefined || rewound < 0 ? live : Math.max(low, rewound);
      const start = Math.min(live, back);
      if (options.rewindMs !== undefined) consumer.seek({ topic, partition, offset: String(start) });
      out.set(key, { topic, partition, start, live, end, partitions });
    }
    if (commits.length > 0) await this.commitBoundaries(consumer, options.groupId, commits, current);
    // Superseded by a newer join while it prepared (commitBoundaries then returns without committing): the
    // newer one reports its own. Reported, this one said partitions this member may no longer hold were ready
    // with boundaries not yet durable: an aggregator then answered ok, and a stop right after lost them.
    if (!current()) return out;
    options.onAssigned?.([...out.values()]);
    return out;
  }

  /**
   * Commits the boundaries fixed at assignment, before the assignment's batches are handled (and before
   * `onAssigned`, so `/healthz` says ok only once they are durable). kafkajs emits GROUP_JOIN before its
   * runner counts as running, and until then `commitOffsets` returns without committing (no
   * COMMIT_OFFSETS event follows); a consumer restarting after an error refuses it. So it is repeated
   * until it commits, for at most 10 s, then fails as retriable: the batch waiting for the assignment
   * fails, and the consumer rejoins and prepares the assignment again. It stops when another
   * assignment has begun meanwhile (that one prepares and commits its own).
   */
  private async commitBoundaries(consumer: Consumer, groupId: string, commits: { topic: string; partition: number; offset: string }[], current: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (!current()) return;
      let committed = false;
      let failure: unknown;
      let timer: NodeJS.Timeout | undefined;
      const off = consumer.on(consumer.events.COMMIT_OFFSETS, () => void (committed = true));
      try {
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer')), Math.max(0, deadline - Date.now()))));
        await Promise.race([consumer.commitOffsets(commits), timeout]);
      } catch (err) {
        failure = err;
      } finally {
        clearTimeout(timer);
        off();
      }
      if (committed) return;
      if (Date.now() >= deadline)
        throw new KafkaJSError(`could not commit the assignment's boundaries for group ${groupId}: ${failure instanceof Error ? failure.message : 'the consumer was not running'}`, { retriable: true });
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Whether any broker accepts a TCP connection within `timeoutMs` (no Kafka request, no TLS handshake: the socket is
   * closed once open). A producer's send to brokers that refuse connections is retried by kafkajs for ≈ 20 s, so a
   * stop asks this first instead of starting a send it would have to abandon (SpillingBus.close).
   */
  reachable(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const sockets: Socket[] = [];
      let left = this.config.brokers.length;
      const failed = () => {
        if (--left === 0) resolve(false);
      };
      for (const broker of this.config.brokers) {
        const [host, port] = splitHostPort(broker);
        let socket: Socket;
        try {
          // A timeout of 0 would be none (the OS's connect timeout, minutes, against an address that drops packets).
          socket = connect({ host, port, timeout: Math.max(1, timeoutMs) });
        } catch {
          failed(); // a port node refuses (ERR_SOCKET_BAD_PORT): that broker is not reachable
          continue;
        }
        sockets.push(socket);
        socket.once('connect', () => {
          for (const s of sockets) s.destroy();
          resolve(true);
        });
        socket.once('error', () => (socket.destroy(), failed()));
        socket.once('timeout', () => (socket.destroy(), failed()));
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Consumers first, so no handler publishes into a producer that is going away.
    const consumers = [...this.consumers.values()];
    this.consumers.clear();
    // Every client is disconnected even if one fails, so no socket or timer keeps the process alive.
    const failures: unknown[] = [];
    const attempt = async (step: () => Promise<unknown>) => step().catch((err: unknown) => void failures.push(err));
    await Promise.all(consumers.map((leave) => attempt(leave)));
    // What was published before close() is sent (or has failed to its caller) before the producer goes.
    await this.sends.drained();
    if (this.producer) await attempt(() => this.producer!.disconnect());
    if (this.admin) await attempt(() => this.admin!.disconnect());
    if (failures.length > 0) throw new Error(`Kafka bus did not close cleanly: ${failures.map((e) => (e as Error).message).join('; ')}`);
  }

  /**
   * A stop does not wait for a start against a broker that is away (SpillingBus.close): once closed, the start stops at
   * its next step (no topics made, no producer connected after close), and its catch disconnects what it connected,
   * which would otherwise keep its sockets, and the process, alive.
   */
  private throwIfClosedWhileStarting(): void {
    if (this.closed) throw new Error('Kafka bus closed while starting');
  }

  private async disconnectQuietly(): Promise<void> {
    await this.producer?.disconnect().catch(() => {});
    await this.admin?.disconnect().catch(() => {});
  }
}
