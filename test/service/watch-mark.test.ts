import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { readWatchMark } from '../../src/service/watch-mark.js';
import { tempDir } from '../support/recording.js';

const NOW = Date.UTC(2026, 11, 4, 12);
function logger() {
  const warnings: { ctx: Record<string, unknown>; msg: string }[] = [];
  return { warnings, log: { warn: (ctx: Record<string, unknown>, msg: string) => warnings.push({ ctx, msg }) } as unknown as Logger };
}
const mark = (since: Record<string, number>, at = NOW - 5_000) => JSON.stringify({ pid: 1, at, clean: false, since });

describe('the watch mark a successor reads (review)', () => {
  it('a missing mark is a first start: nothing logged', () => {
    const { log, warnings } = logger();
    expect(readWatchMark(tempDir(), log, NOW)).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  // A directory, a permission or a huge file in the mark's place was read as "no mark", silently: the gap since
  // the previous process stopped went unrecorded and unlogged.
  const cases: [string, (dir: string) => void][] = [
    ['a directory', (dir) => mkdirSync(join(dir, 'watch-mark.json'))],
    ['a 2 MiB file', (dir) => writeFileSync(join(dir, 'watch-mark.json'), ' '.repeat(2 << 20))],
  ];
  // root reads a mode-0 file anyway
  if (process.getuid?.() !== 0)
    cases.push(['an unreadable file', (dir) => (writeFileSync(join(dir, 'watch-mark.json'), mark({ okx: NOW })), chmodSync(join(dir, 'watch-mark.json'), 0))]);
  it.each(cases)('%s is logged as unreadable', (_, make) => {
    const dir = tempDir();
    make(dir);
    const { log, warnings } = logger();
    expect(readWatchMark(dir, log, NOW)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/^watch mark unreadable/);
    expect(warnings[0]!.ctx.err).toEqual(expect.any(String));
  });

  // `since` after the successor's subscription made `to > from` false in connectors.ts: no gap at all.
  it('a since in the future is brought back to now (a gap is recorded) and logged', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'watch-mark.json'), mark({ 'bybit-linear': NOW + 86_400_000, okx: NOW - 1_000 }, NOW + 86_400_000));
    const { log, warnings } = logger();
    expect(readWatchMark(dir, log, NOW)?.since).toEqual({ 'bybit-linear': NOW, okx: NOW - 1_000 });
    expect(warnings.map((w) => [w.msg, w.ctx.venues])).toEqual([['watch mark times are in the future; the gap is recorded from now', ['bybit-linear']]]);
  });

  it('a valid mark is returned as written', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'watch-mark.json'), mark({ okx: NOW - 1_000 }));
    const { log, warnings } = logger();
    expect(readWatchMark(dir, log, NOW)).toEqual({ pid: 1, at: NOW - 5_000, clean: false, since: { okx: NOW - 1_000 } });
    expect(warnings).toEqual([]);
  });
});
