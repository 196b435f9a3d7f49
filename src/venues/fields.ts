import { z } from 'zod';
import { MARKET_SYMBOL } from '../schema/events.js';

/**
 * Rules for the values of untrusted venue fields, shared by every parser so that one frame cannot be read
 * differently by two venues (or by the Binance fast path and its full path).
 */

/**
 * The venues write prices, sizes and open interest as plain decimal strings (`"0.014"`, `"9910"`,
 * `"-0.14136"`). `Number()` also reads `"0x10"` (16), `"+1"`, `" 1e3 "`, `""` (0), `"NaN"`, `"Infinity"`
 * and `"1e400"` (Infinity): no venue sends those, and each would become a wrong or non-finite value
 * instead of a dead letter. Only digits with an optional fraction are decimals here; the Binance fast
 * path builds its pattern from this source so that both paths accept the same text.
 */
export const DECIMAL_SOURCE = '[0-9]+(?:\\.[0-9]+)?';
const DECIMAL = new RegExp(`^${DECIMAL_SOURCE}$`);
const SIGNED_DECIMAL = new RegExp(`^-?${DECIMAL_SOURCE}$`);

// abort: a refinement chained after it (e.g. "> 0") does not add a second issue for the same text.
export const DecimalString = z.string().regex(DECIMAL, { message: 'expected a decimal string', abort: true });
export const SignedDecimalString = z.string().regex(SIGNED_DECIMAL, 'expected a decimal string');

/**
 * The value of a decimal string, or undefined when it is not one or does not fit a double: 400 digits
 * are a decimal but read as Infinity, which no sum or schema can take.
 */
export function decimalValue(text: string, signed = false): number | undefined {
  if (!(signed ? SIGNED_DECIMAL : DECIMAL).test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Epoch milliseconds have 13 digits until the year 2286. A 14-digit or longer time is microseconds or
 * nanoseconds sent where milliseconds were expected (or garbage), and a negative one is never a trade time.
 */
export const MAX_EPOCH_MS = 9_999_999_999_999;
export const EpochMs = z.number().int().nonnegative().max(MAX_EPOCH_MS, 'expected epoch milliseconds (at most 13 digits)');
export const isEpochMs = (t: number): boolean => Number.isSafeInteger(t) && t >= 0 && t <= MAX_EPOCH_MS;

/**
 * A market name that may become an event's symbol, a metric label, an HTML cell and a key of the parsers'
 * per-symbol caches: the normalized schema's rule (MARKET_SYMBOL, src/schema/events.ts), checked before a name
 * is cached or valued, so a hostile name is dead-lettered where the venue sent it. The length test first keeps a
 * multi-megabyte "symbol" from being scanned.
 */
export const isMarketName = (s: string): boolean => s.length <= 128 && MARKET_SYMBOL.test(s);

/** At most this many characters of venue text go into a rejection reason (the dead letter keeps the frame). */
export const MAX_REASON_CHARS = 300;

/** `text` cut to `max` UTF-16 units, never between the two halves of a surrogate pair. */
export function clip(text: string, max = MAX_REASON_CHARS): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/**
 * A short JSON-like rendering of an untrusted value for a rejection reason. `JSON.stringify` recurses
 * once per level of nesting and throws a RangeError on a value nested 100,000 deep (which `JSON.parse`
 * builds without complaint); this walks at most four levels and stops once the text is long enough.
 * Plain small values render exactly as `JSON.stringify` would.
 */
export function preview(value: unknown, max = MAX_REASON_CHARS): string {
  let out = '';
  const full = () => out.length > max;
  const write = (v: unknown, depth: number): void => {
    if (typeof v === 'string') out += JSON.stringify(clip(v, max));
    else if (typeof v !== 'object' || v === null) out += String(v);
    else if (depth >= 4) out += Array.isArray(v) ? '[…]' : '{…}';
    else if (Array.isArray(v)) {
      out += '[';
      for (let i = 0; i < v.length && !full(); i++) {
        if (i > 0) out += ',';
        write(v[i], depth + 1);
      }
      out += ']';
    } else {
      out += '{';
      let first = true;
      for (const key in v) {
        if (full()) break;
        if (!Object.hasOwn(v, key)) continue;
        out += `${first ? '' : ','}${JSON.stringify(clip(key, max))}:`;
        first = false;
        write((v as Record<string, unknown>)[key], depth + 1);
      }
      out += '}';
    }
  };
  write(value, 0);
  return clip(out, max);
}
