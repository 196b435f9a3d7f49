import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig, maskSecrets } from '../../src/config/load.js';
import { Config } from '../../src/config/schema.js';
import { tempDir } from '../support/recording.js';

const NO_ENV = {};
function fileWith(tree: object): string {
  const path = join(tempDir(), 'config.yaml');
  writeFileSync(path, stringify(tree));
  return path;
}
const errorOf = (load: () => unknown): string => {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the config loaded');
};

describe('an unknown key fails at every level, naming its full path', () => {
  it.each([
    ['root', { colour: 'blue' }, 'colour'],
    ['section', { aggregator: { foo: 1 } }, 'aggregator.foo'],
    ['log', { log: { lvl: 'info' } }, 'log.lvl'],
    ['cascade', { cascade: { multipel: 8 } }, 'cascade.multipel'],
    ['nested section', { connection: { backoff: { initalMs: 5 } } }, 'connection.backoff.initalMs'],
    ['bus.kafka', { bus: { kafka: { sasll: {} } } }, 'bus.kafka.sasll'],
    ['bus.kafka.sasl', { bus: { kafka: { sasl: { mechanism: 'plain', username: 'u', password: 'p', passwd: 'p' } } } }, 'bus.kafka.sasl.passwd'],
    ['bus.kafka.ssl (no switch to skip verification)', { bus: { kafka: { ssl: { rejectUnauthorized: false } } } }, 'bus.kafka.ssl.rejectUnauthorized'],
    ['bus.topics', { bus: { topics: { liquidation: 'x' } } }, 'bus.topics.liquidation'],
    ['a venue id', { venues: { 'binance-spot': { enabled: true } } }, 'venues.binance-spot'],
    ['a venue', { venues: { hyperliquid: { nodedir: '/data' } } }, 'venues.hyperliquid.nodedir'],
  ])('%s', (_level, tree, path) => {
    expect(errorOf(() => loadConfig({ file: fileWith(tree), env: NO_ENV }))).toBe(`config error: ${path}: unknown key`);
  });

  it('from the environment too: a misspelt variable is an error, not ignored', () => {
    expect(errorOf(() => loadConfig({ env: { LIQSTREAM_BUS__KAFKA__SASLL__PASSWORD: 'x' } }))).toBe('config error: bus.kafka.sasll: unknown key');
    expect(errorOf(() => loadConfig({ env: { LIQSTREAM_VENUES__HYPERLIQUID__NODEDIR: '/d' } }))).toBe('config error: venues.hyperliquid.nodedir: unknown key');
  });

  it('a wrong value inside the security settings names its path', () => {
    const sasl = { mechanism: 'kerberos', username: 'u', password: 'p' };
    expect(errorOf(() => loadConfig({ file: fileWith({ bus: { kafka: { sasl } } }), env: NO_ENV }))).toMatch(/^config error: bus\.kafka\.sasl\.mechanism: /);
  });
});

describe('Kafka security from the environment', () => {
  it('takes every field, and a secret verbatim even when it reads as another YAML type', () => {
    const config = loadConfig({
      env: {
        LIQSTREAM_BUS__KAFKA__SASL__MECHANISM: 'scram-sha-256',
        LIQSTREAM_BUS__KAFKA__SASL__USERNAME: 'liqstream',
        LIQSTREAM_BUS__KAFKA__SASL__PASSWORD: '007',
        LIQSTREAM_BUS__KAFKA__SSL__CA_FILE: '/etc/kafka/ca.pem',
        LIQSTREAM_BUS__KAFKA__SSL__CERT_FILE: '/etc/kafka/client.pem',
        LIQSTREAM_BUS__KAFKA__SSL__KEY_FILE: '/etc/kafka/client.key',
        LIQSTREAM_BUS__KAFKA__SSL__KEY_PASSPHRASE: 'true',
      },
    });
    expect(config.bus.kafka.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'liqstream', password: '007' });
    expect(config.bus.kafka.ssl).toEqual({ enabled: true, caFile: '/etc/kafka/ca.pem', certFile: '/etc/kafka/client.pem', keyFile: '/etc/kafka/client.key', keyPassphrase: 'true' });
  });

  it('overrides a file: the password from the environment, the rest from YAML', () => {
    const file = fileWith({ bus: { kafka: { sasl: { mechanism: 'plain', username: 'u' } } } });
    expect(errorOf(() => loadConfig({ file, env: NO_ENV }))).toBe('config error: bus.kafka.sasl.password: set exactly one of password and passwordFile');
    expect(loadConfig({ file, env: { LIQSTREAM_BUS__KAFKA__SASL__PASSWORD: 's3cret' } }).bus.kafka.sasl?.password).toBe('s3cret');
  });
});

