import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingWriter } from '../../src/replay/recording.js';
import type { RawFrame } from '../../src/schema/events.js';
import { binanceFrames } from './fixtures.js';

export const tempDir = (prefix = 'liqstream-'): string => mkdtempSync(join(tmpdir(), prefix));

export async function writeRecording(path: string, frames: RawFrame[]): Promise<string> {
  const w = recordingWriter(path);
  for (const f of frames) await w.write(f);
  await w.close();
  return path;
}

/** Every Binance sample, interleaved over two seconds of receive time, plus one malformed frame. */
export function binanceRecordingFrames(start = 1_760_130_000_000): RawFrame[] {
  const { usdm, coinm } = binanceFrames();
  return [
    { recv: start, venue: 'binance-usdm', frame: usdm[0]! },
    { recv: start + 400, venue: 'binance-coinm', frame: coinm[0]! },
    { recv: start + 900, venue: 'binance-usdm', frame: '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":1,"o":{}}}' },
    { recv: start + 1300, venue: 'binance-usdm', frame: usdm[1]! },
    { recv: start + 2000, venue: 'binance-usdm', frame: usdm[2]! },
  ];
}
