import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './recording.js';
import { findTool, requireTools, TEST_TOOLS } from './tools.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('tests that need an installed tool', () => {
  it('a missing tool fails at once, naming it and the command that installs it', () => {
    const empty = tempDir('no-tools-');
    const started = performance.now();
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      expect(() => requireTools('prometheus', 'prometheus-alertmanager')).toThrow(
        'prometheus, prometheus-alertmanager are not installed (not on PATH) and this test needs them: run `bash .ci/run` (installs every tool the tests need, then runs them) or `apt-get install prometheus prometheus-alertmanager`',
      );
    } finally {
      process.env.PATH = saved;
    }
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('finds an executable on PATH, not a plain file of the same name', () => {
    const a = tempDir('tools-a-');
    const b = tempDir('tools-b-');
    writeFileSync(join(a, 'lz4'), 'not executable');
    writeFileSync(join(b, 'lz4'), '#!/bin/sh\n');
    chmodSync(join(b, 'lz4'), 0o755);
    expect(findTool('lz4', `${a}:${b}`)).toBe(join(b, 'lz4'));
    expect(findTool('lz4', a)).toBeUndefined();
  });

  it('every test runs these tools through requireTool/requireTools (or runTool), never by name alone', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !/tools\.(test\.)?ts$/.test(p)) files.push(p);
      }
    };
    walk(join(ROOT, 'test'));
    const names = Object.keys(TEST_TOOLS).map((t) => t.replace(/[-]/g, '\\-')).join('|');
    // spawn('promtool', …), execFileSync("lz4", …), spawnSync(`java`, …): a tool started by its bare name.
    const bare = new RegExp(`\\b(spawn|spawnSync|execFile|execFileSync|run|start)\\(\\s*['"\`](${names})['"\`]`);
    const offenders = files.filter((f) => bare.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it('`npm test` checks first: with none of them on PATH it names every one and how to install them, and exits 1', () => {
    const bin = tempDir('node-only-');
    symlinkSync(process.execPath, join(bin, 'node'));
    let out = '';
    let status = 0;
    try {
      execFileSync(join(bin, 'node'), [join(ROOT, 'test/support/test-tools.mjs')], { env: { PATH: bin, KAFKA_HOME_DIR: bin }, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      status = (err as { status: number }).status;
      out = String((err as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(1);
    expect(out).toBe(
      'npm test: not installed (not on PATH): promtool, prometheus, prometheus-alertmanager, amtool, chromium, lz4, java, mvn, openssl. The tests need them: run `bash .ci/run` (installs every tool the tests need, then runs them) or `apt-get install prometheus prometheus-alertmanager chromium lz4 openjdk-17-jre-headless maven openssl`.\n',
    );
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.test).toMatch(/^node test\/support\/test-tools\.mjs && /);
  });

  it('Maven is needed while either the Kafka or the QuestDB jars are not fetched', () => {
    const bin = tempDir('node-only-');
    symlinkSync(process.execPath, join(bin, 'node'));
    const kafka = tempDir('kafka-home-');
    mkdirSync(join(kafka, '3.9.1', 'libs'), { recursive: true });
    writeFileSync(join(kafka, '3.9.1', 'libs', '.complete'), '');
    const questdb = tempDir('questdb-home-');
    const missing = (env: Record<string, string>) => {
      try {
        execFileSync(join(bin, 'node'), [join(ROOT, 'test/support/test-tools.mjs')], { env: { PATH: bin, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
        return '';
      } catch (err) {
        return String((err as { stderr: Buffer }).stderr).split(':')[2]!.split('.')[0]!;
      }
    };
    expect(missing({ KAFKA_HOME_DIR: kafka, QUESTDB_HOME_DIR: questdb })).toContain('mvn');
    mkdirSync(join(questdb, '9.0.3', 'libs'), { recursive: true });
    writeFileSync(join(questdb, '9.0.3', 'libs', '.complete'), '');
    expect(missing({ KAFKA_HOME_DIR: kafka, QUESTDB_HOME_DIR: questdb })).not.toContain('mvn');
  });
});
