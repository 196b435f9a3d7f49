import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Recorder } from '../../src/replay/recorder.js';
import { binanceRecordingFrames, tempDir } from './recording.js';

export const RECORDED_HOURS = { H21: Date.UTC(2025, 9, 10, 21), H22: Date.UTC(2025, 9, 10, 22) };
const { H21, H22 } = RECORDED_HOURS;

/** A `record` directory written by the Recorder: the Binance samples in hour 21 and again in hour 22, three gaps. */
export async function recordedDir(): Promise<{ dir: string; files: string[] }> {
  const dir = tempDir('liqstream-manifest-');
  const r = new Recorder(dir);
  r.writeMetadata({});
  // Before the first frame (a connection that failed at start): it goes in the first file's manifest.
  r.gap('binance-usdm', H21 - 60_000, H21 - 30_000, 'connect failed');
  for (const f of binanceRecordingFrames(H21)) await r.handleFrame(f);
  r.gap('binance-coinm', H21 + 5_000, H21 + 65_000, 'socket closed (1006)');
  // The same liquidations an hour later: ids repeat, so only the gaps and frames add up.
  for (const f of binanceRecordingFrames(H22)) await r.handleFrame(f);
  r.gap('binance-usdm', H22 + 10_000, H22 + 12_500, 'stale: no frame for 60 s');
  await r.close();
  const files = readdirSync(dir).filter((n) => n.endsWith('.ndjson.gz')).sort().map((n) => join(dir, n));
  return { dir, files };
}

