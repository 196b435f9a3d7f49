import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeTestConfig } from '../support/config-file.js';
import { startServiceProcess } from '../support/service-process.js';

const TABLE = new URL('../../docs/metrics.md', import.meta.url).pathname;

/** The metric names in docs/metrics.md's table, and those of its rows marked "Kafka bus only" and "history store only". */
function documentedMetrics(): { all: string[]; kafkaOnly: string[]; storeOnly: string[] } {
  const text = readFileSync(TABLE, 'utf8');
  const rows = text.slice(text.indexOf('| metric | type | labels |')).split('\n\n')[0]!.split('\n');
  const names = (lines: string[]) => [...new Set(lines.flatMap((l) => [...l.matchAll(/`(liqstream_[a-z_]+)`/g)].map((m) => m[1]!)))].sort();
  return { all: names(rows), kafkaOnly: names(rows.filter((r) => r.includes('Kafka bus only'))), storeOnly: names(rows.filter((r) => r.includes('history store only'))) };
}

describe('the metrics table (docs/metrics.md)', () => {
  it('names exactly the metrics `run` exports on /metrics', async () => {
    // Every venue disabled: nothing connects anywhere; the registry is complete at start.
    const service = await startServiceProcess(['run', '--config', writeTestConfig({})]);
    try {
      const text = await (await fetch(`${service.metricsUrl}/metrics`)).text();
      const exported = [...new Set([...text.matchAll(/^# TYPE (liqstream_[a-z_]+) /gm)].map((m) => m[1]!))]
        .filter((name) => !/^liqstream_(process|nodejs)_/.test(name)) // prom-client's defaults, mentioned under the table
        .sort();
      expect(exported).toContain('liqstream_lower_bound');
      const { all, kafkaOnly, storeOnly } = documentedMetrics();
      // The producer's bus gauges exist only with the Kafka bus, the store's with a store; this process runs neither.
      expect(all.filter((name) => !kafkaOnly.includes(name) && !storeOnly.includes(name))).toEqual(exported);
      expect([...kafkaOnly, ...storeOnly].filter((name) => exported.includes(name))).toEqual([]);
      expect(storeOnly).toHaveLength(12);
    } finally {
      await service.stop();
    }
  });
});
