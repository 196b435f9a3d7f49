import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/recording.js';

describe('log format', () => {
  it('JSON lines when stderr is not a terminal, readable lines with --log-format pretty or log.format, redacted either way', async () => {
    const rec = join(tempDir(), 'r.ndjson');
    writeFileSync(rec, '{"recv":1,"venue":"binance-usdm","frame":"wss://user:secret@example.invalid/x?token=abc"}\n');
    const env = { LIQSTREAM_LOG_LEVEL: 'warn' };
    const json = await runCli(['replay', rec], env);
    const line = json.stderr.split('\n').find((l) => l.includes('bad frame'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 40, msg: 'bad frame', venue: 'binance-usdm', reason: 'invalid JSON' });

    for (const pretty of [await runCli(['replay', rec, '--log-format', 'pretty'], env), await runCli(['replay', rec], { ...env, LIQSTREAM_LOG__FORMAT: 'pretty' })]) {
      expect(pretty.code).toBe(0);
      expect(pretty.stderr).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z\] WARN: bad frame\n {4}venue: "binance-usdm"\n/m);
      expect(pretty.stderr).not.toContain('{"level"');
      expect(pretty.stderr).not.toContain('secret');
      expect(pretty.stderr).not.toContain('token=abc');
    }
    expect((await runCli(['replay', rec, '--log-format', 'xml'], env)).code).toBe(2);
  });
});
