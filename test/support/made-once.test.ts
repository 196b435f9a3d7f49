import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { madeOnce } from './made-once.js';
import { tempDir } from './recording.js';

describe('madeOnce (the simulated days and shared replays of a test run)', () => {
  it('makes an entry once for callers that come together; each gets the finished entry', async () => {
    const dir = tempDir('liqstream-once-');
    let makes = 0;
    const make = async (work: string) => {
      makes += 1;
      await new Promise((r) => setTimeout(r, 100));
      writeFileSync(join(work, 'out.txt'), 'made');
    };
    const done = await Promise.all(Array.from({ length: 5 }, () => madeOnce(dir, 'k', make)));
    expect(makes).toBe(1);
    expect(new Set(done)).toEqual(new Set([join(dir, 'k')]));
    for (const d of done) expect(readFileSync(join(d, 'out.txt'), 'utf8')).toBe('made');
    expect(existsSync(join(dir, 'k.lock'))).toBe(false);
  });

  it('a maker that throws leaves no entry and no lock: the next caller makes it', async () => {
    const dir = tempDir('liqstream-once-');
    await expect(madeOnce(dir, 'k', () => Promise.reject(new Error('simulate failed')))).rejects.toThrow('simulate failed');
    expect(existsSync(join(dir, 'k'))).toBe(false);
    expect(existsSync(join(dir, 'k.lock'))).toBe(false);
    const done = await madeOnce(dir, 'k', async (work) => writeFileSync(join(work, 'out.txt'), 'second'));
    expect(readFileSync(join(done, 'out.txt'), 'utf8')).toBe('second');
  });

  it('breaks a lock its maker left behind (older than ten minutes), and waits on a fresh one', async () => {
    const dir = tempDir('liqstream-once-');
    writeFileSync(join(dir, 'k.lock'), '99999999');
    const old = (Date.now() - 11 * 60_000) / 1000;
    utimesSync(join(dir, 'k.lock'), old, old);
    const done = await madeOnce(dir, 'k', async (work) => writeFileSync(join(work, 'out.txt'), 'after a dead maker'));
    expect(readFileSync(join(done, 'out.txt'), 'utf8')).toBe('after a dead maker');

    writeFileSync(join(dir, 'j.lock'), '99999999'); // another process is making it
    let settled = false;
    const waiting = madeOnce(dir, 'j', () => Promise.reject(new Error('not this caller'))).then((d) => ((settled = true), d));
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(false);
    // The other process finishes: its entry appears (and its lock goes).
    mkdirSync(join(dir, 'j'));
    rmSync(join(dir, 'j.lock'));
    expect(await waiting).toBe(join(dir, 'j'));
  });
});
