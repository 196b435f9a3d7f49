import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { madeOnce } from '../support/made-once.js';
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

const RUNS = join(new URL('../..', import.meta.url).pathname, '.cache', 'runs');
const DAY_MS = 86_400_000;

/**
 * `replay <the simulated day> --speed max` on the embedded bus, as replayReport gives it. In `npm test` (both vitest
 * processes carry its TEST_DIST_BUILT_BY) it runs once per run and build, and the files that check it share it: the
 * day's own test (oct10.cli) and the Kafka replay's comparison (oct10-kafka), ≈ 8 CPU s a replay. Alone, a run of its own.
 */
export async function embeddedDayReplay(recording: string): Promise<{ text: string; report: Oct10Report }> {
  const run = process.env.TEST_DIST_BUILT_BY;
  if (!run) return replayReport([recording, '--speed', 'max']);
  // The entry's main.js names every chunk by its content's hash: another build, another key.
  const key = createHash('sha256').update(`${run}\0${TEST_ACCOUNTS}\0`).update(readFileSync(CLI)).digest('hex').slice(0, 24);
  const done = await madeOnce(RUNS, `oct10-embedded-${key}`, async (work) => {
    // An earlier run's entries are of no use to this one: a day old, they go.
    for (const name of readdirSync(RUNS)) {
      const old = statSync(join(RUNS, name), { throwIfNoEntry: false });
      if (old && Date.now() - old.mtimeMs > DAY_MS) rmSync(join(RUNS, name), { recursive: true, force: true });
    }
    writeFileSync(join(work, 'report.json'), (await replayReport([recording, '--speed', 'max'])).text);
  });
  const text = readFileSync(join(done, 'report.json'), 'utf8');
  return { text, report: JSON.parse(text) as Oct10Report };
}
