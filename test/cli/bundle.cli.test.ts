import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { simulated } from '../support/simulated.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const BUNDLE = 'dist/bundle/cli/main.js';
const UNBUNDLED = join(ROOT, 'dist/src/cli/main.js');
const TRACE = join(import.meta.dirname, '../support/module-trace.mjs');

/**
 * `liqstream` is the bundle (docs/architecture.md, "The CLI's bundle"): every way of starting it names the bundle,
 * and a replay with worker threads runs from the bundle alone, giving the bytes tsc's output gives.
 */
describe("the CLI's bundle", () => {
  it('is what package.json and this suite start (the Docker image: test/deploy/compose.test.ts)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.bin).toEqual({ liqstream: BUNDLE });
    for (const script of ['start', 'liqstream', 'demo']) expect(pkg.scripts[script], script).toContain(`node --max-semi-space-size=64 ${BUNDLE}`);
    expect(pkg.scripts.build).toMatch(/&& node scripts\/bundle\/cli\.mjs$/);
    expect(relative(ROOT, CLI)).toBe(BUNDLE);
  });

  it('replays with two worker threads loading no module of dist/src, as tsc output replays it', async () => {
    const { dir, recording } = await simulated(['--from', '21:10', '--to', '21:13', '--accounts', '20000'], 'sim.ndjson.gz');
    const env: NodeJS.ProcessEnv = { ...process.env, LIQSTREAM_LOG_LEVEL: 'error', MODULE_TRACE: join(dir, 'trace.txt') };
    const replay = (main: string, report: string) => run(process.execPath, ['--import', TRACE, main, 'replay', recording, '--workers', '2', '--report', join(dir, report)], { env });
    await replay(CLI, 'bundle.json');
    const loaded = readFileSync(join(dir, 'trace.txt'), 'utf8');
    expect(loaded).not.toContain('/dist/src/');
    expect(loaded).toContain(`/${BUNDLE}`);
    expect(loaded).toContain('/dist/bundle/cli/replay-worker.js');
    await replay(UNBUNDLED, 'unbundled.json');
    expect(readFileSync(join(dir, 'bundle.json'), 'utf8')).toBe(readFileSync(join(dir, 'unbundled.json'), 'utf8'));
  }, 120_000);
});
