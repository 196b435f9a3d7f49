import type { Bus, BusMessage, ConsumedBatch, SubscribeOptions, Subscription } from './bus.js';
import { PublishQueue } from './publish-queue.js';

type Handler = (batch: ConsumedBatch) => Promise<void>;

/**
 * The embedded bus for a single process. Delivery is synchronous with publishing: `publish`
 * resolves after every subscriber has processed the batch, so nothing is buffered and a slow
 * consumer slows its producer (back-pressure without a queue). Messages on a topic with no
 * subscriber are not retained, as with a Kafka topic nobody reads before retention ends.
 */
export class MemoryBus implements Bus {
  readonly kind = 'embedded' as const;
  private readonly handlers = new Map<string, Set<Handler>>();
  private closed = false;
  private readonly queue = new PublishQueue();

  async start(): Promise<void> {}

  async publish(topic: string, messages: BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    const set = this.handlers.get(topic);
    if (!set || messages.length === 0) return;
    await this.queue.add(async () => {
      for (const handler of set) await handler({ topic, partition: 0, messages });
    });
  }

  async subscribe(options: SubscribeOptions, handler: Handler): Promise<Subscription> {
    for (const topic of options.topics) {
      let set = this.handlers.get(topic);
      if (!set) this.handlers.set(topic, (set = new Set()));
      set.add(handler);
    }
    // Nothing is retained, so a subscriber starts at the (empty) end of one partition per topic.
    options.onAssigned?.(options.topics.map((topic) => ({ topic, partition: 0, start: 0, live: 0, end: 0, partitions: 1 })));
    return {
      close: async () => {
        for (const topic of options.topics) this.handlers.get(topic)?.delete(handler);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
  }
}
