import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../src/bus/kafka-bus.js';
import { KafkaBusConfig } from '../../src/bus/kafka-config.js';
import { explainTlsError, kafkaSecurity } from '../../src/bus/kafka-security.js';
import { makePki, type Pki } from '../support/secure-kafka.js';

// What fails before any connection: the files are read and the key decrypted when the bus is built.
let dir: string;
let pki: Pki;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'liqstream-kafka-security-'));
  pki = makePki(join(dir, 'pki'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const brokers = ['127.0.0.1:1'];
const build = (extra: object) => () => new KafkaBus({ brokers, ...extra });

describe('KafkaBus security settings at construction', () => {
  it.each([
    ['ssl.caFile', { ssl: { caFile: '/nonexistent/ca.pem' } }, '/nonexistent/ca.pem'],
    ['ssl.certFile', { ssl: { certFile: '/nonexistent/client.pem', keyFile: '/nonexistent/client.key' } }, '/nonexistent/client.pem'],
    ['ssl.keyPassphraseFile', { ssl: { keyPassphraseFile: '/nonexistent/pass' } }, '/nonexistent/pass'],
    ['sasl.passwordFile', { sasl: { mechanism: 'plain', username: 'u', passwordFile: '/nonexistent/pw' } }, '/nonexistent/pw'],
  ])('a missing %s fails naming the setting and the path', (field, extra, path) => {
    expect(build(extra)).toThrow(`bus.kafka.${field}: cannot read ${path}: ENOENT`);
  });

  it('a missing key file is named too (the certificate exists)', () => {
    expect(build({ ssl: { certFile: pki.clientCertFile, keyFile: join(dir, 'missing.key') } })).toThrow(`bus.kafka.ssl.keyFile: cannot read ${join(dir, 'missing.key')}`);
  });

  it('a wrong key passphrase fails at construction, naming the files', () => {
    const ssl = { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile, keyPassphrase: 'wrong' };
    expect(build({ ssl })).toThrow(new RegExp(`^bus\\.kafka\\.ssl: cannot use .*${pki.clientKeyFile.replace(/[.]/g, '\\.')}: .*(bad decrypt|decrypt)`, 'i'));
    // The right one, from a file with a trailing newline, is accepted.
    const passFile = join(dir, 'key-pass');
    writeFileSync(passFile, `${pki.clientKeyPassphrase}\n`);
    expect(build({ ssl: { ...ssl, keyPassphrase: undefined, keyPassphraseFile: passFile } })).not.toThrow();
  });

  it('an encrypted key without its passphrase fails at construction', () => {
    expect(build({ ssl: { certFile: pki.clientCertFile, keyFile: pki.clientKeyFile } })).toThrow(/^bus\.kafka\.ssl: cannot use /);
  });

  it('a CA file without a PEM certificate fails (Node would silently trust nothing from it)', () => {
    const notPem = join(dir, 'ca.txt');
    writeFileSync(notPem, 'not a certificate\n');
    expect(build({ ssl: { caFile: notPem } })).toThrow(`bus.kafka.ssl.caFile: ${notPem} holds no PEM certificate`);
  });

  it('an empty password file fails', () => {
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(build({ sasl: { mechanism: 'scram-sha-256', username: 'u', passwordFile: empty } })).toThrow(`bus.kafka.sasl.passwordFile: ${empty} is empty`);
  });
});

describe('KafkaBusConfig security fields', () => {
  const issues = (extra: object) => {
    const r = KafkaBusConfig.safeParse({ brokers, ...extra });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('rejects half a client certificate, both or neither password source, and unknown mechanisms or keys', () => {
    expect(issues({ ssl: { certFile: 'c.pem' } })).toEqual(['ssl.keyFile: certFile and keyFile go together']);
    expect(issues({ sasl: { mechanism: 'plain', username: 'u', password: 'p', passwordFile: 'f' } })).toEqual(['sasl.password: set exactly one of password and passwordFile']);
    expect(issues({ sasl: { mechanism: 'plain', username: 'u' } })).toEqual(['sasl.password: set exactly one of password and passwordFile']);
    expect(issues({ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } })[0]).toMatch(/^sasl\.mechanism: /);
    expect(issues({ ssl: { rejectUnauthorized: false } })[0]).toMatch(/^ssl: Unrecognized key: "rejectUnauthorized"/);
    expect(issues({ ssl: { caFile: pki?.caFile }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } })).toEqual([]);
  });
});

describe('kafkaSecurity', () => {
  it('passes the file contents and SASL credentials to kafkajs, and nothing when TLS is disabled', () => {
    const out = kafkaSecurity(
      KafkaBusConfig.parse({ brokers, ssl: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile, keyPassphrase: pki.clientKeyPassphrase }, sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } }),
    );
    expect(String(out.ssl?.ca)).toContain('-----BEGIN CERTIFICATE-----');
    expect(String(out.ssl?.cert)).toContain('-----BEGIN CERTIFICATE-----');
    expect(String(out.ssl?.key)).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(out.ssl?.passphrase).toBe(pki.clientKeyPassphrase);
    expect(out.ssl?.rejectUnauthorized).toBeUndefined();
    expect(out.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'u', password: 'p' });
    expect(kafkaSecurity(KafkaBusConfig.parse({ brokers, ssl: { enabled: false, caFile: '/nonexistent' } }))).toEqual({});
  });

  it('warns when SASL PLAIN would send the password without TLS', () => {
    const warnings: string[] = [];
    kafkaSecurity(KafkaBusConfig.parse({ brokers, sasl: { mechanism: 'plain', username: 'u', password: 'p' } }), (m) => warnings.push(m));
    kafkaSecurity(KafkaBusConfig.parse({ brokers, ssl: {}, sasl: { mechanism: 'plain', username: 'u', password: 'p' } }), (m) => warnings.push(m));
    expect(warnings).toEqual(['bus.kafka.sasl: PLAIN without bus.kafka.ssl sends the password in clear']);
  });
});

describe('explainTlsError', () => {
  const tlsError = (message: string, code: string) => Object.assign(new Error(message), { code });
  it('says what an untrusted chain, a wrong host name and a refused client certificate mean', () => {
    expect(explainTlsError(tlsError('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toBe(
      "unable to verify the first certificate: the broker's certificate does not chain to a trusted CA (bus.kafka.ssl.caFile)",
    );
    expect(explainTlsError(tlsError("Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list: 127.0.0.1", 'ERR_TLS_CERT_ALTNAME_INVALID'))).toMatch(
      /: the broker's certificate does not name the host it advertises$/,
    );
    const openssl = (alert: string, code: string) => tlsError(`80DCE178D07F0000:error:0A000412:SSL routines:ssl3_read_bytes:${alert}:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42`, code);
    expect(explainTlsError(openssl('sslv3 alert bad certificate', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'))).toBe(
      'TLS alert "bad certificate" from the broker: the broker refused the client certificate, or its absence (bus.kafka.ssl.certFile, keyFile)',
    );
    expect(explainTlsError(openssl('tlsv13 alert certificate required', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))).toMatch(/^TLS alert "certificate required" from the broker: the broker refused/);
    expect(explainTlsError(openssl('tlsv1 alert protocol version', 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'))).toBe('TLS alert "protocol version" from the broker');
  });

  it('leaves other errors alone', () => {
    expect(explainTlsError(tlsError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'))).toBeUndefined();
    expect(explainTlsError(new Error('alert bad certificate: not from OpenSSL'))).toBeUndefined();
  });
});
