import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { tempDir } from '../support/recording.js';
import { simulated } from '../support/simulated.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const BUNDLE = 'dist/bundle/cli/main.js';
const UNBUNDLED = join(ROOT, 'dist/src/cli/main.js');
const TRACE = join(import.meta.dirname, '../support/module-trace.mjs');

/**
 * A package root of its own (tsc's output and package.json copied, node_modules linked) for a test that bundles: one
 * that rebuilt the suite's own bundle would change it under the test files that run beside it.
 */
function packageCopy(): string {
  const root = join(tempDir('liqstream-bundle-'), 'pkg');
  cpSync(join(ROOT, 'dist/src'), join(root, 'dist/src'), { recursive: true });
  mkdirSync(join(root, 'scripts/bundle'), { recursive: true });
  cpSync(join(ROOT, 'scripts/bundle/cli.mjs'), join(root, 'scripts/bundle/cli.mjs'));
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

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

  it('is rebuilt in place without a moment where a file is missing or part-written, and a build with nothing new rewrites nothing', async () => {
    const root = packageCopy();
    const dir = join(root, 'dist/bundle/cli');
    const read = () => new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    /** Runs the bundle step while reading `watched` over and over: what each read found (a file's whole content, or ''). */
    const bundleWatching = async (watched: string[]) => {
      const child = spawn(process.execPath, [join(root, 'scripts/bundle/cli.mjs')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      let running = true;
      void exited.then(() => (running = false));
      const seen = new Map<string, Set<string>>(watched.map((f) => [f, new Set()]));
      while (running) {
        for (const f of watched) {
          let content = '';
          try {
            content = readFileSync(join(dir, f), 'utf8');
          } catch {}
          seen.get(f)!.add(content);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await exited, stderr).toBe(0);
      return seen;
    };
    await run(process.execPath, [join(root, 'scripts/bundle/cli.mjs')]);
    const first = read();
    const mtimes = new Map([...first.keys()].map((f) => [f, statSync(join(dir, f)).mtimeMs]));

    // What a killed build left (NAME.PID.part, that process gone) goes with the next build.
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    const leftover = join(dir, `main.js.${gone.pid}.part`);
    writeFileSync(leftover, 'part of a main.js');

    // The same input again: every file stays as it was, whole, and is not written.
    const again = await bundleWatching([...first.keys()]);
    for (const [f, contents] of again) expect([...contents], f).toEqual([first.get(f)]);
    for (const [f, mtime] of mtimes) expect(statSync(join(dir, f)).mtimeMs, f).toBe(mtime);
    expect(existsSync(leftover)).toBe(false);

    // A change: main.js is the old file or the new one, whole, at every read; then the new build alone is there.
    const main = join(root, 'dist/src/cli/main.js');
    writeFileSync(main, readFileSync(main, 'utf8').replace('Liquidation event stream processor:', 'Liquidation event stream processor (rebuilt):'));
    const changed = await bundleWatching(['main.js', 'modules.json']);
    const second = read();
    expect(second.get('main.js')).not.toBe(first.get('main.js'));
    for (const [f, contents] of changed) expect([...contents].every((c) => c === first.get(f) || c === second.get(f)), f).toBe(true);
    const modules = JSON.parse(second.get('modules.json')!) as Record<string, string[]>;
    expect([...second.keys()].sort()).toEqual([...Object.keys(modules), 'modules.json'].sort());
    const help = await run(process.execPath, [join(dir, 'main.js'), '--help']);
    expect(help.stdout).toContain('Liquidation event stream processor (rebuilt):');
  }, 120_000);

  it('fails to build, leaving the bundle it had, when an import cannot be resolved (a package missing from node_modules)', async () => {
    const root = packageCopy();
    const bundle = join(root, 'scripts/bundle/cli.mjs');
    await run(process.execPath, [bundle]);
    const dir = join(root, 'dist/bundle/cli');
    const before = readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]);
    const worker = join(root, 'dist/src/sinks/store/store-worker.js');
    writeFileSync(worker, `${readFileSync(worker, 'utf8')}\nimport 'liqstream-no-such-package';\n`);
    const failed = await run(process.execPath, [bundle]).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/UNRESOLVED_IMPORT.*liqstream-no-such-package/);
    expect(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')])).toEqual(before);
  }, 60_000);
});
