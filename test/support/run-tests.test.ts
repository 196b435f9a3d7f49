import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BESIDE_SERVERS, inGroup, mocksAModule, PROJECTS, LONGEST_FIRST } from '../../vitest.config.js';
import { tempDir } from './recording.js';

const SCRIPT = new URL('./run-tests.sh', import.meta.url).pathname;

/**
 * test/support/run-tests.sh (`npm test` after the tool check) with `vitest`, `tsc` and the bundler replaced by stubs that log
 * how they were called and exit as told. Each side of the split run waits until the other has started (a run
 * of one after the other times out).
 */
function runTests(
  args: string[],
  exits: { servers?: number; others?: number; single?: number; typecheck?: number; build?: number } = {},
  // `printed`: shell a failing side runs before its headline (what tests print while vitest runs); `env`: added (PATH after the stubs).
  more: { printed?: string; env?: NodeJS.ProcessEnv } = {},
) {
  const dir = tempDir('run-tests-');
  const log = join(dir, 'calls.log');
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  stub('tsc', `echo "tsc $*" >> "$STUB_LOG"\ncase "$*" in *tsconfig.test.json*) exit ${exits.typecheck ?? 0};; '-b tsconfig.json') exit ${exits.build ?? 0};; esac`);
  const side = (me: string, other: string, exit: number) =>
    `touch "$STUB_DIR/${me}"; i=0; while [ ! -e "$STUB_DIR/${other}" ]; do sleep 0.05; i=$((i+1)); [ $i -gt 400 ] && { echo "${other} never started"; exit 9; }; done; echo "${me} report"; ` +
    // A failing side prints vitest's failure headline in colour, among lines the recap leaves out.
    (exit ? `${more.printed ?? ''}\nprintf ' \\033[31mFAIL\\033[39m  ${me}  test/${me}.test.ts > breaks\\n   passing detail\\n' >&2; ` : '') +
    `exit ${exit}`;
  stub(
    'vitest',
    [
      'echo "vitest $* group=${TEST_GROUP:-}" >> "$STUB_LOG"',
      'echo "${TEST_DIST_BUILT_BY:-}" > "$STUB_DIR/built.${TEST_GROUP:-single}"',
      'case "${TEST_GROUP:-}" in',
      `  servers) ${side('servers', 'others', exits.servers ?? 0)};;`,
      `  others) ${side('others', 'servers', exits.others ?? 0)};;`,
      `  *) echo "single report"; exit ${exits.single ?? 0};;`,
      'esac',
    ].join('\n'),
  );
  stub('bundle', 'echo "bundle" >> "$STUB_LOG"');
  const env: NodeJS.ProcessEnv = { ...process.env, ...more.env, PATH: `${dir}:${more.env?.PATH ?? process.env.PATH}`, TSC: join(dir, 'tsc'), BUNDLE_CLI: join(dir, 'bundle'), STUB_LOG: log, STUB_DIR: dir };
  delete env.TEST_GROUP;
  const r = spawnSync('sh', [SCRIPT, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  // The build mark each vitest process was started with (test/setup/build.ts skips its build for it).
  const built = Object.fromEntries(['servers', 'others', 'single'].flatMap((g) => (existsSync(join(dir, `built.${g}`)) ? [[g, readFileSync(join(dir, `built.${g}`), 'utf8').trim()]] : [])));
  return { status: r.status, stdout: r.stdout, calls, built, pid: r.pid };
}

describe('npm test (test/support/run-tests.sh)', () => {
  it('without arguments: builds once, then runs the server projects in a vitest process beside the others, and prints both reports', () => {
    const r = runTests([]);
    expect(r.status).toBe(0);
    const runs = r.calls.filter((c) => c.startsWith('vitest'));
    expect(runs.sort()).toEqual(['vitest run group=others', 'vitest run group=servers']);
    const builds = r.calls.filter((c) => c.startsWith('tsc -b'));
    expect(builds).toEqual(['tsc -b tsconfig.json', 'tsc -b src/web/page']);
    expect(r.calls.filter((c) => c === 'bundle')).toHaveLength(1);
    expect(r.calls.indexOf('tsc -b src/web/page')).toBeLessThan(r.calls.indexOf('bundle'));
    expect(r.calls.indexOf('bundle')).toBeLessThan(Math.min(...runs.map((c) => r.calls.indexOf(c))));
    // Both vitest processes are told that this shell built, so their build setups do not bundle again.
    expect(r.built).toEqual({ servers: String(r.pid), others: String(r.pid) });
    expect(r.calls).toContain('tsc -p tsconfig.test.json');
    expect(r.calls).toContain('tsc -p src/web/page --noEmit');
    const others = r.stdout.indexOf('others report');
    const header = r.stdout.indexOf('run beside the above in a vitest process of their own (exit status 0)');
    expect(others).toBeGreaterThanOrEqual(0);
    expect(header).toBeGreaterThan(others);
    expect(r.stdout.indexOf('servers report')).toBeGreaterThan(header);
  });

  it('fails when either side, the typecheck or the build fails (no test run after a failed build), and still prints the servers side', () => {
    const servers = runTests([], { servers: 1 });
    expect(servers.status).toBe(1);
    expect(servers.stdout).toContain('(exit status 1)');
    expect(servers.stdout).toContain('servers report');
    // The last lines (all a CI log may keep) name the side that failed and its failures, without colour codes.
    expect(servers.stdout.trim().split('\n').slice(-4)).toEqual([
      'npm test: unit and cli: exit status 0',
      'npm test: kafka and questdb: exit status 1',
      ' FAIL  servers  test/servers.test.ts > breaks',
      'npm test: typecheck: exit status 0',
    ]);
    const others = runTests([], { others: 1 });
    expect(others.status).toBe(1);
    expect(others.stdout.trim().split('\n').slice(-4)).toEqual([
      'npm test: unit and cli: exit status 1',
      ' FAIL  others  test/others.test.ts > breaks',
      'npm test: kafka and questdb: exit status 0',
      'npm test: typecheck: exit status 0',
    ]);
    expect(runTests([], { typecheck: 2 }).status).toBe(2);
    const build = runTests([], { build: 4 });
    expect(build.status).toBe(4);
    expect(build.calls.filter((c) => c.startsWith('vitest'))).toEqual([]);
  });

  it('the recap shows the failures whatever the tests printed before them: a NUL byte, many lines that match', () => {
    const recap = (printed: string) => {
      const { stdout } = runTests([], { others: 1 }, { printed });
      return stdout.slice(stdout.lastIndexOf('npm test: unit and cli: exit status 1'));
    };
    const expected = expect.stringContaining(' FAIL  others  test/others.test.ts > breaks\nnpm test: kafka and questdb: exit status 0\nnpm test: typecheck: exit status 0\n');
    // Before: grep took the log for binary and printed only "binary file matches" (on stderr).
    expect(recap(`printf 'a frame: \\000\\377\\n'`)).toEqual(expected);
    // Before: the first 60 lines that matched, all printed by tests that passed; the failure's headline came after.
    expect(recap(`for i in $(seq 100); do echo "Error: logged by a passing test $i"; done`)).toEqual(expected);
  });

  it('a tail without --pid (BSD, macOS, busybox): the unit and cli report is printed whole once it ends, before the other', () => {
    const dir = tempDir('bsd-tail-');
    writeFileSync(join(dir, 'tail'), `#!/bin/sh\ncase "$*" in *--pid*) echo "tail: illegal option -- -" >&2; exit 1;; esac\nexec ${JSON.stringify(spawnSync('sh', ['-c', 'command -v tail'], { encoding: 'utf8' }).stdout.trim())} "$@"\n`);
    chmodSync(join(dir, 'tail'), 0o755);
    const r = runTests([], {}, { env: { PATH: `${dir}:${process.env.PATH}` } });
    expect(r.status).toBe(0);
    // Before: never shown (the tail refused its options at once), and the log removed.
    const others = r.stdout.indexOf('others report');
    expect(others).toBeGreaterThanOrEqual(0);
    expect(r.stdout.indexOf('run beside the above in a vitest process of their own')).toBeGreaterThan(others);
  });

  it('a TMPDIR that is not a writable directory fails the run before any test, instead of writing its logs to /', () => {
    const r = runTests([], {}, { env: { TMPDIR: '/nonexistent/liqstream' } });
    expect(r.status).toBe(1);
    expect(r.calls.filter((c) => c.startsWith('vitest'))).toEqual([]);
  });

  it('compiles with TypeScript 7 (typescript-native) unless TSC says otherwise, and bundles with scripts/bundle/cli.mjs', () => {
    const script = readFileSync(SCRIPT, 'utf8');
    expect(script).toContain('tsc=${TSC:-node node_modules/typescript-native/bin/tsc}');
    expect(script).toContain('bundle=${BUNDLE_CLI:-node scripts/bundle/cli.mjs}');
    const root = new URL('../..', import.meta.url).pathname;
    const version = spawnSync(process.execPath, ['node_modules/typescript-native/bin/tsc', '--version'], { cwd: root, encoding: 'utf8' });
    expect(version.stdout).toMatch(/^Version 7\./);
  });

  it('with arguments: one vitest run with them, every project it selects', () => {
    const r = runTests(['--project', 'unit', 'test/x.test.ts'], { single: 3 });
    expect(r.status).toBe(3);
    expect(r.calls.filter((c) => c.startsWith('vitest'))).toEqual(['vitest run --project unit test/x.test.ts group=']);
    expect(r.calls.filter((c) => c.startsWith('tsc -b'))).toEqual([]);
  });

  it('the two groups split the projects: those with a server setup of their own (and the cli files sent beside them), and the rest; unset is all', () => {
    const names = (group: string | undefined) => PROJECTS.filter((p) => inGroup(p, group)).map((p) => p.test?.name);
    expect(names('servers')).toEqual(['cli-beside-servers', 'kafka', 'questdb']);
    expect(names('others')).toEqual(['unit', 'unit-mocks', 'cli']);
    expect(names(undefined)).toEqual(['unit', 'unit-mocks', 'cli', 'cli-beside-servers', 'kafka', 'questdb']);
    // Each file sent beside the servers is a cli file, in that project alone.
    const project = (name: string) => PROJECTS.find((p) => p.test?.name === name)!.test!;
    for (const file of BESIDE_SERVERS) {
      expect(existsSync(file), file).toBe(true);
      expect(file).toMatch(/\.cli\.test\.ts$/);
      expect(project('cli').exclude).toContain(file);
      expect(project('cli-beside-servers').include).toContain(file);
    }
    expect(() => names('kafka')).toThrow("TEST_GROUP is 'servers', 'others' or unset, not 'kafka'");
  });
});

describe('the unit projects (vitest.config.ts)', () => {
  const project = (name: string) => PROJECTS.find((p) => p.test?.name === name)!.test!;

  it('unit files share a module graph per worker; a file that mocks a module runs in unit-mocks, with a graph of its own', () => {
    expect(project('unit').isolate).toBe(false);
    expect(project('unit-mocks').isolate).toBeUndefined();
    // spill-write-failure mocks node:fs: in a shared graph another file had imported the real one first.
    expect(project('unit-mocks').include).toContain('test/bus/spill-write-failure.test.ts');
    expect(project('unit').exclude).toContain('test/bus/spill-write-failure.test.ts');
    expect(project('unit').exclude).not.toContain('test/support/run-tests.test.ts');
    for (const file of [project('unit-mocks').include!].flat()) expect(mocksAModule(readFileSync(file, 'utf8'))).toBe(true);
    expect(mocksAModule("import x from 'y';\n  vi.mock('node:fs', async () => ({}));")).toBe(true);
    expect(mocksAModule('vi.mocked(x)')).toBe(false);
    // Only code: this file names it in strings, and shares the graph.
    expect(mocksAModule("expect(f(\"vi.mock('node:fs')\"))")).toBe(false);
  });

  it('the kafka and questdb files share a module graph per worker too, so none of them may mock a module', () => {
    expect(project('kafka').isolate).toBe(false);
    expect(project('questdb').isolate).toBe(false);
    const tests = new URL('..', import.meta.url).pathname;
    const servers = readdirSync(tests, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(kafka|questdb)\.test\.ts$/.test(f))
      .map((f) => join(tests, f));
    expect(servers.length).toBeGreaterThan(30);
    expect(servers.filter((f) => mocksAModule(readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('the cli files keep a process each (shared with the unit files, the side ran ≈ 20 s longer)', () => {
    expect(project('cli').isolate).toBeUndefined();
  });

  it('every file the sequencer starts first exists, once (a renamed file would silently lose its place)', () => {
    const root = new URL('../..', import.meta.url).pathname;
    expect(LONGEST_FIRST.filter((path) => !existsSync(join(root, path)) || !path.endsWith('.test.ts'))).toEqual([]);
    expect(new Set(LONGEST_FIRST).size).toBe(LONGEST_FIRST.length);
  });

  it('finds a mock call however it is written, and none in comments or strings', () => {
    // Each missed before (a call at the start of a line, on `vi`, only): in the shared graph its mock was not in place
    // for a module an earlier file had imported, and stayed in place for the files after it (seen with vitest.mock).
    for (const source of [
      "import { it, vitest } from 'vitest';\nvitest.mock('node:fs');",
      "import { vi as v } from 'vitest';\nv.doMock('node:fs', () => ({}));",
      "const { vi: w } = await import('vitest');\nw.mock('node:fs');",
      "import x from 'y'; vi.mock('node:fs');",
      "if (x) vi.doMock('node:fs');",
      "vi\n  .mock('node:fs');",
    ])
      expect([source, mocksAModule(source)]).toEqual([source, true]);
    // Matched before, at the start of a line: in a block comment, in a template string.
    for (const source of ["/*\n  vi.mock('node:fs') would not do here\n*/", "const text = `\nvi.mock('node:fs')\n`;", "// vi.mock('x')", "devi.mock('x')", "x.vi.mock('x')"])
      expect([source, mocksAModule(source)]).toEqual([source, false]);
  });
});

describe('npm test stopped by a signal (test/support/run-tests.sh)', () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const [signal, othersDone] of [['SIGTERM', false], ['SIGINT', false], ['SIGTERM', true]] as const) {
    it(`${signal} to the shell alone (a CI timeout)${othersDone ? ', once the others side passed,' : ''} stops the vitest processes, waits for the servers side to end, prints it, fails`, async () => {
      const dir = tempDir('run-tests-signal-');
      const stub = (name: string, body: string) => {
        writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(dir, name), 0o755);
      };
      stub('tsc', 'exit 0');
      stub('bundle', 'exit 0');
      // Each side writes its pid, then runs as long as a test run would (a server side: until its broker stops).
      // The servers side, like vitest stopping a broker on SIGTERM, takes a while to end and says so last.
      stub(
        'vitest',
        [
          'echo $$ > "$STUB_DIR/pid.$TEST_GROUP"',
          'echo "$TEST_GROUP started"',
          `[ "$TEST_GROUP" = others ] && ${othersDone ? 'exit 0' : 'exec sleep 60'}`,
          "trap 'sleep 0.3; echo \"servers stopped its broker\"; exit 143' TERM",
          'sleep 60 & wait',
        ].join('\n'),
      );
      const { spawn } = await import('node:child_process');
      const child = spawn('sh', [SCRIPT], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, TSC: join(dir, 'tsc'), BUNDLE_CLI: join(dir, 'bundle'), STUB_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // Once written whole: the file is there (empty) before echo writes, and Number('') is 0, a pid that is always
      // alive (this loop never ended: the test timed out) and that `kill` takes for this process's whole group.
      const pidOf = (side: string) => {
        const text = existsSync(join(dir, `pid.${side}`)) ? readFileSync(join(dir, `pid.${side}`), 'utf8') : '';
        return /^[1-9][0-9]*\n$/.test(text) ? Number(text) : undefined;
      };
      for (let i = 0; pidOf('servers') === undefined || pidOf('others') === undefined; i++) {
        if (i > 400) throw new Error('the two sides never started');
        await new Promise((r) => setTimeout(r, 25));
      }
      const pids = [pidOf('servers')!, pidOf('others')!];
      if (othersDone) while (alive(pids[1]!)) await new Promise((r) => setTimeout(r, 20));
      child.kill(signal);
      const code = await exited;
      for (let i = 0; pids.some(alive) && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
      try {
        expect(pids.filter(alive)).toEqual([]);
        expect(code).not.toBe(0);
        expect(stdout).toContain('(exit status 143)');
        expect(stdout).toContain('servers started');
        expect(stdout).toContain('servers stopped its broker');
      } finally {
        for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
      }
    });
  }
});
