import * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// A second writer that starts at the worst moment: while the first is taking the lock, between the lock file's
// creation and its pid being in it. The hook runs the second lock() at the first write of the pid, whatever call
// writes it; exactly one of the two may hold the lock.
let hook: (() => void) | undefined;
/** Run at the first read of a lock file (a writer looking at whose lock it is). */
let onRead: (() => void) | undefined;
const fire = (data: unknown) => {
  if (hook && String(data) === String(process.pid)) {
    const h = hook;
    hook = undefined;
    h();
  }
};
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return {
    ...real,
    writeSync: (fd: number, data: string, ...rest: unknown[]) => {
      fire(data);
      return (real.writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    },
    readFileSync: (path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      const out = (real.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
      if (onRead && String(path).endsWith('_writer.lock')) {
        const h = onRead;
        onRead = undefined;
        h();
      }
      return out;
    },
    writeFileSync: (path: fs.PathOrFileDescriptor, data: string, ...rest: unknown[]) => {
      fire(data);
      return (real.writeFileSync as (...a: unknown[]) => void)(path, data, ...rest);
    },
  };
});

const { Dataset } = await import('../../src/sinks/store/dataset.js');

describe('the store writer lock (two imports into one store at once)', () => {
  it('a second writer that tries while the first is writing its pid is refused: one holder, never two', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-race-'));
    const outcomes: string[] = [];
    hook = () => {
      try {
        new Dataset(dir).lock();
        outcomes.push('second holds it');
      } catch (err) {
        outcomes.push(`second refused: ${(err as Error).message.replace(dir, 'DIR')}`);
      }
    };
    try {
      new Dataset(dir).lock();
      outcomes.push('first holds it');
    } catch (err) {
      outcomes.push(`first refused: ${(err as Error).message.replaceAll(dir, 'DIR')}`);
    }
    expect(hook).toBeUndefined(); // the race was run
    expect(outcomes.filter((o) => o.endsWith('holds it'))).toHaveLength(1);
    expect(outcomes.filter((o) => o.includes('refused'))).toEqual([expect.stringMatching(new RegExp(`is being written by process ${process.pid}`))]);
  });

  it('two writers taking over a dead writer\'s lock at once: the second does not remove the first one\'s fresh lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-race-'));
    const DEAD = 4_194_000; // above Linux's default pid_max (4194304 on 64-bit is the ceiling): no such process
    expect(() => process.kill(DEAD, 0)).toThrow();
    fs.writeFileSync(join(dir, '_writer.lock'), String(DEAD));
    const outcomes: string[] = [];
    // The first reads the dead pid; before it acts, the second takes the lock over.
    onRead = () => {
      try {
        new Dataset(dir).lock();
        outcomes.push('second holds it');
      } catch (err) {
        outcomes.push(`second refused: ${(err as Error).message}`);
      }
    };
    try {
      new Dataset(dir).lock();
      outcomes.push('first holds it');
    } catch (err) {
      outcomes.push(`first refused: ${(err as Error).message.replaceAll(dir, 'DIR')}`);
    }
    expect(onRead).toBeUndefined();
    expect(outcomes).toEqual(['second holds it', `first refused: store DIR is being written by process ${process.pid} (DIR/_writer.lock)`]);
    expect(fs.readFileSync(join(dir, '_writer.lock'), 'utf8')).toBe(String(process.pid));
    expect(fs.readdirSync(dir)).toEqual(['_writer.lock']);
  });
});
