import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { simulated } from '../support/simulated.js';
import { requireTool } from '../support/tools.js';

describe('replay --openmetrics (backfill for Prometheus/Grafana)', () => {
  it('writes timestamped series that promtool turns into TSDB blocks, ending at the report totals', async () => {
    const promtool = requireTool('promtool');
    const { dir, recording: rec } = await simulated(['--from', '21:00', '--to', '21:30', '--accounts', '20000'], 'slice.ndjson.gz');
    const om = join(dir, 'day.om');
    const r = await runCli(['replay', rec, '--openmetrics', om, '--report', join(dir, 'r.json')], { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { totals: { byVenue: Record<string, { longUsd: number; shortUsd: number }> } };
    const text = readFileSync(om, 'utf8');
    expect(text.trimEnd().endsWith('# EOF')).toBe(true);
    for (const [venue, t] of Object.entries(report.totals.byVenue)) {
      const last = text.split('\n').filter((l) => l.startsWith(`liqstream_liquidations_usd_total{venue="${venue}",side="long"`)).at(-1)!;
      expect(Number(last.split(' ')[1])).toBe(t.longUsd);
    }
    expect(text).toMatch(/^liqstream_cascade_active 1 \d+$/m);
    // Binance samples: a lower bound in every minute; the cascade (Binance in it) too while it is active.
    expect(text).toMatch(/^liqstream_lower_bound\{venue="binance-usdm"\} 1 \d+$/m);
    expect(text).not.toMatch(/^liqstream_lower_bound\{venue="bybit-linear"\} 1 /m);
    const active = text.split('\n').filter((l) => l.startsWith('liqstream_cascade_active ')).map((l) => l.split(' ')[1]);
    const bounded = text.split('\n').filter((l) => l.startsWith('liqstream_cascade_lower_bound ')).map((l) => l.split(' ')[1]);
    expect(bounded).toEqual(active);
    const out = execFileSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', om, join(dir, 'blocks')], { encoding: 'utf8' });
    expect(out).toMatch(/BLOCK ULID/);
  });
});
