import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type PinoPretty from 'pino-pretty';
import { brokenPipe } from './broken-pipe.js';

export type { Logger };

/** Query parameters whose value is taken for a credential: matched on the name, ignoring case, `-` and `_`. */
const SECRET_PARAM = /^(x-?)?(token|accesstoken|authtoken|apitoken|key|apikey|accesskey|secret|clientsecret|secretkey|signature|sig|password|passwd|pass|pwd|auth|authorization|credential|credentials|session|jwt)$/i;
/** A path segment that looks like an embedded API key (e.g. https://node.example/2f6c…/): long, letters and digits mixed. */
const SECRET_SEGMENT = /^(?=[^/]*\d)(?=[^/]*[a-z])[a-z0-9_-]{24,}$/i;
export const REDACTED = 'REDACTED';

/**
 * The URL with its credentials replaced by REDACTED: user info, credential-looking query values and
 * key-like path segments. Host, port and the rest stay, so the log still says where it connected.
 * Text that is not an absolute URL is returned unchanged.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  let changed = false;
  if (url.username || url.password) {
    url.username = REDACTED;
    url.password = '';
    changed = true;
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name.replace(/[-_]/g, ''))) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  const segments = url.pathname.split('/');
  if (segments.some((s) => SECRET_SEGMENT.test(s))) {
    url.pathname = segments.map((s) => (SECRET_SEGMENT.test(s) ? REDACTED : s)).join('/');
    changed = true;
  }
  // Unchanged URLs keep their exact text (new URL() would normalise it, e.g. add a trailing slash).
  return changed ? url.toString() : text;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** Every absolute URL inside free text (an error message, say) passed through redactUrl. */
export const redactUrlsIn = (text: string): string =>
  text.includes('://')
    ? text.replace(URL_IN_TEXT, (match) => {
        // Punctuation that ends a sentence around a URL ("... from wss://h/ws?token=x: bad") is not part of it.
        const url = match.replace(/[.,;:!?)\]]+$/, '');
        return redactUrl(url) + match.slice(url.length);
      })
    : text;

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactUrlsIn(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    // A copy of the same class, so pino's error serializer still names the type; message and stack scrubbed.
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>;
    for (const k of Object.getOwnPropertyNames(value)) copy[k] = scrub((value as unknown as Record<string, unknown>)[k], depth + 1);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
  return out;
}

// Secret config fields by name, at whatever depth a config (or part of one) is logged; pino's
// paths take one level per wildcard, so the depths are listed.
const SECRET_KEYS = ['password', 'keyPassphrase'];
const SECRET_PATHS = SECRET_KEYS.flatMap((k) => ['', '*.', '*.*.', '*.*.*.', '*.*.*.*.'].map((p) => `${p}${k}`));

/**
 * Logger options that keep credentials out of the log: the secret config fields are censored, and
 * every URL in a logged string (fields, error messages and the message itself) loses its credentials.
 */
export const redactingOptions: Pick<LoggerOptions, 'redact' | 'formatters' | 'hooks'> = {
  redact: { paths: SECRET_PATHS, censor: REDACTED },
  formatters: { log: (object) => scrub(object, 0) as Record<string, unknown> },
  hooks: {
    logMethod(args, method) {
      method.apply(this, args.map((a) => (typeof a === 'string' ? redactUrlsIn(a) : a)) as Parameters<typeof method>);
    },
  },
};

/** Logs go to stderr so that stdout stays for command output (reports, summaries). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * JSON lines for machines, readable lines for a person at a terminal (`auto`: pretty when stderr is a
 * terminal). Both carry the same redacted fields; pretty printing is pino's own (pino-pretty), in this
 * thread and synchronous, so the last lines before an exit are not lost.
 */
export function createLogger(level: string = process.env.LIQSTREAM_LOG_LEVEL ?? 'info', format: LogFormat = 'auto'): Logger {
  const options = { level, base: { app: 'liqstream' }, ...redactingOptions };
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  if (!pretty) {
    // Synchronous, as pretty printing is: an asynchronous destination flushes its buffer at exit in a
    // loop that retries EPIPE forever, so `liqstream … 2>&1 | head -1` never ended. EPIPE ends the process.
    const dest = pino.destination({ dest: 2, sync: true });
    dest.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') brokenPipe();
    });
    return pino(options, dest);
  }
  // Loaded only for a terminal: a synchronous require, since the logger is made synchronously, saves every
  // other start the formatter's load time.
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pino(options, pinoPretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: 'UTC:yyyy-mm-dd HH:MM:ss.l"Z"', ignore: 'pid,hostname,app' }));
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
