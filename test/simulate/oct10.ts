import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from '../support/cli.js';
import { simulated } from '../support/simulated.js';

export interface Oct10Report {
  totals: { usd: number; lowerBound: boolean; byVenue: Record<string, { longUsd: number; shortUsd: number; count: number; lowerBound: boolean }> };
  fidelity: Record<string, string>;
  openInterestUsd: Record<string, number>;
  synthetic?: { file: string; generator: string; note: string }[];
  cascades: { id: string; start: number; peakMinute: number; end: number; peakMinuteUsd: number; totalUsd: number; byVenue: unknown; lowerBound: boolean; longShare: number; oiDrawdownPct: number | null }[];
}

/** Fewer accounts than the published 1.6M keep the test quick; the USD calibration is the same. */
export const TEST_ACCOUNTS = '300000';

/** The simulated day, made once for every test file that needs it (test/support/simulated.ts). */
export async function simulateDay(): Promise<{ dir: string; recording: string; truth: { byVenue: Record<string, unknown>; usd: number } }> {
  const { dir, recording } = await simulated(['--accounts', TEST_ACCOUNTS]);
  const { truth } = JSON.parse(readFileSync(join(dir, 'oct10.truth.json'), 'utf8')) as { truth: { byVenue: Record<string, unknown>; usd: number } };
  return { dir, recording, truth };
}

export async function replayReport(args: string[]): Promise<{ text: string; report: Oct10Report }> {
  const r = await runCli(['replay', ...args], { LIQSTREAM_LOG_LEVEL: 'error' });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { text: r.stdout, report: JSON.parse(r.stdout) as Oct10Report };
}
