import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { questdbJarFetched } from '../support/test-tools.mjs';
import { requireTools } from '../support/tools.js';
import { lockServer } from './lock-server.js';
import { stopOnSignal } from './stop-on-signal.mjs';

/**
 * Starts one real QuestDB server (scripts/questdb/questdb.sh) for the QuestDB test project, on the ports
 * of QUESTDB_HTTP_PORT / QUESTDB_PG_PORT / QUESTDB_ILP_PORT (defaults 19460-19462, away from a QuestDB
 * a developer runs on 9000/8812/9009). Tests read them with inject('questdb').
 */
export default async function setup(project: TestProject): Promise<() => void> {
  requireTools(...(questdbJarFetched() ? (['java'] as const) : (['java', 'mvn'] as const)));
  const ports = { http: process.env.QUESTDB_HTTP_PORT ?? '19460', pg: process.env.QUESTDB_PG_PORT ?? '19461', ilp: process.env.QUESTDB_ILP_PORT ?? '19462' };
  const env = { ...process.env, QUESTDB_HTTP_PORT: ports.http, QUESTDB_PG_PORT: ports.pg, QUESTDB_ILP_PORT: ports.ilp };
  execFileSync('bash', ['scripts/questdb/questdb.sh', 'start'], { stdio: 'inherit', env });
  project.provide('questdb', { http: `127.0.0.1:${ports.http}`, pg: `127.0.0.1:${ports.pg}`, env: { QUESTDB_HTTP_PORT: ports.http, QUESTDB_PG_PORT: ports.pg, QUESTDB_ILP_PORT: ports.ilp } });
  const lock = await lockServer();
  project.provide('questdbLock', (lock.address() as AddressInfo).port);
  // Also on Ctrl-C or SIGTERM, which end vitest without teardowns: QuestDB outlived it (nohup).
  const stop = stopOnSignal(() => execFileSync('bash', ['scripts/questdb/questdb.sh', 'stop'], { stdio: 'inherit', env }));
  return () => {
    lock.close();
    stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test server's addresses, and the env that names it to scripts/questdb/questdb.sh (pid, stop, resume). */
    questdb: { http: string; pg: string; env: Record<string, string> };
    /** The port of the lock that runs the project's files one at a time (test/setup/questdb-lock.ts). */
    questdbLock: number;
  }
}
