import { readdirSync, readFileSync } from 'node:fs';
import { until } from './until.js';

/**
 * Whether every thread of `pid` is stopped (`T` in /proc/<pid>/task/<tid>/stat). kill(SIGSTOP) returns before
 * each thread of a multi-threaded server (a JVM, anvil) has stopped, and one still running can answer a request.
 */
export function allThreadsStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((t) => readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').replace(/^.*\) /s, '')[0] === 'T');
}

/** SIGSTOP, resolving once every thread of the process is stopped. */
export async function freezeProcess(pid: number, timeoutMs = 10_000): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await until(() => allThreadsStopped(pid), `every thread of process ${pid} stopped`, timeoutMs);
}
