import { pino, type Logger } from 'pino';

export type { Logger };

/** Logs go to stderr so that stdout stays for command output (reports, summaries). */
export function createLogger(level: string = process.env.LIQSTREAM_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'liqstream' } }, pino.destination(2));
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
