/** A message on the bus: Kafka-shaped so the embedded bus and Kafka are interchangeable. */
export interface BusMessage {
  key: string;
  /**
   * A JSON value. Kafka carries it as JSON text (a value that is not JSON arrives as its text);
   * the embedded bus hands the object itself to subscribers, so nothing is serialised in process
   * and consumers must treat it as read-only. Consumers validate it either way, except a batch the ingestor of the
   * same process checked and marked (src/pipeline/checked-batches.ts).
   */
  value: unknown;
  headers?: Record<string, string>;
  /** Kafka only, when consumed: the record's offset (the messages of one packed record share it). */
  offset?: number;
}

export interface ConsumedBatch {
  topic: string;
  /** The Kafka partition; the embedded bus has one partition per topic, 0. */
  partition: number;
  messages: BusMessage[];
  /**
   * True when every message is below the offset the group had committed when this member was assigned
   * the partition: a previous member already applied them, and they are re-read (`rewindMs`) only to
   * rebuild state. Such batches are never committed, so the group's committed offset does not move back.
   */
  replayed?: boolean;
  /** Kafka: the offset after the batch's last record. */
  nextOffset?: number;
}

/** A partition as assigned to this member (Kafka) or the single partition of a topic (embedded bus). */
export interface AssignedPartition {
  topic: string;
  partition: number;
  /** Offset the member reads from (after any rewind). */
  start: number;
  /** Offsets below this were applied by an earlier member (committed offset, or the log end for a new group). */
  live: number;
  /** The log end (next offset to be written) at assignment: reading up to it means caught up. */
  end: number;
  /** How many partitions the topic has (1 on the embedded bus). */
  partitions: number;
}

export interface SubscribeOptions {
  topics: string[];
  groupId: string;
  /** Start from the oldest retained message when the group has no committed offset. */
  fromBeginning?: boolean;
  /**
   * On every assignment, re-read each partition from its first record at or after wall time − rewindMs
   * (Kafka record timestamps), before the committed offset; those batches arrive with `replayed: true`.
   */
  rewindMs?: number;
  /** Called with the partitions of each new assignment, before any of their batches is handled. */
  onAssigned?: (partitions: AssignedPartition[]) => void;
  /** Kafka group session timeout and heartbeat interval (a crashed member is noticed after the session timeout). */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * The transport between stages. `publish` resolves once the messages are durably accepted
 * (Kafka: acknowledged by all in-sync replicas; embedded: handed to every subscriber),
 * which is how back-pressure reaches producers. A handler's batch counts as consumed
 * (offsets committed) only after the handler's promise resolves.
 *
 * Publishes are carried out in call order, so a producer may publish again before the last call
 * resolved. When one fails, the calls queued behind it fail with it and send nothing: nothing
 * published after a lost batch is delivered. A call made once the queue has drained starts afresh.
 */
export interface Bus {
  readonly kind: 'embedded' | 'kafka';
  start(topics: string[]): Promise<void>;
  publish(topic: string, messages: BusMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions, handler: (batch: ConsumedBatch) => Promise<void>): Promise<Subscription>;
  /** Flushes what was published and stops consumers. */
  close(): Promise<void>;
  /**
   * Whether a broker accepts a connection within `timeoutMs` (a bus with brokers): a stop asks it before it gives
   * spilled records one more attempt (SpillingBus.close).
   */
  reachable?(timeoutMs: number): Promise<boolean>;
}

export const SCHEMA_HEADER = 'schema-version';
