import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { VENUES } from '../../src/venues/registry.js';
import { tempDir } from './recording.js';

/** A `venues` block with every registered venue off except those given (tests never reach a real venue). */
export const onlyVenues = (venues: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> => ({
  ...Object.fromEntries(VENUES.map((v) => [v, { enabled: false }])),
  ...venues,
});

/** A config file for a liqstream process under test: only the venues given, metrics on a free port. */
export function writeTestConfig(venues: Record<string, { url: string } & Record<string, unknown>>, extra: Record<string, unknown> = {}): string {
  const path = join(tempDir(), 'config.yaml');
  writeFileSync(
    path,
    stringify({
      metrics: { port: 0 },
      connection: { backoff: { initialMs: 20, maxMs: 200 } },
      venues: Object.fromEntries(VENUES.map((v) => [v, venues[v] ? { enabled: true, discover: false, oiPollMs: 0, ...venues[v] } : { enabled: false }])),
      ...extra,
    }),
  );
  return path;
}
