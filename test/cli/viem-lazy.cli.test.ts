import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { fixture } from '../support/fixtures.js';
import { tempDir } from '../support/recording.js';

/**
 * viem is loaded only when an on-chain venue's frames are parsed: `liqstream replay` of an empty or perps-only
 * recording must keep its start-up time (issue 20). The child process is traced by test/support/module-trace.mjs.
 */
function replayLoadsViem(lines: string[]): boolean {
  const dir = tempDir('liqstream-viem-');
  const file = join(dir, 'rec.ndjson');
  const trace = join(dir, 'trace.txt');
  writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  execFileSync(process.execPath, ['--import', join(import.meta.dirname, '../support/module-trace.mjs'), CLI, 'replay', file, '--report-dir', join(dir, 'report')], {
    env: { ...process.env, MODULE_TRACE: trace },
    stdio: 'pipe',
  });
  return existsSync(trace) && readFileSync(trace, 'utf8').includes('/node_modules/viem/');
}

const line = (venue: string, frame: string) => JSON.stringify({ recv: 1_760_130_900_000, venue, frame });

describe('viem stays out of a bare replay', () => {
  it('an empty recording and a perps-only one do not load viem; a recording with an on-chain venue does', () => {
    expect(replayLoadsViem([])).toBe(false);
    expect(replayLoadsViem([line('binance-usdm', fixture('binance-usdm-forceorder-1.json').trim())])).toBe(false);
    expect(replayLoadsViem([line('aave-v3', fixture('aave-v3-getlogs-1.json').trim())])).toBe(true);
  }, 60_000);
});
