import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { QuestDbConfig } from '../../src/sinks/questdb/config.js';
import { pgClient } from '../../src/sinks/questdb/questdb-sink.js';
import { TABLE_NAMES } from '../../src/sinks/store/tables.js';
import { until } from './until.js';

/** The project's QuestDB server (test/setup/global-questdb.ts), with short timeouts so outage tests are quick. */
export const questdbConfig = (over: Partial<QuestDbConfig> = {}): QuestDbConfig => {
  const { http, pg } = inject('questdb');
  return QuestDbConfig.parse({ http, pg, requestTimeoutMs: 1_000, queryTimeoutMs: 5_000, ...over });
};

/** The env naming the server to the CLI (`store.kind: questdb`). */
export const questdbEnv = (): NodeJS.ProcessEnv => {
  const { http, pg } = inject('questdb');
  return { LIQSTREAM_STORE__KIND: 'questdb', LIQSTREAM_STORE__QUESTDB__HTTP: http, LIQSTREAM_STORE__QUESTDB__PG: pg };
};

/** One statement over the PostgreSQL wire; LONG columns come back as text (as `pg` reads int8). */
export async function sql(text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = await pgClient(questdbConfig());
  try {
    return (await client.query(text, params)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** Every WAL table has applied what QuestDB acknowledged (reads are asynchronous to writes in QuestDB). */
export async function applied(timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 50))) {
    const [r] = await sql('SELECT count() AS n FROM wal_tables() WHERE writerTxn < sequencerTxn OR suspended');
    if (Number(r!.n) === 0) return;
    if (Date.now() > deadline) throw new Error('QuestDB did not apply its WAL in time');
  }
}

/** Empties the store's tables that exist (tests that need a known state; the project's files run one at a time). */
export async function truncateAll(): Promise<void> {
  const existing = new Set((await sql('SELECT table_name FROM tables()')).map((r) => String(r.table_name)));
  for (const t of TABLE_NAMES) if (existing.has(t)) await sql(`TRUNCATE TABLE ${t}`);
  await applied();
}

/** The server's process id (to freeze it with SIGSTOP). */
export const questdbPid = (): number =>
  Number(execFileSync('bash', ['scripts/questdb/questdb.sh', 'pid'], { env: { ...process.env, ...inject('questdb').env } }).toString().trim());

/** Whether every thread of `pid` is stopped (`T` in /proc; a thread gone meanwhile counts as stopped). */
const allThreadsStopped = (pid: number): boolean =>
  readdirSync(`/proc/${pid}/task`).every((t) => {
    try {
      return readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').replace(/^.*\) /s, '')[0] === 'T';
    } catch {
      return true;
    }
  });

/**
 * Freezes the server (SIGSTOP) and resolves once every thread of it is stopped: kill() returns before
 * each of the JVM's threads has (right after it, some were still running in about a third of 200 tries on
 * a loaded host, for up to 33 ms), and a request sent meanwhile can still be answered. SIGCONT thaws it.
 */
export async function freezeQuestDb(): Promise<void> {
  const pid = questdbPid();
  process.kill(pid, 'SIGSTOP');
  await until(() => allThreadsStopped(pid), 'every QuestDB thread stopped', 10_000);
}
