import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { recordingWriter } from '../replay/recording.js';
import { defiMetadata } from './defi-frames.js';
import { simulateOct10, type GroundTruth, type SimulationOptions } from './oct10.js';
import { perpsMetadata } from './venue-frames.js';

/** Writes the synthetic day as a recording, and its ground truth beside it (FILE.truth.json). */
export async function writeOct10(path: string, options: SimulationOptions): Promise<{ truth: GroundTruth; frames: number }> {
  // `npm run demo` writes into out/, which a fresh checkout does not have.
  mkdirSync(dirname(path), { recursive: true });
  // gzip level 1: a third of the default level's compressing CPU (2.3 → 0.8 s for a 216 MB day at 300k
  // accounts) for a file a third larger (21.3 → 28.6 MB); the lines, and so every replay of them, are the same.
  const out = recordingWriter(path, { gzipLevel: SIMULATION_GZIP_LEVEL });
  const gen = simulateOct10(options);
  let frames = 0;
  for (;;) {
    const step = gen.next();
    if (step.done) {
      await out.close();
      const truth = step.value;
      const { byMinute: _perMinute, ...totals } = truth; // per-minute figures stay in memory: 1,440 rows would drown the file
      writeFileSync(truthPath(path), `${JSON.stringify({ simulation: 'oct-10', synthetic: true, options, truth: totals }, null, 2)}\n`);
      markSynthetic(path, options);
      return { truth, frames };
    }
    // A slice at a time: the gzip stream (on libuv's pool) compresses one slice while the next is made into text,
    // where a cascade minute's tens of thousands of frames were one text (the day: 16.2 against 16.6 s wall, medians
    // of 3 pairs, the same bytes).
    for (let i = 0; i < step.value.length; i += WRITE_SLICE) await out.write(...step.value.slice(i, i + WRITE_SLICE));
    frames += step.value.length;
  }
}

/** Frames per write: a minute of the cascade holds tens of thousands. */
const WRITE_SLICE = 1_000;

/** zlib level of a simulated recording (see writeOct10): the file is made again at will, so speed over size. */
const SIMULATION_GZIP_LEVEL = 1;

export const truthPath = (recording: string): string => `${recording.replace(/\.ndjson(\.gz)?$/, '')}.truth.json`;

/**
 * Lists the recording under `synthetic` in metadata.json beside it (created if absent; a real recording's
 * venue metadata there is kept), so a replay's report, summary and HTML say the data is generated.
 */
function markSynthetic(path: string, options: SimulationOptions): void {
  const file = join(dirname(path), 'metadata.json');
  const doc = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : { version: 1 };
  const synthetic = { ...((doc.synthetic as Record<string, unknown> | undefined) ?? {}) };
  synthetic[basename(path)] = {
    generator: `liqstream simulate oct-10 --seed ${options.seed}`,
    note: 'calibrated to published 10 October 2025 figures, not market data',
  };
  // The DeFi slice's Fluid vaults are synthetic: a replay learns them from here, as from a recording's discovery.
  // So do the contract values of OKX's and Gate's smaller markets, as discovery would have listed them.
  const venues = { ...((doc.venues as Record<string, unknown> | undefined) ?? {}), ...perpsMetadata(), ...(options.defi === false ? {} : defiMetadata()) };
  writeFileSync(file, `${JSON.stringify({ ...doc, venues, synthetic }, null, 2)}\n`);
}
