import type { DuckDBConnection, DuckDBPendingResult, DuckDBPendingResultState, DuckDBResultReader } from '@duckdb/node-api';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';

/** What the writer's statements ask of a connection (dataset.ts, key-index.ts); a DuckDBConnection is one. */
export interface SqlConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<DuckDBResultReader>;
}

/** How long a statement's tasks run before the thread's other work (appends) gets a turn. */
const SLICE_MS = 10;

/**
 * `conn` with each statement executed on the calling thread, task by task (DuckDB's pending results),
 * instead of on libuv's thread pool and DuckDB's own threads: the store's thread runs at a lower CPU
 * priority than the pipeline (`store.writerNice`, set by store-worker.ts), and so does everything DuckDB
 * does for it. The instance is opened with one thread (store-writer.ts), so every task of a statement is
 * run here. Between tasks, once SLICE_MS have passed (a task itself runs to its end: up to a few hundred
 * ms measured in a commit of 250,000 rows), the thread takes a turn at its event loop: chunks posted meanwhile are
 * appended. (Compaction's statements do not come here: they run on libuv's pool beside the commits, store-writer.ts.)
 *
 * `state` is node-api's DuckDBPendingResultState, passed in because DuckDB is loaded by the writer, not
 * when this module is imported (at CLI start).
 */
export function sqlHere(conn: DuckDBConnection, state: typeof DuckDBPendingResultState): SqlConnection {
  const execute = async (sql: string): Promise<DuckDBPendingResult> => {
    const pending = await conn.start(sql);
    let until = performance.now() + SLICE_MS;
    for (;;) {
      const s = pending.runTask();
      if (s === state.RESULT_READY) return pending;
      // Another thread holds the statement's remaining tasks (none does with one DuckDB thread): wait for it.
      if (s === state.NO_TASKS_AVAILABLE) await sleep(1);
      else if (performance.now() < until) continue;
      else await turn();
      until = performance.now() + SLICE_MS;
    }
  };
  return {
    run: async (sql) => (await execute(sql)).getResult(),
    runAndReadAll: async (sql) => (await execute(sql)).readAll(),
  };
}
