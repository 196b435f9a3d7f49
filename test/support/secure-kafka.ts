import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { requireTool, requireTools } from './tools.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './until.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/** A throwaway PKI made with openssl: file paths only, everything under `dir`. */
export interface Pki {
  /** The CA that signed the broker and client certificates. */
  caFile: string;
  /** A second, unrelated CA: trusting only it must fail the broker's certificate. */
  otherCaFile: string;
  /** Broker key followed by its certificate (Kafka's PEM keystore layout); names 127.0.0.1 and localhost. */
  brokerKeystoreFile: string;
  clientCertFile: string;
  /** The client key, encrypted with `clientKeyPassphrase` (PKCS#8). */
  clientKeyFile: string;
  clientKeyPassphrase: string;
}

const openssl = (args: string[], cwd: string) => execFileSync(requireTool('openssl'), args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

/** P-256 keys: generated in milliseconds, where RSA keys would cost a noticeable share of the test. */
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(
    ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=liqstream test ${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
}

function makeLeaf(dir: string, name: string, ca: string, extensions: string): void {
  openssl(['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=liqstream test ${name}`], dir);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2',
    '-out', `${name}.pem`, '-extfile', `${name}.ext`], dir);
}

export function makePki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'broker', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  makeLeaf(dir, 'client', 'ca', 'extendedKeyUsage=clientAuth\n');
  writeFileSync(join(dir, 'broker-keystore.pem'), readFileSync(join(dir, 'broker.key'), 'utf8') + readFileSync(join(dir, 'broker.pem'), 'utf8'));
  const clientKeyPassphrase = 'client-key-passphrase';
  openssl(['pkcs8', '-topk8', '-in', 'client.key', '-out', 'client-encrypted.key', '-passout', `pass:${clientKeyPassphrase}`], dir);
  return {
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    brokerKeystoreFile: join(dir, 'broker-keystore.pem'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client-encrypted.key'),
    clientKeyPassphrase,
  };
}

/** Users the broker knows, per mechanism. */
export const USERS = {
  plain: { username: 'alice', password: 'alice-plain-secret' },
  'scram-sha-256': { username: 'bob', password: 'bob-scram256-secret' },
  'scram-sha-512': { username: 'carol', password: 'carol-scram512-secret' },
} as const;

export interface SecureBroker {
  /** SASL_SSL listener: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; no client certificate asked for. */
  saslSsl: string;
  /** SSL listener with `ssl.client.auth=required`: mutual TLS, no SASL. */
  mtls: string;
  pki: Pki;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Four consecutive free ports inside the range this test may use (29150–29199; 29092–29149 are left to other brokers). */
async function fourPorts(): Promise<number> {
  for (let base = 29150; base + 3 <= 29199; base += 4) {
    const free = await Promise.all([0, 1, 2, 3].map((i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no four consecutive free ports in 29150-29199');
}

function kafkaLibs(): string {
  const pom = readFileSync(join(ROOT, 'scripts/kafka/pom.xml'), 'utf8');
  const version = /<kafka\.version>(.*)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error('no kafka.version in scripts/kafka/pom.xml');
  const libs = join(process.env.KAFKA_HOME_DIR ?? join(ROOT, '.cache/kafka'), version, 'libs');
  if (!existsSync(join(libs, '.complete'))) execFileSync('bash', [join(ROOT, 'scripts/kafka/kafka.sh'), 'fetch'], { stdio: 'inherit' });
  return libs;
}

/**
 * One single-node KRaft broker (the jars of scripts/kafka/kafka.sh) with a SASL_SSL listener and a
 * mutual-TLS listener, in a temporary directory that `stop` removes. The broker-to-broker and
 * controller listeners stay plaintext on loopback: they are not what the tests are about.
 */
export async function startSecureBroker(): Promise<SecureBroker> {
  requireTools('openssl', 'java');
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-secure-kafka-'));
  const pki = makePki(join(dir, 'pki'));
  const base = await fourPorts();
  const [saslPort, sslPort, internalPort, controllerPort] = [base, base + 1, base + 2, base + 3];
  const properties = `
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=SASL_SSL://127.0.0.1:${saslPort},SSL://127.0.0.1:${sslPort},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=SASL_SSL://127.0.0.1:${saslPort},SSL://127.0.0.1:${sslPort},INTERNAL://127.0.0.1:${internalPort}
listener.security.protocol.map=SASL_SSL:SASL_SSL,SSL:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
ssl.keystore.type=PEM
ssl.keystore.location=${pki.brokerKeystoreFile}
ssl.truststore.type=PEM
ssl.truststore.location=${pki.caFile}
listener.name.ssl.ssl.client.auth=required
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${USERS.plain.username}="${USERS.plain.password}";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=${join(dir, 'data')}
# One node: the group-offsets topic cannot have the default 3 replicas; one partition is all a test needs.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
`;
  writeFileSync(join(dir, 'server.properties'), properties);
  writeFileSync(
    join(dir, 'log4j.properties'),
    `log4j.rootLogger=WARN, file\nlog4j.appender.file=org.apache.log4j.FileAppender\nlog4j.appender.file.File=${join(dir, 'broker.log')}\nlog4j.appender.file.layout=org.apache.log4j.PatternLayout\nlog4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n`,
  );
  const libs = kafkaLibs();
  const java = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, '-cp', `${libs}/*`];
  // SCRAM credentials live in the cluster metadata; format time is the one moment they can be added without a running broker.
  const scram = (mech: string, user: { username: string; password: string }) => ['--add-scram', `${mech}=[name=${user.username},password=${user.password}]`];
  execFileSync(requireTool('java'), [...java, 'kafka.tools.StorageTool', 'format', '-t', 'liqstream-secure-test-0001', '-c', join(dir, 'server.properties'),
    ...scram('SCRAM-SHA-256', USERS['scram-sha-256']), ...scram('SCRAM-SHA-512', USERS['scram-sha-512'])], { stdio: ['ignore', 'ignore', 'pipe'] });
  const broker: ChildProcess = spawn(requireTool('java'), [...java, 'kafka.Kafka', join(dir, 'server.properties')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  broker.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => broker.once('exit', () => resolve()));
  const stop = async () => {
    if (broker.exitCode === null && broker.signalCode === null) {
      broker.kill('SIGTERM');
      const timer = setTimeout(() => broker.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      if (broker.exitCode !== null) throw new Error(`secure broker exited: ${stderr}${readLog(join(dir, 'broker.log'))}`);
      return !(await portFree(saslPort)) && !(await portFree(sslPort));
    }, 'the secure broker to listen', 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { saslSsl: `127.0.0.1:${saslPort}`, mtls: `127.0.0.1:${sslPort}`, pki, stop };
}

const readLog = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').slice(-4000) : '');
