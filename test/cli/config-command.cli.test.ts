import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Config } from '../../src/config/schema.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/recording.js';

describe('liqstream config', () => {
  it('prints every default, the schema being their one source', async () => {
    const { code, stdout } = await runCli(['config']);
    expect(code).toBe(0);
    const defaults = JSON.parse(JSON.stringify(Config.parse({}))) as Config;
    // Secrets are masked even when they are a default (QuestDB's stock password).
    defaults.store.questdb.password = '***';
    expect(parse(stdout)).toEqual(defaults);
  });

  it('prints a file and the environment merged over them, secrets masked', async () => {
    const file = join(tempDir(), 'c.yaml');
    writeFileSync(file, 'metrics: { port: 9500 }\ncascade: { floorUsd: 1000000 }\n');
    const { code, stdout } = await runCli(['config', '--config', file], {
      LIQSTREAM_BUS__KAFKA__SASL__MECHANISM: 'plain',
      LIQSTREAM_BUS__KAFKA__SASL__USERNAME: 'u',
      LIQSTREAM_BUS__KAFKA__SASL__PASSWORD: 'hunter2',
    });
    expect(code).toBe(0);
    const printed = parse(stdout) as Config;
    expect(printed.metrics.port).toBe(9500);
    expect(printed.cascade.floorUsd).toBe(1_000_000);
    expect(printed.bus.kafka.sasl).toMatchObject({ username: 'u', password: '***' });
    expect(stdout).not.toContain('hunter2');
  });
});
