/** A message on the bus: Kafka-shaped so the embedded bus and Kafka are interchangeable. */
export interface BusMessage {
  key: string;
  /**
   * A JSON value. Kafka carries it as JSON text (a value that is not JSON arrives as its text);
   * the embedded bus hands the object itself to subscribers, so nothing is serialised in process
   * and consumers must treat it as read-only. Consumers validate it either way.
   */
  value: unknown;
  headers?: Record<string, string>;
}

export interface ConsumedBatch {
  topic: string;
  messages: BusMessage[];
}

export interface SubscribeOptions {
  topics: string[];
  groupId: string;
  /** Start from the oldest retained message when the group has no committed offset. */
  fromBeginning?: boolean;
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
}

export const SCHEMA_HEADER = 'schema-version';
