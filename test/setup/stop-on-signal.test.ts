import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/recording.js';
import { stopOnSignal } from './stop-on-signal.mjs';

const HELPER = new URL('./stop-on-signal.mjs', import.meta.url).href;

describe('stopOnSignal (the Kafka and QuestDB global setups)', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to a process that exits on it as vitest does (no teardowns) still stops the server, once`, async () => {
      const dir = tempDir('stop-on-signal-');
      const log = join(dir, 'stopped.log');
      // vitest's own listener: exit on a 1 ms timer, without running global teardowns.
      const script = `
        import { appendFileSync } from 'node:fs';
        const { stopOnSignal } = await import(${JSON.stringify(HELPER)});
        process.once('SIGINT', () => setTimeout(() => process.exit(130), 1));
        process.once('SIGTERM', () => setTimeout(() => process.exit(143), 1));
        stopOnSignal(() => appendFileSync(${JSON.stringify(log)}, 'stopped\\n'));
        setInterval(() => {}, 1000);
        console.log('ready');`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill(signal);
      expect(await exited).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toBe('stopped\n');
    });
  }

  it('the teardown stops once and takes its listeners away', () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    let stops = 0;
    const teardown = stopOnSignal(() => (stops += 1));
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual([before[0]! + 1, before[1]! + 1]);
    teardown();
    teardown();
    expect(stops).toBe(1);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});
