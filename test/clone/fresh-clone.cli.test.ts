import { execFile } from 'node:child_process';
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/recording.js';

const run = promisify(execFile);
const ROOT = resolve(new URL('../..', import.meta.url).pathname);

/**
 * A fresh clone of the repository, alone in an empty folder (no ../shared beside it), builds (`npm run
 * build`), runs a CLI command the README quotes through npm (replaying the shipped example), and runs a
 * couple of test files (the vitest configuration, fixtures and docs they read are committed): what proves
 * that a clone works. What the rest of the suite checks is not run a second time here: the demo's output
 * is checked by test/cli/demo.cli.test.ts (the same steps, on the suite's shared build and simulated day).
 * node_modules is linked from this checkout: what is installed is not what is being checked here
 * (.ci/run installs from the lockfile on a clean machine).
 */
describe('a fresh clone with nothing beside it', () => {
  it('builds, replays the shipped example through `npm run liqstream`, and runs its tests', async () => {
    const parent = tempDir('fresh-clone-');
    const clone = join(parent, 'liqstream');
    await run('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone]);
    expect(readdirSync(parent)).toEqual(['liqstream']);
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', LIQSTREAM_LOG_LEVEL: 'error', NO_COLOR: '1', FORCE_COLOR: '0' };
    delete env.VITEST;
    delete env.VITEST_POOL_ID;
    delete env.VITEST_WORKER_ID;
    delete env.NODE_OPTIONS;
    delete env.TEST_DIST_BUILT_BY;
    delete env.TEST_GROUP;
    const inClone = (cmd: string, args: string[], timeout: number) =>
      run(cmd, args, { cwd: clone, env, maxBuffer: 16 * 2 ** 20, timeout }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`${cmd} ${args.join(' ')} failed in the clone:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
      });

    // `npm run build` is the demo's first step and what `prepare` runs after `npm ci`.
    await inClone('npm', ['run', '--silent', 'build'], 300_000);
    expect(existsSync(join(clone, 'dist/bundle/cli/main.js'))).toBe(true);

    const example = await inClone('npm', ['run', '--silent', 'liqstream', '--', 'replay', 'examples/binance-docs-samples.ndjson', '--summary'], 60_000);
    expect(example.stdout).toMatch(/^liquidations: \$50\.6k \(lower bound\) in 4 events/);

    // Two test files that read the clone's own config, docs, README and venue folders (one mocks a module: unit-mocks).
    const unit = await inClone('npx', ['vitest', 'run', '--project', 'unit*', '--reporter', 'dot', 'test/config/config.test.ts', 'test/venues/one-folder.test.ts'], 180_000);
    const plain = unit.stdout.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).toMatch(/Test Files\s+2 passed/);
    expect(plain).not.toMatch(/\bfailed\b/);
  }, 600_000);
});
