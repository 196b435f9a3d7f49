import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compressFrameSync } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { NODE_FILLS_V8_FLAGS } from '../../src/cli/heap-flags.js';
import { CLI, runCli } from '../support/cli.js';
import { fixture } from '../support/fixtures.js';
import { tempDir } from '../support/recording.js';

/** Node fill lines from the samples: a counterparty fill (not counted), the liquidated account's fills, an ADL fill. */
function nodeFillsLines(): string[] {
  const counterparty = JSON.parse(fixture('hyperliquid-node-fills-by-block-1.json')) as { events: [string, { liquidation: { liquidatedUser: string } }][] };
  const liquidated = structuredClone(counterparty);
  liquidated.events[0]![0] = liquidated.events[0]![1].liquidation.liquidatedUser;
  // The backstop fill (from another day's docs sample) timed in the block that carries it here: an event time
  // months past its block's local time would be refused (limits.maxAheadMs).
  const backstop = { ...(JSON.parse(fixture('hyperliquid-fill-backstop-1.json')) as { liquidation: { liquidatedUser: string }; time: number }), time: Date.parse('2026-06-28T08:44:02Z') };
  const block = (n: number, events: unknown[]) => JSON.stringify({ local_time: `2026-06-28T08:44:0${n}.100000000`, block_time: `2026-06-28T08:44:0${n}.000000000`, block_number: 1052527680 + n, events });
  const adl = { ...backstop, dir: 'Auto-Deleveraging', tid: 1, startPosition: '0.5' };
  return [
    JSON.stringify(counterparty),
    block(1, [liquidated.events[0]]),
    block(2, [[backstop.liquidation.liquidatedUser, backstop], ['0x00000000000000000000000000000000000000aa', adl]]),
  ];
}

describe('replay --format hyperliquid-node-fills', () => {
  it('plain and .lz4 node-fills files give the same exact totals', async () => {
    const dir = tempDir();
    const text = `${nodeFillsLines().join('\n')}\n`;
    const plain = join(dir, '8');
    writeFileSync(plain, text);
    const lz4 = join(dir, '8.lz4');
    writeFileSync(lz4, compressFrameSync(Buffer.from(text)));
    const reports = [];
    for (const file of [plain, lz4]) {
      const r = await runCli(['replay', file, '--format', 'hyperliquid-node-fills', '--speed', 'max'], { LIQSTREAM_LOG_LEVEL: 'error' });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      reports.push(JSON.parse(r.stdout) as { totals: Record<string, unknown>; input: { frames: number; badFrames: number } });
    }
    const [a, b] = reports;
    expect(a!.totals).toEqual(b!.totals);
    // 0.58 SOL at 72.153 and 0.07905 BTC at 86,006.0 (backstop), both shorts; the counterparty and ADL fills are not liquidations.
    expect(a!.totals).toEqual({
      usd: 6840.623,
      count: 2,
      // Node fills show every liquidation: complete, not a lower bound (the public source would be).
      lowerBound: false,
      byVenue: { hyperliquid: { longUsd: 0, shortUsd: 6840.623, count: 2, lowerBound: false } },
      adl: { hyperliquid: { longUsd: 6798.7743, shortUsd: 0, count: 1 } },
      gaps: 0,
    });
    expect(a!.input).toMatchObject({ frames: 3, badFrames: 0 });
  });

  /** Every node process the CLI starts appends its pid, parent and V8 flags to `log` (NODE_OPTIONS, inherited). */
  function processLog(dir: string): { env: NodeJS.ProcessEnv; read: () => { pid: number; ppid: number; execArgv: string[] }[] } {
    const log = join(dir, 'processes.ndjson');
    const preload = join(dir, 'log-process.mjs');
    writeFileSync(preload, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(log)}, JSON.stringify({ pid: process.pid, ppid: process.ppid, execArgv: process.execArgv }) + '\\n');\n`);
    writeFileSync(log, '');
    return {
      env: { NODE_OPTIONS: `--import ${preload}`, LIQSTREAM_LOG_LEVEL: 'error' },
      read: () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { pid: number; ppid: number; execArgv: string[] }),
    };
  }

  it('runs under its own V8 heap flags (docs/venues/hyperliquid.md), with the same report, exit code and output', async () => {
    const dir = tempDir();
    const plain = join(dir, '8');
    writeFileSync(plain, `${nodeFillsLines().join('\n')}\n`);
    const processes = processLog(dir);
    const r = await runCli(['replay', plain, '--format', 'hyperliquid-node-fills'], processes.env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { totals: { usd: number; count: number } }).totals).toMatchObject({ usd: 6840.623, count: 2 });
    // The CLI as started (no flags), then the replay itself, its child, under the node-fills flags.
    const [first, second, ...more] = processes.read();
    expect(more).toEqual([]);
    expect(first!.execArgv).toEqual([]);
    expect(second!.execArgv).toEqual(NODE_FILLS_V8_FLAGS);
    expect(second!.ppid).toBe(first!.pid);

    // A failing replay fails the same way, its message said once.
    const missing = await runCli(['replay', join(dir, 'none'), '--format=hyperliquid-node-fills'], { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(missing.code).toBe(1);
    expect(missing.stderr.match(/^liqstream: /gm)).toHaveLength(1);

    // Other formats run in the process started.
    const before = processes.read().length;
    await runCli(['replay', join(dir, 'none.ndjson')], processes.env);
    expect(processes.read().length - before).toBe(1);
  });

  it('passes a SIGTERM on: the child ends its --linger normally and the CLI exits 0', async () => {
    const dir = tempDir();
    const plain = join(dir, '8');
    writeFileSync(plain, `${nodeFillsLines().join('\n')}\n`);
    const processes = processLog(dir);
    const cli = spawn(process.execPath, ['--max-semi-space-size=64', CLI, 'replay', plain, '--format', 'hyperliquid-node-fills', '--summary', '--metrics-port', '0', '--linger', '60'], {
      env: { ...process.env, ...processes.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const exit = new Promise<[number | null, string | null]>((resolve) => cli.on('exit', (code, signal) => resolve([code, signal])));
    // The summary is written just before the linger starts (a second is ample for it to have).
    cli.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('cascade episodes')) setTimeout(() => cli.kill('SIGTERM'), 1000);
    });
    const ended = await exit;
    const replaying = processes.read()[1]!;
    try {
      expect(ended).toEqual([0, null]);
      expect(replaying.execArgv).toEqual(NODE_FILLS_V8_FLAGS);
      // The replay itself has ended too (not left lingering without its parent).
      expect(() => process.kill(replaying.pid, 0)).toThrow(/ESRCH/);
    } finally {
      try {
        process.kill(replaying.pid, 'SIGKILL');
      } catch {
        // ended, as it should have
      }
    }
  });
});
