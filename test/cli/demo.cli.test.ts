import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { readmeExamples } from '../support/readme-examples.js';
import { tempDir } from '../support/recording.js';
import { simulated } from '../support/simulated.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const MAIN = 'dist/bundle/cli/main.js';

/** `node FLAGS dist/bundle/cli/main.js ARGS` (one step of an npm script) → its node flags and CLI arguments. */
function cliStep(step: string): { flags: string[]; args: string[] } {
  expect(step, 'a demo step the check can run without a shell').not.toMatch(/["'`\\$|;&<>]/);
  const tokens = step.split(/\s+/);
  const main = tokens.indexOf(MAIN);
  expect(tokens[0]).toBe('node');
  expect(main).toBeGreaterThan(0);
  return { flags: tokens.slice(1, main), args: tokens.slice(main + 1) };
}

/**
 * `npm run demo` prints what the README quotes: its steps (package.json) taken one by one, the build being
 * `npm run build` (which the fresh-clone test runs in a clone, and this suite's build setup does), the simulation
 * the suite's shared one of the same arguments (test/support/simulated.ts: made once, the same bytes),
 * the replay run as written, from a folder where `out/` holds the simulated day.
 */
describe('npm run demo', () => {
  it('prints what the README quotes, and writes the HTML report', async () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const steps = scripts.demo!.split(' && ');
    expect(steps).toHaveLength(3);
    expect(steps[0]).toBe('npm run build');

    const simulate = cliStep(steps[1]!);
    expect(simulate.args.slice(0, 3)).toEqual(['simulate', 'oct-10', '--out']);
    const out = simulate.args[3]!;
    expect(out).toBe(`out/${basename(out)}`);
    const day = await simulated(simulate.args.slice(4), basename(out));
    // The shared simulation ran in its own folder, so it printed the file's name where the demo prints out/NAME.
    expect(day.stdout.startsWith(`${basename(out)}: `)).toBe(true);
    const printed = `out/${day.stdout}`;

    const parent = tempDir('liqstream-demo-');
    renameSync(day.dir, join(parent, 'out'));
    const replay = cliStep(steps[2]!);
    const env: NodeJS.ProcessEnv = { ...process.env, LIQSTREAM_LOG_LEVEL: 'error', NO_COLOR: '1', FORCE_COLOR: '0' };
    const r = await run(process.execPath, [...replay.flags, CLI, ...replay.args], { cwd: parent, env, maxBuffer: 16 * 2 ** 20 });

    const quoted = readmeExamples(join(ROOT, 'README.md')).find((e) => e.command === 'npm run --silent demo');
    expect(quoted, 'README quotes `npm run --silent demo`').toBeDefined();
    expect((printed + r.stdout).replace(/\n$/, '')).toBe(quoted!.output);
    expect(existsSync(join(parent, 'out/oct10-report/report.html'))).toBe(true);
  }, 600_000);
});
