import { writeFileSync } from 'node:fs';
import { recordingWriter } from '../replay/recording.js';
import { simulateOct10, type GroundTruth, type SimulationOptions } from './oct10.js';

/** Writes the synthetic day as a recording, and its ground truth beside it (FILE.truth.json). */
export async function writeOct10(path: string, options: SimulationOptions): Promise<{ truth: GroundTruth; frames: number }> {
  const out = recordingWriter(path);
  const gen = simulateOct10(options);
  let frames = 0;
  for (;;) {
    const step = gen.next();
    if (step.done) {
      await out.close();
      const truth = step.value;
      const { byMinute: _perMinute, ...totals } = truth; // per-minute figures stay in memory: 1,440 rows would drown the file
      writeFileSync(truthPath(path), `${JSON.stringify({ simulation: 'oct-10', synthetic: true, options, truth: totals }, null, 2)}\n`);
      return { truth, frames };
    }
    await out.write(...step.value);
    frames += step.value.length;
  }
}

export const truthPath = (recording: string): string => `${recording.replace(/\.ndjson(\.gz)?$/, '')}.truth.json`;
