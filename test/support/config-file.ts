import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from './recording.js';

/** A config file for a liqstream process under test: only the venues given, metrics on a free port. */
export function writeTestConfig(venues: Record<string, { url: string } & Record<string, unknown>>, extra: Record<string, unknown> = {}): string {
  const all = ['binance-usdm', 'binance-coinm', 'bybit-linear', 'bybit-inverse', 'hyperliquid'];
  const path = join(tempDir(), 'config.yaml');
  writeFileSync(
    path,
    stringify({
      metrics: { port: 0 },
      connection: { backoff: { initialMs: 20, maxMs: 200 } },
      venues: Object.fromEntries(all.map((v) => [v, venues[v] ? { enabled: true, discover: false, oiPollMs: 0, ...venues[v] } : { enabled: false }])),
      ...extra,
    }),
  );
  return path;
}
