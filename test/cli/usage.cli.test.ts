import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/recording.js';

const SAMPLES = new URL('../../examples/binance-docs-samples.ndjson', import.meta.url).pathname;

/** Every wrong argument or setting: exit 2 and one line that names it, before anything runs. */
describe('usage errors exit 2 and name what is wrong', () => {
  it('replay --speed fast', async () => {
    const r = await runCli(['replay', SAMPLES, '--speed', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('liqstream: --speed must be "max" or a positive number, got "fast"\n');
  });

  it('record --kafka: record never uses a bus, so the flag is refused instead of ignored', async () => {
    const r = await runCli(['record', '--out', tempDir(), '--kafka', '127.0.0.1:9092']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--kafka'");
  });

  it.each(['run', 'connect', 'record'])('%s --venues with an unknown id', async (command) => {
    const r = await runCli([command, '--venues', 'bybit-linear,binance-spot', ...(command === 'record' ? ['--out', tempDir()] : []), ...(command === 'connect' ? ['--kafka', '127.0.0.1:1'] : [])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^liqstream: --venues: unknown venue "binance-spot" \(known: binance-usdm, .*; see liqstream venues\)\n$/);
  });

  it('aggregate has no --venues (it runs no connectors)', async () => {
    const r = await runCli(['aggregate', '--venues', 'okx', '--kafka', '127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--venues'");
  });

  it('a YAML syntax error in --config names the file, line and column', async () => {
    const file = join(tempDir(), 'my.yaml');
    writeFileSync(file, 'metrics:\n  port: [1\n');
    const r = await runCli(['run', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`config file ${file}:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]\n`);
  });
});
