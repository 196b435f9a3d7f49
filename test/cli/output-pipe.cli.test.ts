import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { tempDir } from '../support/recording.js';
import { freePort } from '../support/free-port.js';

const run = promisify(execFile);
const SAMPLES = new URL('../../examples/binance-docs-samples.ndjson', import.meta.url).pathname;

/** Runs a bash pipeline; returns what it wrote to stdout and the liqstream side's exit status. */
async function pipeline(script: string): Promise<{ stdout: string; status: number; ms: number }> {
  const started = Date.now();
  // A real pipe, closed by its reader early (head), not the sockets Node's spawn uses.
  const { stdout } = await run('bash', ['-c', `${script}; echo "status=\${PIPESTATUS[0]}"`], { env: { ...process.env, CLI, SAMPLES }, timeout: 45_000 });
  const status = Number(/status=(\d+)\s*$/.exec(stdout)![1]);
  return { stdout: stdout.replace(/status=\d+\s*$/, ''), status, ms: Date.now() - started };
}

describe('a closed output pipe', () => {
  it('`replay BADFILE --summary 2>&1 | head -1` ends at once, quietly (exit 141), after its first line', async () => {
    const dir = tempDir('liqstream-pipe-');
    // Enough warnings to overflow the pipe (64 KiB) many times over, so that the replay is still writing when head has
    // gone however the host schedules them: a file logs at most 10 bad lines (then one line saying how many more), so
    // 300 files (≈ 490 KB). With one file of 5,000 lines (1.8 KB of output) a loaded host let the replay finish first (exit 1).
    for (let f = 0; f < 300; f++) writeFileSync(join(dir, `bad${f}.ndjson`), Array.from({ length: 12 }, (_, i) => `garbage ${i}\n`).join(''));
    const r = await pipeline(`node "$CLI" replay "${dir}"/bad*.ndjson --summary 2>&1 | head -1`);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain('bad recording line');
    expect(r.status).toBe(141);
  });

  it('a summary written into a pipe its reader already closed: exit 141 and nothing on stderr', async () => {
    const dir = tempDir('liqstream-pipe-');
    const err = join(dir, 'stderr.txt');
    // `true` exits before node has started (a second later, on a loaded host too), so the summary meets a closed pipe.
    const r = await pipeline(`{ sleep 1; LIQSTREAM_LOG_LEVEL=error node "$CLI" replay "$SAMPLES" --summary 2>"${err}"; } | true`);
    expect(r.status).toBe(141);
    expect(readFileSync(err, 'utf8')).toBe('');
  });
});

describe('replay --linger', () => {
  it('writes the report and prints the summary before lingering; Ctrl-C during the linger keeps both and exits 0', async () => {
    const dir = tempDir('liqstream-linger-');
    const report = join(dir, 'report.json');
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'replay', SAMPLES, '--summary', '--report', report, '--metrics-port', String(port), '--linger', '600'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'error' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // The summary arrives while the replay lingers (600 s), not after. (45 s: the process's start alone takes seconds
    // on a loaded 2-core host.)
    const deadline = Date.now() + 45_000;
    while (!stdout.includes('liquidations:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(stdout).toContain('liquidations:');
    expect(existsSync(report)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect((JSON.parse(readFileSync(report, 'utf8')) as { totals: { usd: number; count: number } }).totals).toMatchObject({ usd: 50646.7389, count: 4 });
  });
});
