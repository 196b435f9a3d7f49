import { execFile } from 'node:child_process';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/recording.js';

const run = promisify(execFile);
const ROOT = resolve(new URL('../..', import.meta.url).pathname);

/**
 * A fresh clone of the repository, alone in an empty folder (no ../shared beside it), runs the README's
 * demo and the unit tests. node_modules is linked from this checkout: what is installed is not what is
 * being checked here (.ci/run installs from the lockfile on a clean machine).
 */
describe('a fresh clone with nothing beside it', () => {
  it('runs `npm run demo` and the unit tests', async () => {
    const parent = tempDir('fresh-clone-');
    const clone = join(parent, 'liqstream');
    await run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone]);
    expect(readdirSync(parent)).toEqual(['liqstream']);
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', FUZZ_FRAMES: '2000', LIQSTREAM_LOG_LEVEL: 'error', NO_COLOR: '1', FORCE_COLOR: '0' };
    delete env.VITEST;
    delete env.VITEST_POOL_ID;
    delete env.VITEST_WORKER_ID;
    delete env.NODE_OPTIONS;

    const demo = await run('npm', ['run', '--silent', 'demo'], { cwd: clone, env, maxBuffer: 16 * 2 ** 20, timeout: 240_000 });
    expect(demo.stdout).toContain('SYNTHETIC');
    expect(demo.stdout).toMatch(/cascade/i);
    expect(existsSync(join(clone, 'out/oct10-report/report.html'))).toBe(true);

    const unit = await run('npx', ['vitest', 'run', '--project', 'unit', '--reporter', 'dot'], { cwd: clone, env, maxBuffer: 16 * 2 ** 20, timeout: 300_000 }).catch(
      (err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`unit tests failed in the clone:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
      },
    );
    const plain = unit.stdout.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/Tests\s+\d+ passed/);
    expect(plain).not.toMatch(/\bfailed\b/);
  }, 600_000);
});
