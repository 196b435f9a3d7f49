import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { kafkaJarsFetched } from '../support/test-tools.mjs';
import { requireTools } from '../support/tools.js';
import { stopOnSignal } from './stop-on-signal.mjs';

/**
 * Starts one real single-node KRaft broker (scripts/kafka/kafka.sh) for the Kafka test project,
 * unless KAFKA_BROKERS already names one. Tests read the address with inject('kafkaBrokers').
 */
export default function setup(project: TestProject): () => void {
  const given = process.env.KAFKA_BROKERS;
  if (given) {
    project.provide('kafkaBrokers', given);
    return () => {};
  }
  // One broker per vitest run although two projects (kafka, questdb) list this setup: the second sees the
  // first's mark (global setups run one after another in the main process) and the first stops it at the end.
  if (process.env.TEST_KAFKA_STARTED_BY === String(process.pid)) {
    project.provide('kafkaBrokers', process.env.TEST_KAFKA_BROKERS!);
    return () => {};
  }
  // Java runs the broker; Maven fetches its jars once (scripts/kafka/kafka.sh fetch). Missing: fail now, saying how to install.
  requireTools(...(kafkaJarsFetched() ? (['java'] as const) : (['java', 'mvn'] as const)));
  const port = process.env.KAFKA_PORT ?? '19092';
  const env = { ...process.env, KAFKA_PORT: port };
  execFileSync('bash', ['scripts/kafka/kafka.sh', 'start'], { stdio: 'inherit', env });
  project.provide('kafkaBrokers', `127.0.0.1:${port}`);
  process.env.TEST_KAFKA_STARTED_BY = String(process.pid);
  process.env.TEST_KAFKA_BROKERS = `127.0.0.1:${port}`;
  // Also on Ctrl-C or SIGTERM, which end vitest without teardowns: the broker outlived it (nohup).
  return stopOnSignal(() => execFileSync('bash', ['scripts/kafka/kafka.sh', 'stop'], { stdio: 'inherit', env }));
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}
