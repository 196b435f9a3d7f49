/**
 * Cursor steps for the venue fast paths: reading a frame laid out exactly as the venue's serialiser
 * writes it (no whitespace, no escapes, documented key order) without building a JSON tree.
 *
 * Every step takes the text and a position and returns the position after what it read, or NO when the
 * text there is not what it reads; every step passes NO on, so a reader is a chain of steps with one
 * check at the end. A step accepts a subset of what JSON.parse would read the same way, so a frame a fast
 * path accepts is one the full path reads with the same values; anything else takes the full path.
 */
export const NO = -1;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;
const MINUS = 0x2d;
const COMMA = 0x2c;
export const OBJECT_END = 0x7d;
export const ARRAY_END = 0x5d;

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** `literal` at `pos`. */
export function lit(text: string, pos: number, literal: string): number {
  return pos >= 0 && text.startsWith(literal, pos) ? pos + literal.length : NO;
}

/**
 * A JSON string without escapes or control characters (which JSON.parse reads as exactly its characters):
 * its content is `text.slice(pos + 1, end - 1)`.
 */
export function str(text: string, pos: number): number {
  if (pos < 0 || text.charCodeAt(pos) !== QUOTE) return NO;
  for (let i = pos + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || c < 0x20) return NO;
  }
  return NO;
}

/** As `str`, with at least one character. */
export function nonEmptyStr(text: string, pos: number): number {
  const end = str(text, pos);
  return end - pos > 2 ? end : NO;
}

/** The content of the string `str` read from `pos` to `end`. */
export const content = (text: string, pos: number, end: number): string => text.slice(pos + 1, end - 1);

/**
 * A string holding a decimal as fields.ts defines it (DECIMAL_SOURCE: digits with an optional fraction),
 * so `Number(content)` is the value the full path computes from the same text.
 */
export function decimalStr(text: string, pos: number): number {
  if (pos < 0 || text.charCodeAt(pos) !== QUOTE) return NO;
  let i = pos + 1;
  const start = i;
  while (isDigit(text.charCodeAt(i))) i++;
  if (i === start) return NO;
  if (text.charCodeAt(i) === DOT) {
    const fraction = ++i;
    while (isDigit(text.charCodeAt(i))) i++;
    if (i === fraction) return NO;
  }
  return text.charCodeAt(i) === QUOTE ? i + 1 : NO;
}

/**
 * A non-negative integer in JSON's canonical form (no leading zero) of at most `maxDigits` digits: up to
 * 15 it is a safe integer that `Number` reads exactly as JSON.parse does. A fraction or exponent after it
 * fails the step that follows.
 */
export function uint(text: string, pos: number, maxDigits: number): number {
  if (pos < 0) return NO;
  const c = text.charCodeAt(pos);
  if (c === ZERO) return pos + 1;
  if (!isDigit(c)) return NO;
  let i = pos + 1;
  while (isDigit(text.charCodeAt(i))) i++;
  return i - pos <= maxDigits ? i : NO;
}

/** Epoch milliseconds as fields.ts bounds them (EpochMs: at most 13 digits). */
export const epochMs = (text: string, pos: number): number => uint(text, pos, 13);

/** A flat array of `str` strings. */
export function strArray(text: string, pos: number): number {
  let i = lit(text, pos, '[');
  if (text.charCodeAt(i) === ARRAY_END) return i + 1;
  for (;;) {
    i = str(text, i);
    if (i < 0) return NO;
    const c = text.charCodeAt(i);
    if (c === ARRAY_END) return i + 1;
    if (c !== COMMA) return NO;
    i++;
  }
}

/**
 * A value a fast path skips in a flat object: a `str` string, a `uint`, true, false, null, or a flat array
 * of strings (Hyperliquid's `impactPxs`, `users`).
 */
export function flatValue(text: string, pos: number): number {
  if (pos < 0) return NO;
  switch (text.charCodeAt(pos)) {
    case QUOTE:
      return str(text, pos);
    case 0x5b:
      return strArray(text, pos);
    case 0x74:
      return lit(text, pos, 'true');
    case 0x66:
      return lit(text, pos, 'false');
    case 0x6e:
      return lit(text, pos, 'null');
    default:
      return uint(text, pos, 20);
  }
}

/** Whether the key `str` read from `pos` to `end` is `quoted` (the key with its quotes, e.g. `'"markPx"'`). */
export const isKey = (text: string, pos: number, end: number, quoted: string): boolean =>
  end - pos === quoted.length && text.startsWith(quoted, pos);

/**
 * After a member of an object or array: the position after a `,` that starts the next one, or the
 * negated position after `close` when it ended (`~end`, always < NO), or NO.
 */
