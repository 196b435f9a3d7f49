import type { AssignedPartition, Bus, BusMessage, ConsumedBatch, SubscribeOptions, Subscription } from '../../src/bus/bus.js';

/**
 * A bus whose consumer side the test drives: it assigns partitions and hands over batches in the
 * order the test chooses, as kafkajs hands one partition's batch at a time. Publishes are recorded.
 */
export class ScriptedBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly published = new Map<string, BusMessage[]>();
  private handler: ((batch: ConsumedBatch) => Promise<void>) | undefined;
  private options: SubscribeOptions | undefined;
  private readonly offsets = new Map<string, number>();

  async start(): Promise<void> {}

  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    this.published.set(topic, [...(this.published.get(topic) ?? []), ...messages]);
  }

  async subscribe(options: SubscribeOptions, handler: (batch: ConsumedBatch) => Promise<void>): Promise<Subscription> {
    this.options = options;
    this.handler = handler;
    return { close: async () => {} };
  }

  assign(partitions: AssignedPartition[]): void {
    for (const p of partitions) this.offsets.set(`${p.topic}:${p.partition}`, p.start);
    this.options!.onAssigned?.(partitions);
  }

  /** Delivers `values` as one batch of `topic`/`partition`, one record each, at the partition's next offsets. */
  async deliver(topic: string, partition: number, values: unknown[], replayed = false): Promise<void> {
    const key = `${topic}:${partition}`;
    const first = this.offsets.get(key) ?? 0;
    this.offsets.set(key, first + values.length);
    const messages = values.map((value, i) => ({ key: 'k', value, offset: first + i }));
    await this.handler!({ topic, partition, messages, replayed, nextOffset: first + values.length });
  }

  values(topic: string): unknown[] {
    return (this.published.get(topic) ?? []).map((m) => m.value);
  }

  async close(): Promise<void> {}
}
