import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus, type BusLogger, type KafkaBusOptions } from '../../src/bus/kafka-bus.js';
import { startSecureBroker, USERS, type SecureBroker } from '../support/secure-kafka.js';
import { collector, expectExactly, keyedMessages, unique } from './bus-contract.js';
import { TEST_KAFKA } from '../support/kafka-test-options.js';

// A broker of its own (SASL_SSL and mutual-TLS listeners); the project's default plaintext broker is not used.
let broker: SecureBroker;
beforeAll(async () => {
  broker = await startSecureBroker();
}, 120_000);
afterAll(async () => {
  await broker?.stop();
});

/** Every kafkajs log line at every level: none may carry a credential (checked last). */
const lines: string[] = [];
const keep = (obj: object, msg?: string) => void lines.push(`${msg} ${JSON.stringify(obj)}`);
const logger: BusLogger = { error: keep, warn: keep, info: keep, debug: keep };

const newBus = (options: Omit<KafkaBusOptions, 'logger'>) => new KafkaBus({ ...TEST_KAFKA, clientId: 'liqstream-security-test', packMessages: 1, kafkaLogLevel: 'debug', logger, ...options });
const buses: KafkaBus[] = [];
function bus(options: Omit<KafkaBusOptions, 'logger'>): KafkaBus {
  const b = newBus(options);
  buses.push(b);
  return b;
}
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
});

/** Publishes, then reads back from the beginning through the same authenticated connection settings. */
async function roundTrip(b: KafkaBus): Promise<void> {
  const topic = unique('secure');
  await b.start([topic]);
  const sent = keyedMessages(20, 4, 'sec');
  await b.publish(topic, sent);
  const c = collector();
  await b.subscribe({ topics: [topic], groupId: unique('secure-g'), fromBeginning: true }, c.handler);
  await expectExactly(c.got, sent, 0, 'round trip');
}

/**
 * start() must fail, and within `boundMs`: kafkajs retries connection errors with back-off (about
 * 10 s in all at its defaults), so a failure that were retried forever would show here as the bound.
 */
async function startFailure(options: Omit<KafkaBusOptions, 'logger'>, boundMs = 45_000): Promise<{ message: string; ms: number }> {
  // Not in `buses`: these tests run concurrently, and another test's afterEach must not close this bus mid-start.
  const b = newBus(options);
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`start() still pending after ${boundMs} ms`)), boundMs)));
  try {
    await Promise.race([b.start([unique('secure-fail')]).then(() => expect.fail('start() succeeded')), bound]);
    throw new Error('unreachable');
  } catch (err) {
    if ((err as Error).message.startsWith('start() still pending')) throw err;
    return { message: (err as Error).message, ms: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
    await b.close();
  }
}

describe('KafkaBus over SASL_SSL (verified TLS, then SASL)', () => {
  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('%s: publish and subscribe round trip', async (mechanism) => {
    await roundTrip(bus({ brokers: [broker.saslSsl], ssl: { caFile: broker.pki.caFile }, sasl: { mechanism, ...USERS[mechanism] } }));
  });

  it('takes the SASL password from a file (one trailing newline is not part of it)', async () => {
    const file = join(tmpdir(), `${unique('sasl-password')}.txt`);
    writeFileSync(file, `${USERS['scram-sha-512'].password}\n`);
    const { username } = USERS['scram-sha-512'];
    await roundTrip(bus({ brokers: [broker.saslSsl], ssl: { caFile: broker.pki.caFile }, sasl: { mechanism: 'scram-sha-512', username, passwordFile: file } }));
  });
});

describe('KafkaBus over mutual TLS (listener with ssl.client.auth=required)', () => {
  it('works with the client certificate and its encrypted key', async () => {
    const { caFile, clientCertFile: certFile, clientKeyFile: keyFile, clientKeyPassphrase: keyPassphrase } = broker.pki;
    await roundTrip(bus({ brokers: [broker.mtls], ssl: { caFile, certFile, keyFile, keyPassphrase } }));
  });
});

// Concurrent: the TLS failures each wait out kafkajs's connection retries (about 10 s), so together they cost one wait.
describe('start() fails, clearly and within a bound', () => {
  it.concurrent.each([
    ['plain', 'SASL PLAIN'],
    ['scram-sha-256', 'SASL SCRAM SHA256'],
    ['scram-sha-512', 'SASL SCRAM SHA512'],
  ] as const)('%s: a wrong password fails start() with an authentication error, promptly', async (mechanism, label) => {
    const { username } = USERS[mechanism];
    const { message, ms } = await startFailure({ brokers: [broker.saslSsl], ssl: { caFile: broker.pki.caFile }, sasl: { mechanism, username, password: 'not-the-password' } });
    expect(message).toMatch(new RegExp(`^Kafka bus could not start against brokers 127\\.0\\.0\\.1:\\d+: ${label} authentication failed`));
    // Authentication errors are not retried: this fails at the first attempt.
    expect(ms).toBeLessThan(10_000);
  });

  it.concurrent('a broker certificate from a CA that is not trusted fails start() naming the certificate problem', async () => {
    const { message } = await startFailure(
      { brokers: [broker.saslSsl], ssl: { caFile: broker.pki.otherCaFile }, sasl: { mechanism: 'plain', ...USERS.plain } },
    );
    expect(message).toMatch(
      /^Kafka bus could not start against brokers 127\.0\.0\.1:\d+: Connection error: unable to verify the first certificate: the broker's certificate does not chain to a trusted CA \(bus\.kafka\.ssl\.caFile\)$/,
    );
  });

  it.concurrent('without a CA file, Node verifies against its public CAs and rejects the test CA', async () => {
    const { message } = await startFailure({ brokers: [broker.saslSsl], ssl: {}, sasl: { mechanism: 'plain', ...USERS.plain } });
    expect(message).toMatch(/unable to verify the first certificate: the broker's certificate does not chain to a trusted CA/);
  });

  it.concurrent('mutual TLS: start() fails without a client certificate', async () => {
    const { message } = await startFailure({ brokers: [broker.mtls], ssl: { caFile: broker.pki.caFile } });
    // The broker's TLS alert: 42 (bad certificate) here; 116 (certificate required) from other TLS 1.3 stacks.
    expect(message).toMatch(
      /^Kafka bus could not start against brokers 127\.0\.0\.1:\d+: Connection error: TLS alert "(bad certificate|certificate required)" from the broker: the broker refused the client certificate, or its absence \(bus\.kafka\.ssl\.certFile, keyFile\)$/,
    );
  });
});

describe('logs', () => {
  it("kafkajs's log lines, debug included, carry no password or key passphrase", () => {
    expect(lines.some((l) => l.includes('SASL'))).toBe(true);
    const secrets = [...Object.values(USERS).map((u) => u.password), broker.pki.clientKeyPassphrase, 'not-the-password'];
    for (const secret of secrets) expect(lines.filter((l) => l.includes(secret))).toEqual([]);
  });
});
