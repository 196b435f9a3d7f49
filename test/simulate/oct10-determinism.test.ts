import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { defaultSimulation, type SimulationOptions } from '../../src/simulate/oct10.js';
import { truthPath, writeOct10 } from '../../src/simulate/write.js';
import { tempDir } from '../support/recording.js';

/** Around the peak, so that every venue, Hyperliquid's counterparty and ADL fills and open interest are in it. */
const slice = (seed: number): SimulationOptions => ({ ...defaultSimulation(), seed, accounts: 40_000, fromMinute: 21 * 60 + 14, toMinute: 21 * 60 + 18 });

async function simulateTo(seed: number): Promise<{ recording: Buffer; truth: string }> {
  const path = join(tempDir('liqstream-det-'), 'day.ndjson.gz');
  await writeOct10(path, slice(seed));
  return { recording: readFileSync(path), truth: readFileSync(truthPath(path), 'utf8') };
}

describe('simulate oct-10 is deterministic', () => {
  it('the same seed twice in one process gives byte-identical recordings and ground truth', async () => {
    const a = await simulateTo(7);
    const b = await simulateTo(7);
    expect(a.recording.length).toBeGreaterThan(10_000);
    expect(b.recording.equals(a.recording)).toBe(true);
    expect(b.truth).toBe(a.truth);
  }, 60_000);

  it('writes its lines gzipped at level 1, the cheap level (the lines are what a replay reads, whatever the level)', async () => {
    const { recording } = await simulateTo(7);
    expect(gzipSync(gunzipSync(recording), { level: 1 }).equals(recording)).toBe(true);
  }, 60_000);

  it('another seed gives another day', async () => {
    const a = await simulateTo(7);
    const c = await simulateTo(8);
    expect(c.recording.equals(a.recording)).toBe(false);
  }, 60_000);
});