export function next(text: string, pos: number, close: number): number {
  if (pos < 0) return NO;
  const c = text.charCodeAt(pos);
  if (c === COMMA) return pos + 1;
  return c === close ? ~(pos + 1) : NO;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `Number(text.slice(start, end))` for the content of a `decimalStr` or the digits of a `uint`, without
 * the string conversion (a runtime call, the dearest step of reading a small frame). Up to 15 characters
 * the digits form an integer m below 2^53 and the fraction has k ≤ 14 digits, so m and 10^k are exact
 * doubles and m / 10^k, rounded once by the division, is the correctly rounded value of the decimal:
 * what Number computes. Longer text is left to Number.
 */
export function decimalAt(text: string, start: number, end: number): number {
  if (end - start > 15) return Number(text.slice(start, end));
  let m = 0;
  let k = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) k = end - i - 1;
    else m = m * 10 + (c - ZERO);
  }
  return m / POW10[k]!;
}

/**
 * The end of a plain JSON number at `pos` (`-?(0|[1-9][0-9]*)(\.[0-9]+)?`: no exponent, as the venues write
 * theirs), or NO. What follows it is the caller's to check (a `01` ends after its `0`, where JSON.parse refuses it).
 */
export function plainNumber(text: string, pos: number): number {
  let i = pos;
  if (text.charCodeAt(i) === MINUS) i++;
  const c = text.charCodeAt(i);
  if (c === ZERO) i++;
  else if (c > ZERO && c <= NINE) while (isDigit(text.charCodeAt(++i)));
  else return NO;
  if (text.charCodeAt(i) !== DOT) return i;
  const fraction = ++i;
  while (isDigit(text.charCodeAt(i))) i++;
  return i === fraction ? NO : i;
}

/** The most integer digits a plain number has whose value is always finite (below 1e308, under the largest double). */
export const MAX_FINITE_DIGITS = 308;

/**
 * `pattern.exec(text)` from `from` (a sticky pattern), null where the match ran out of V8's backtrack stack: a
 * repeated group (`(?:,ENTRY)*`, `(?:,VALUE)*`) pushes backtrack state per repeat and throws a RangeError past about a
 * million repeats (a frame of tens of MB, which a socket takes), where the full path reads the frame. Null declines
 * the frame to it (the review of issue 22 §1: the Bitfinex, Gate and BitMEX fast paths threw instead).
 */
export function execFrom(pattern: RegExp, text: string, from: number): RegExpExecArray | null {
  pattern.lastIndex = from;
  try {
    return pattern.exec(text);
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
}

/** execFrom's test (no match array made): false where the pattern does not match there or ran out of stack. */
export function testFrom(pattern: RegExp, text: string, from: number): boolean {
  pattern.lastIndex = from;
  try {
    return pattern.test(text);
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}

/**
 * Whether a plain number in `text[from, to)` (numbers as `plainNumber` reads them, between other JSON) has more
 * than MAX_FINITE_DIGITS integer digits, so that its value may be past the largest double: a fast path whose pattern
 * leaves numbers' lengths open (a counted repeat costs a pattern a counter per digit) checks them here when the
 * stretch is long enough to hold such a number.
 */
export function hasLongInteger(text: string, from: number, to: number): boolean {
  let run = 0;
  let fraction = false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      if (!fraction && ++run > MAX_FINITE_DIGITS) return true;
    } else {
      fraction = c === DOT;
      run = 0;
    }
  }
  return false;
}

/** The value JSON.parse gives the plain number `plainNumber` read from `start` to `end` (decimalAt for its digits). */
export const plainValue = (text: string, start: number, end: number): number =>
  text.charCodeAt(start) === MINUS ? -decimalAt(text, start + 1, end) : decimalAt(text, start, end);

/**
 * Names a scan reads again and again (a venue's markets): `text` from `start` to `end` as the same string each time
 * the same name is read, so that a Map lookup hashes it once and a comparison with the last one is an identity
 * check. A new string for each read name cost a hash per lookup (the dearest line of the Bitfinex fast path). The
 * last `max` names are kept.
 */
export class RecentNames {
  private readonly names: string[] = [];
  private next = 0;
  constructor(private readonly max = 64) {}

  at(text: string, start: number, end: number): string {
    const names = this.names;
    const length = end - start;
    for (let k = 0; k < names.length; k++) {
      const name = names[k]!;
      if (name.length === length && text.startsWith(name, start)) return name;
    }
    const name = text.slice(start, end);
    if (names.length < this.max) names.push(name);
    else {
      names[this.next] = name;
      this.next = (this.next + 1) % this.max;
    }
    return name;
  }
}

/** A string value's content, or (any other flat value) undefined, as a full path's `typeof v === 'string'` reads it; the position after the value. */
export function stringOrFlat(f: string, value: number): [number, string | undefined] {
  const end = str(f, value);
  return end >= 0 ? [end, content(f, value, end)] : [flatValue(f, value), undefined];
}

/**
 * Pieces of the regular expressions some fast paths read a whole frame with (Binance's way: on one fixed layout a
 * compiled pattern is cheaper than a chain of steps). Each matches a subset of what JSON.parse reads the same way.
 */
