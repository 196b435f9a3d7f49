import { describe, expect, it } from 'vitest';
import { loadConfig, maskSecrets } from '../../src/config/load.js';

describe('store.kind questdb configuration', () => {
  it('defaults to QuestDB’s own ports and credentials; `liqstream config` prints the password masked', () => {
    const config = loadConfig({ env: { LIQSTREAM_STORE__KIND: 'questdb', LIQSTREAM_STORE__QUESTDB__PASSWORD: 's3cret-0123' } });
    expect(config.store.kind).toBe('questdb');
    expect([config.store.questdb.http, config.store.questdb.pg, config.store.questdb.username]).toEqual(['127.0.0.1:9000', '127.0.0.1:8812', 'admin']);
    // A secret is taken verbatim, not as YAML (0123 would become a number).
    expect(config.store.questdb.password).toBe('s3cret-0123');
    const printed = JSON.stringify(maskSecrets(config));
    expect(printed).not.toContain('s3cret');
    expect(maskSecrets(config).store.questdb.password).toBe('***');
  });

  it('refuses an unknown kind and an address that is not host:port', () => {
    expect(() => loadConfig({ env: { LIQSTREAM_STORE__KIND: 'clickhouse' } })).toThrow(/store\.kind/);
    expect(() => loadConfig({ env: { LIQSTREAM_STORE__QUESTDB__HTTP: 'http://q:9000/x' } })).toThrow(/store\.questdb\.http: expected host:port/);
  });
});
