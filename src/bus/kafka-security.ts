import { readFileSync } from 'node:fs';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
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
}

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
  }
  const sasl = config.sasl;
  if (sasl) {
    const password = sasl.passwordFile !== undefined ? readSecret('sasl.passwordFile', sasl.passwordFile) : (sasl.password ?? '');
    out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password };
    if (!out.ssl && sasl.mechanism === 'plain') warn('bus.kafka.sasl: PLAIN without bus.kafka.ssl sends the password in clear');
  }
  return out;
}