describe('the documentation and the loader agree', () => {
  // Every `LIQSTREAM_…=value` example in the README and docs/ must load and change the configuration.
  const docs = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
  const examples = docs.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/`(LIQSTREAM_[A-Z0-9_]+)=('[^']*'|[^`\s]+)`/g)].map((m) => ({ file, name: m[1]!, value: m[2]!.replace(/^'(.*)'$/, '$1') })),
  );
  // A setting that is only valid with others (a SASL password needs a mechanism and a user) is loaded
  // over those companions, and must change the configuration they make on their own.
  const companions = (name: string): Record<string, string> =>
    name.startsWith('LIQSTREAM_BUS__KAFKA__SASL__')
      ? { LIQSTREAM_BUS__KAFKA__SASL__MECHANISM: 'plain', LIQSTREAM_BUS__KAFKA__SASL__USERNAME: 'u', LIQSTREAM_BUS__KAFKA__SASL__PASSWORD: 'p' }
      : {};

  it('finds the examples', () => {
    expect(examples.map((e) => e.name)).toEqual(expect.arrayContaining(['LIQSTREAM_METRICS__PORT', 'LIQSTREAM_VENUES__BINANCE_COINM__ENABLED', 'LIQSTREAM_BUS__KAFKA__SASL__PASSWORD']));
  });

  it.each(examples.map((e) => [`${e.file}: ${e.name}=${e.value}`, e] as const))('%s', (_label, e) => {
    const base = companions(e.name);
    expect(JSON.stringify(loadConfig({ env: { ...base, [e.name]: e.value } }))).not.toBe(JSON.stringify(loadConfig({ env: base })));
  });
});

describe('defaults are stated once, in the schema', () => {
  it('a config with nothing set is the schema with nothing set: no defaults file, no second source', () => {
    expect(loadConfig({ env: {} })).toEqual(Config.parse({}));
    expect(readdirSync('.')).not.toContain('config');
  });

  it('settings the old defaults file and the schema disagreed on have one value (bus.kafka.partitions 6)', () => {
    expect(loadConfig({ env: {} }).bus.kafka.partitions).toBe(6);
  });

  it('the printed configuration masks every password and passphrase', () => {
    const config = loadConfig({
      env: { LIQSTREAM_BUS__KAFKA__SASL__MECHANISM: 'plain', LIQSTREAM_BUS__KAFKA__SASL__USERNAME: 'u', LIQSTREAM_BUS__KAFKA__SASL__PASSWORD: 's3cret' },
    });
    const printed = JSON.stringify(maskSecrets(config));
    expect(printed).not.toContain('s3cret');
    expect(printed).toContain('"password":"***"');
    expect(config.bus.kafka.sasl).toMatchObject({ password: 's3cret' });
  });

  it('the printed configuration drops credentials in URLs (user info, key-like query values), as the log does', () => {
    const config = loadConfig({
      env: {
        LIQSTREAM_VENUES__OKX__URL: 'wss://user:hunter2@ws.okx.example/ws/v5/public?apikey=k3y&x=1',
        LIQSTREAM_VENUES__OKX__REST_URL: 'https://www.okx.example/api?token=t0ken',
        LIQSTREAM_VENUES__HYPERLIQUID__FILLS_URL: 'wss://fills.example/ws?access_key=a5e',
      },
    });
    const printed = maskSecrets(config);
    const text = JSON.stringify(printed);
    for (const secret of ['hunter2', 'k3y', 't0ken', 'a5e', 'user:']) expect(text).not.toContain(secret);
    expect(printed.venues.okx!.url).toBe('wss://REDACTED@ws.okx.example/ws/v5/public?apikey=REDACTED&x=1');
    expect(printed.venues.okx!.restUrl).toBe('https://www.okx.example/api?token=REDACTED');
    expect(config.venues.okx!.url).toContain('hunter2');
  });
});

describe('a YAML syntax error names the file, line and column', () => {
  it('config file PATH:LINE:COL: invalid YAML: …', () => {
    const path = join(tempDir(), 'broken.yaml');
    writeFileSync(path, 'metrics:\n  port: 9464\n  host: [127.0.0.1\nlog: {}\n');
    const msg = errorOf(() => loadConfig({ file: path, env: NO_ENV }));
    expect(msg).toMatch(new RegExp(`^config file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:1: invalid YAML: Flow sequence`));
    expect(msg).not.toContain('\n');
  });
  it('a duplicate key is named the same way', () => {
    const path = join(tempDir(), 'dup.yaml');
    writeFileSync(path, 'log: {}\nlog: {}\n');
    expect(errorOf(() => loadConfig({ file: path, env: NO_ENV }))).toBe(`config file ${path}:2:1: invalid YAML: Map keys must be unique`);
  });
});

describe('onlyVenues: the venue allow-list', () => {
  const enabled = (c: ReturnType<typeof loadConfig>) => Object.entries(c.venues).filter(([, v]) => v.enabled).map(([id]) => id);
  it('absent (the default): every venue not disabled runs', () => {
    const c = loadConfig({ env: NO_ENV });
    expect(c.onlyVenues).toBeUndefined();
    expect(enabled(c)).toHaveLength(Object.keys(c.venues).length);
  });
  it('given: exactly the listed venues run, whatever the order', () => {
    const c = loadConfig({ file: fileWith({ onlyVenues: ['hyperliquid', 'bybit-linear'] }), env: NO_ENV });
    expect(enabled(c)).toEqual(['bybit-linear', 'hyperliquid']);
  });
  it('from the environment, as a YAML list', () => {
    expect(enabled(loadConfig({ env: { LIQSTREAM_ONLY_VENUES: '[okx]' } }))).toEqual(['okx']);
  });
  it('an unknown id is refused, naming it', () => {
    expect(errorOf(() => loadConfig({ file: fileWith({ onlyVenues: ['okx', 'binance-spot'] }), env: NO_ENV }))).toMatch(/^config error: onlyVenues\.1: unknown venue "binance-spot" \(known: binance-usdm, /);
  });
  it('an empty list is refused (it would run nothing)', () => {
    expect(errorOf(() => loadConfig({ file: fileWith({ onlyVenues: [] }), env: NO_ENV }))).toMatch(/^config error: onlyVenues: /);
  });
  it('a listed venue that its block disables is refused, not silently one or the other', () => {
    expect(errorOf(() => loadConfig({ file: fileWith({ onlyVenues: ['okx'], venues: { okx: { enabled: false } } }), env: NO_ENV }))).toBe(
      'config error: onlyVenues: "okx" is listed but venues.okx.enabled is false',
    );
  });
});

// Review: node turns a timer delay over 2^31-1 ms into 1 ms (TimeoutOverflowWarning): `connection.backoff.maxMs: 3e9`
// reconnected to the venue every millisecond and `store.flushMs: 1e15` committed every millisecond.
describe('durations that become timers are refused above 2^31-1 ms, naming the key', () => {
  it.each([
    [{ connection: { backoff: { maxMs: 3e9 } } }, 'connection.backoff.maxMs'],
    [{ connection: { backoff: { initialMs: 3e9, maxMs: 3e9 } } }, 'connection.backoff.initialMs'],
    [{ connection: { backoff: { initialMs: 120_000, maxMs: 60_000 } } }, 'connection.backoff.initialMs'],
    [{ connection: { discoverTimeoutMs: 1e12 } }, 'connection.discoverTimeoutMs'],
    [{ connection: { unreachableReportMs: 1e12 } }, 'connection.unreachableReportMs'],
    [{ bus: { lingerMs: 1e15 } }, 'bus.lingerMs'],
    [{ store: { flushMs: 1e15 } }, 'store.flushMs'],
    [{ store: { questdb: { flushMs: 3e9 } } }, 'store.questdb.flushMs'],
    [{ store: { questdb: { queryTimeoutMs: 3e9 } } }, 'store.questdb.queryTimeoutMs'],
    [{ evm: { pingIntervalMs: 3e9 } }, 'evm.pingIntervalMs'],
    [{ evm: { silenceTimeoutMs: 3e9 } }, 'evm.silenceTimeoutMs'],
    [{ evm: { requestTimeoutMs: 3e9 } }, 'evm.requestTimeoutMs'],
  ])('%j', (tree, key) => {
    expect(errorOf(() => loadConfig({ file: fileWith(tree), env: NO_ENV }))).toMatch(new RegExp(`^config error: ${key.replaceAll('.', '\\.')}: `));
  });
  it('accepts the largest timer', () => {
    expect(loadConfig({ file: fileWith({ connection: { backoff: { initialMs: 2 ** 31 - 1, maxMs: 2 ** 31 - 1 } }, store: { flushMs: 2 ** 31 - 1 } }), env: NO_ENV }).store.flushMs).toBe(2 ** 31 - 1);
  });
});
