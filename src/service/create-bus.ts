import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Bus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory-bus.js';

/** kafkajs is loaded only when Kafka is configured, so embedded runs and replays start faster. */
export async function createBus(config: Config['bus'], log: Logger): Promise<Bus> {
  if (config.kind === 'embedded') return new MemoryBus();
  const { KafkaBus } = await import('../bus/kafka-bus.js');
  return new KafkaBus({ ...config.kafka, logger: log });
}
