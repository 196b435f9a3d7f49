import { readFileSync } from 'node:fs';
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect, createSecureContext, type ConnectionOptions } from 'node:tls';
import type { ISocketFactory, SASLOptions } from 'kafkajs';
import { z } from 'zod';

/**
 * TLS to the brokers. The broker's certificate chain and host name are always verified (Node's
 * defaults): there is deliberately no switch to turn verification off, and no SNI/host override,
 * because kafkajs reaches every broker by the host name that broker advertises, so one override
 * would be wrong for all brokers but one; the certificates must name the advertised hosts.
 */
export const KafkaSslConfig = z
  .strictObject({
    /** `false` keeps the section but connects in plaintext (e.g. LIQSTREAM_BUS__KAFKA__SSL__ENABLED=false). */
    enabled: z.boolean().default(true),
    /** PEM CA bundle the broker certificates chain to; without it, Node's bundled public CAs. */
    caFile: z.string().min(1).optional(),
    /** PEM client certificate and key, for mutual TLS (a listener with `ssl.client.auth=required`). */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** Passphrase of an encrypted `keyFile`: inline (best from the environment) or from a file; not both. */
    keyPassphrase: z.string().optional(),
    keyPassphraseFile: z.string().min(1).optional(),
  })
  .refine((s) => (s.certFile === undefined) === (s.keyFile === undefined), { message: 'certFile and keyFile go together', path: ['keyFile'] })
  .refine((s) => s.keyPassphrase === undefined || s.keyPassphraseFile === undefined, {
    message: 'set keyPassphrase or keyPassphraseFile, not both',
    path: ['keyPassphraseFile'],
  });

/** SASL authentication. Over a SASL_SSL listener set `ssl` too; without it the exchange travels in clear. */
export const KafkaSaslConfig = z
  .strictObject({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
    username: z.string().min(1),
    /** Inline (best from LIQSTREAM_BUS__KAFKA__SASL__PASSWORD) or from `passwordFile` (a mounted secret); exactly one. */
    password: z.string().min(1).optional(),
    passwordFile: z.string().min(1).optional(),
  })
  .refine((s) => (s.password === undefined) !== (s.passwordFile === undefined), {
    message: 'set exactly one of password and passwordFile',
    path: ['password'],
  });

export interface KafkaSecurity {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
  socketFactory?: ISocketFactory;
}

/** Certificate verification failures: the broker's chain does not end at a CA this client trusts. */
const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_UNTRUSTED']);
/** TLS alerts by which a broker refuses the client's certificate, or its absence. */
const CLIENT_CERT_REFUSED = new Set(['bad certificate', 'certificate required', 'unknown ca', 'certificate unknown', 'unsupported certificate']);

/**
 * What a TLS failure means in liqstream's terms. kafkajs reports a socket error as
 * `Connection error: <message>`, and OpenSSL's message for an alert is a line of internals
 * (`80DC…:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/…`).
 */
export function explainTlsError(err: NodeJS.ErrnoException): string | undefined {
  if (err.code !== undefined && UNTRUSTED.has(err.code))
    return `${err.message}: the broker's certificate does not chain to a trusted CA (bus.kafka.ssl.caFile)`;
  if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `${err.message}: the broker's certificate does not name the host it advertises`;
  const alert = /alert ([a-z ]+?):/.exec(err.message)?.[1]?.replace(/^(sslv3|tlsv1[0-9]?) /, '');
  if (alert === undefined || !err.code?.startsWith('ERR_SSL_')) return undefined;
  const refused = CLIENT_CERT_REFUSED.has(alert) ? ': the broker refused the client certificate, or its absence (bus.kafka.ssl.certFile, keyFile)' : '';
  return `TLS alert "${alert}" from the broker${refused}`;
}

/**
 * kafkajs's own socket factory does the same connect (SNI with the host name, keep-alive); this one
 * also rewrites a TLS error's message with explainTlsError. Its listener is added before kafkajs's,
 * so the message is already rewritten when kafkajs wraps it into the error `start()` rejects with.
 */
const explainingSocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  if (!ssl) return netConnect({ host, port }, onConnect).setKeepAlive(true, 60_000);
  const socket = tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect);
  socket.on('error', (err: NodeJS.ErrnoException) => {
    err.message = explainTlsError(err) ?? err.message;
  });
  return socket.setKeepAlive(true, 60_000);
};

function readSetting(field: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`bus.kafka.${field}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** A secret file's content without the one trailing newline editors and `echo` add. */
function readSecret(field: string, path: string): string {
  const text = readSetting(field, path).replace(/\r?\n$/, '');
  if (text === '') throw new Error(`bus.kafka.${field}: ${path} is empty`);
  return text;
}

/**
 * kafkajs's `ssl` and `sasl` options from the config, with every file read now, so a missing or
 * unusable file stops the process at start with the setting and path named, instead of surfacing
 * later as a connection that keeps failing. `warn` hears about settings that work but are unsafe.
 */
export function kafkaSecurity(
  config: { ssl?: z.output<typeof KafkaSslConfig>; sasl?: z.output<typeof KafkaSaslConfig> },
  warn: (message: string) => void = () => {},
): KafkaSecurity {
  const out: KafkaSecurity = {};
  const ssl = config.ssl;
  if (ssl?.enabled) {
    const options: ConnectionOptions = {};
    if (ssl.caFile !== undefined) {
      options.ca = readSetting('ssl.caFile', ssl.caFile);
      // Node skips text that is not a certificate and would then trust nothing but fail only at connect.
      if (!options.ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`bus.kafka.ssl.caFile: ${ssl.caFile} holds no PEM certificate`);
    }
    if (ssl.certFile !== undefined && ssl.keyFile !== undefined) {
      options.cert = readSetting('ssl.certFile', ssl.certFile);
      options.key = readSetting('ssl.keyFile', ssl.keyFile);
    }
    if (ssl.keyPassphrase !== undefined) options.passphrase = ssl.keyPassphrase;
    if (ssl.keyPassphraseFile !== undefined) options.passphrase = readSecret('ssl.keyPassphraseFile', ssl.keyPassphraseFile);
    try {
      // Parses the certificate and decrypts the key now: a wrong passphrase or a key that does not
      // match the certificate is a start-up error rather than a handshake that fails on every retry.
      createSecureContext(options);
    } catch (err) {
      const files = [ssl.caFile, ssl.certFile, ssl.keyFile].filter((f) => f !== undefined).join(', ');
      throw new Error(`bus.kafka.ssl: cannot use ${files}: ${(err as Error).message}`, { cause: err });
    }
    out.ssl = options;
    out.socketFactory = explainingSocketFactory;
  }
  const sasl = config.sasl;
  if (sasl) {
    const password = sasl.passwordFile !== undefined ? readSecret('sasl.passwordFile', sasl.passwordFile) : (sasl.password ?? '');
    out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password };
    if (!out.ssl && sasl.mechanism === 'plain') warn('bus.kafka.sasl: PLAIN without bus.kafka.ssl sends the password in clear');
  }
  return out;
}