/** One character of a string without escapes or control characters. */
export const STRING_CHAR = '[^"\\\\\\u0000-\\u001f]';
/** A string without escapes or control characters, not captured. */
export const RE_SKIP_STRING = `"${STRING_CHAR}*"`;
/** The content of a non-empty such string, captured. */
export const RE_TEXT = `"(${STRING_CHAR}+)"`;
/** A JSON number, captured: `Number(capture)` is the value JSON.parse gives it (both read JSON's grammar, correctly rounded). */
export const RE_NUMBER = '(-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)';
/** Epoch milliseconds as fields.ts bounds them (at most 13 digits, canonical), captured. */
export const RE_EPOCH_MS = '(0|[1-9][0-9]{0,12})';
/** A non-negative integer of at most 15 digits (a safe integer), not captured. */
export const RE_SKIP_INT = '(?:0|[1-9][0-9]{0,14})';
/** A flat value a fast path skips: a string as above, a JSON number, true, false or null. */
export const RE_SKIP_VALUE = `(?:${RE_SKIP_STRING}|-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null)`;

/**
 * The entries of an array from `pos` (after its `[`): each matched by `entry` (a sticky pattern) and handed to `read`
 * (false declines), separated by commas. The position after the `]`, or NO when anything else is there.
 */
export function matchEntries(frame: string, pos: number, entry: RegExp, read: (m: RegExpExecArray) => boolean): number {
  if (frame.charCodeAt(pos) === ARRAY_END) return pos + 1;
  for (;;) {
    const m = execFrom(entry, frame, pos);
    if (m === null || !read(m)) return NO;
    pos = entry.lastIndex;
    const c = frame.charCodeAt(pos);
    if (c === ARRAY_END) return pos + 1;
    if (c !== COMMA) return NO;
    pos++;
  }
}

/**
 * matchEntries for a pattern without captures (its `test` makes no match array): `read` gets each entry's start
 * and end and reads the fields where the pattern's layout puts them.
 */
export function testEntries(frame: string, pos: number, entry: RegExp, read: (start: number, end: number) => boolean): number {
  if (frame.charCodeAt(pos) === ARRAY_END) return pos + 1;
  for (;;) {
    if (!testFrom(entry, frame, pos) || !read(pos, entry.lastIndex)) return NO;
    pos = entry.lastIndex;
    const c = frame.charCodeAt(pos);
    if (c === ARRAY_END) return pos + 1;
    if (c !== COMMA) return NO;
    pos++;
  }
}

/** Whether `frame` ends with `tail` exactly at `pos`. */
export const endsAt = (frame: string, pos: number, tail: string): boolean => pos >= 0 && lit(frame, pos, tail) === frame.length;

const SHORTEST = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?$/;

/**
 * Whether `String(Number(text))` is `text` itself, for the text of a JSON number: so an id built from a number's
 * text is the id the full path builds with `String(value)`, without formatting a double (about as dear as reading
 * the frame). True for a plain decimal without superfluous zeros of at most 15 significant digits (decimals that
 * survive a trip through a double unchanged, so none shorter reads as the same double) from 0.000001 on, where
 * `String` writes no exponent; false for "-0" (written "0") and anything else.
 */
export function isShortestText(text: string): boolean {
  if (text.length > 24 || !SHORTEST.test(text) || text === '-0') return false;
  let digits = 0;
  let leading = true;
  let zerosAfterPoint = 0;
  let point = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) point = true;
    else if (c >= ZERO && c <= NINE) {
      if (leading && c === ZERO) {
        if (point) zerosAfterPoint++;
        continue;
      }
      leading = false;
      digits++;
    }
  }
  return digits <= 15 && zerosAfterPoint < 6;
}

/**
 * `isShortestText(text.slice(start, end))` without the slice or the pattern for the common case, an unsigned plain
 * decimal of at most 15 characters (a fast path's price or size as venues write them); anything else is sliced and
 * handed to isShortestText.
 */
export function isShortestAt(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start);
  if (end - start > 15 || end <= start || !isDigit(first)) return isShortestText(text.slice(start, end));
  let i = start + 1;
  if (first === ZERO) {
    if (i === end) return true;
    if (text.charCodeAt(i) !== DOT) return false;
  } else while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i === end) return true;
  const fraction = i + 1;
  if (text.charCodeAt(i) !== DOT || fraction === end) return false;
  for (i = fraction; i < end; i++) if (!isDigit(text.charCodeAt(i))) return false;
  if (text.charCodeAt(end - 1) === ZERO) return false;
  // `String` writes 0.0000001 and less with an exponent: at most five zeros after the point of a `0.` number.
  if (first === ZERO) {
    let z = fraction;
    while (text.charCodeAt(z) === ZERO) z++;
    if (z - fraction >= 6) return false;
  }
  return true;
}
