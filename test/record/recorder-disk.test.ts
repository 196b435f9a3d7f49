import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, hourFileName } from '../../src/replay/recorder.js';
import { readRecording } from '../../src/replay/recording.js';
import type { RawFrame } from '../../src/schema/events.js';

const T0 = Date.UTC(2025, 9, 10, 21, 0, 0);
// Incompressible frames, so a small filesystem fills after a known handful of them.
const frame = (i: number, venue = i % 2 ? 'bybit-linear' : 'binance-usdm'): RawFrame => ({ recv: T0 + i, venue, frame: JSON.stringify({ i, pad: randomBytes(6_000).toString('base64') }) });

async function readBack(dir: string): Promise<number[]> {
  const seen: number[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ndjson.gz')).sort())
    for await (const item of readRecording(join(dir, f))) if (item.ok) seen.push((JSON.parse(item.frame.frame) as { i: number }).i);
  return seen.sort((a, b) => a - b);
}

describe('a recording never replaces a file', () => {
  it('a second recorder in the same hour (a restart) writes the next part; both replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqstream-rec-'));
    for (const range of [[0, 10], [10, 20]] as const) {
      const r = new Recorder(dir);
      for (let i = range[0]; i < range[1]; i++) await r.handleFrame(frame(i));
      await r.close();
    }
    const base = hourFileName(T0);
    expect(readdirSync(dir).filter((n) => n.endsWith('.ndjson.gz')).sort()).toEqual([base.replace('.ndjson.gz', '.1.ndjson.gz'), base]);
    expect(await readBack(dir)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

// A real full disk: a 256 KiB tmpfs (root, as CI runs). Before, the write stream's 'error' event had no
// listener, so ENOSPC ended `liqstream record`.
const canMount = process.getuid?.() === 0;
describe.skipIf(!canMount)('a full disk under `record` (issue 18 §3)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'liqstream-fulldisk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]);
  });
  afterAll(() => {
    try {
      execFileSync('umount', [dir]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loses frames, never the process: every frame is recorded or counted, and the loss is a gap per venue in the next file', async () => {
    let now = T0;
    const lost = new Map<string, number>();
    const r = new Recorder(dir, (venue, n) => lost.set(venue, (lost.get(venue) ?? 0) + n), () => now);
    const sent = 120; // ~8 KB each after base64: far more than 256 KiB
    for (let i = 0; i < sent; i++) await r.handleFrame(frame(i));
    const lostFrames = [...lost.values()].reduce((a, b) => a + b, 0);
    expect(lostFrames).toBeGreaterThan(0);

    // Room again (the operator grew the volume); after the retry pause the next frame opens a new part.
    execFileSync('mount', ['-o', 'remount,size=4m', dir]);
    now += 6_000;
    for (let i = sent; i < sent + 4; i++) await r.handleFrame(frame(i));
    await r.close();

    const recorded = await readBack(dir);
    // Exact: each frame is in a file or in the loss count, never both, never neither.
    expect(recorded.length + lostFrames).toBe(sent + 4);
    expect(new Set(recorded).size).toBe(recorded.length);
    expect(recorded.slice(-4)).toEqual([sent, sent + 1, sent + 2, sent + 3]);
    const manifests = readdirSync(dir).filter((n) => n.endsWith('.manifest.json')).map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as { gaps: { venue: string; from: number; to: number; reason: string }[] });
    const gaps = manifests.flatMap((m) => m.gaps);
    expect(gaps.map((g) => g.venue).sort()).toEqual([...lost.keys()].sort());
    for (const g of gaps) {
      expect(g.reason).toMatch(/^recording write failed: ENOSPC \(\d+ frames\)$/);
      expect(Number(/\((\d+) frames\)/.exec(g.reason)![1])).toBe(lost.get(g.venue));
    }
  });
});
