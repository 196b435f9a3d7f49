import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './cli.js';

export interface ServiceProcess {
  child: ChildProcess;
  metricsUrl: string;
  logs: () => string;
  /** SIGTERM, then the exit code (graceful shutdown flushes and exits 0). */
  stop: () => Promise<number | null>;
}

/** Starts `liqstream <mode>` and waits for its "liqstream started" log line, which names the metrics URL. */
export function startServiceProcess(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`liqstream ${args[0]} did not start:\n${logs}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      logs += d.toString();
      const m = /"metrics":"(http:\/\/[^"]+)\/metrics".*"msg":"liqstream started"/.exec(logs);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          metricsUrl: m[1]!,
          logs: () => logs,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            // A process that does not finish its graceful shutdown must not outlive the test.
            const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
            const code = await exited;
            clearTimeout(killer);
            return code;
          },
        });
      }
    });
    child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`liqstream ${args[0]} exited with ${code}:\n${logs}`));
    });
  });
}
