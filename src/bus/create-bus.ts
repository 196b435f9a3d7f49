import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Bus } from './bus.js';
import { KafkaBus } from './kafka-bus.js';
import { MemoryBus } from './memory-bus.js';

export function createBus(config: Config['bus'], log: Logger): Bus {
  if (config.kind === 'embedded') return new MemoryBus();
  return new KafkaBus({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    partitions: config.kafka.partitions,
    replicationFactor: config.kafka.replicationFactor,
    logger: log,
  });
}
