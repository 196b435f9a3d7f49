import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { requireTools } from '../support/tools.js';

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
  // Java runs the broker; Maven fetches its jars once (scripts/kafka/kafka.sh fetch). Missing: fail now, saying how to install.
  const home = process.env.KAFKA_HOME_DIR ?? '.cache/kafka';
  const fetched = existsSync(home) && readdirSync(home).some((v) => existsSync(join(home, v, 'libs', '.complete')));
  requireTools(...(fetched ? (['java'] as const) : (['java', 'mvn'] as const)));
  const port = process.env.KAFKA_PORT ?? '19092';
  const env = { ...process.env, KAFKA_PORT: port };
  execFileSync('bash', ['scripts/kafka/kafka.sh', 'start'], { stdio: 'inherit', env });
  project.provide('kafkaBrokers', `127.0.0.1:${port}`);
  return () => {
    execFileSync('bash', ['scripts/kafka/kafka.sh', 'stop'], { stdio: 'inherit', env });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}
