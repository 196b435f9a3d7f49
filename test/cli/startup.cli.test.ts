import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'liqstream-startup-'));
const ROOT = new URL('../../', import.meta.url).href;
const BUNDLE = new URL('.', `file://${CLI}`).href;
const BUNDLED = JSON.parse(readFileSync(new URL('modules.json', BUNDLE), 'utf8')) as Record<string, string[]>;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every module URL a CLI run loads, from a module-resolution hook registered before the CLI starts. */
function loadedModules(args: string[]): { status: number | null; urls: string[] } {
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, 'export async function resolve(s, c, next) { const r = await next(s, c); process._rawDebug("LOADED " + r.url); return r; }\n');
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${hooks}`).href)});\n`);
  const r = spawnSync(process.execPath, ['--import', register, CLI, ...args], { encoding: 'utf8', env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'error' } });
  const urls = r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7));
  // A file of the CLI's bundle stands for the modules bundled into it (scripts/bundle/cli.mjs lists them).
  return { status: r.status, urls: urls.flatMap((u) => (u.startsWith(BUNDLE) ? (BUNDLED[u.slice(BUNDLE.length)] ?? [u]).map((m) => `${ROOT}${m}`) : [u])) };
}

const packages = (urls: string[]) => [...new Set(urls.flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1] ?? []))].sort();

describe('start-up loads only what the command needs', () => {
  it('--version loads no package but commander', () => {
    const { status, urls } = loadedModules(['--version']);
    expect(status).toBe(0);
    expect(packages(urls)).toEqual(['commander']);
  });

  // The venue modules are loaded (the config's venues blocks are each module's own schema, so a typo fails
  // every command), but compile their validators only when a frame of theirs arrives (compileValidator).
  it('replay of an empty file loads neither ccxt, Kafka, WebSocket, the pretty-printer, LZ4, DuckDB, the simulator nor the services', () => {
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    const { status, urls } = loadedModules(['replay', empty]);
    expect(status).toBe(0);
    const loaded = packages(urls);
    for (const absent of ['ccxt', 'kafkajs', 'ws', 'pino-pretty', 'lz4-napi', '@duckdb/node-api']) expect(loaded).not.toContain(absent);
    expect(loaded).toEqual(expect.arrayContaining(['commander', 'zod', 'pino', 'prom-client']));
    expect(urls.filter((u) => /\/src\/(simulate\/write|service|web|bus\/kafka-bus|sinks\/store\/(?!config))/.test(u))).toEqual([]);
  });
});
