import fc from 'fast-check';
import { frameText } from '../../src/connection/managed-socket.js';
import { deepArray, deepObject, HOSTILE_NUMERIC_STRINGS, HOSTILE_TIME_LITERALS } from './hostile.js';

/**
 * Frame mutations for the parser fuzz test. A mutation is raw material (small natural numbers) drawn by
 * fast-check and read by a pure function, so a run is reproducible from its seed and fast-check can
 * shrink a failing frame towards the seed it came from.
 */
export interface Mutation {
  kind: number;
  a: number;
  b: number;
  c: number;
}

// Simple JSON values and the keys in front of them: what the value-level mutations aim at. Tokens are
// bounded (256 characters): an unbounded string pattern rescans to the end of an unterminated multi-MiB
// string from every quote in it, which is quadratic (minutes for one frame).
const STRING = '"(?:[^"\\\\]|\\\\.){0,256}"';
const NUMBER = '-?\\d{1,64}(?:\\.\\d{1,64})?';
const SIMPLE = `${STRING}|${NUMBER}(?:[eE][-+]?\\d{1,4})?|true|false|null`;
const SIMPLE_VALUE = new RegExp(SIMPLE, 'g');
const KEY_VALUE = new RegExp(`${STRING}:(?:${SIMPLE}),?`, 'g');
const NUMBERISH = new RegExp(`"${NUMBER}"|${NUMBER}`, 'g');
const KEY = new RegExp(`${STRING}:`, 'g');
/** Targets are looked for in the first 64 KiB only: a huge frame would otherwise yield millions of them. */
const SCOPE = 1 << 16;

const SWAPS = ['null', '[]', '{}', 'true', '"x"', '0', '-1', '[{}]', '[[]]', '{"__proto__":{"length":1}}', '{"constructor":{"prototype":{}}}', '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"'];
const PROTO_KEYS = ['"__proto__":', '"constructor":', '"prototype":', '"toString":', '"hasOwnProperty":'];

/** `lo` … `hi` spread evenly in log scale: most values small, a few near `hi`. */
const logScale = (n: number, lo: number, hi: number): number => Math.round(lo * (hi / lo) ** ((n % 1001) / 1000));

/**
 * Each pattern's matches in the frames mutate() was given: a fuzz run mutates the same few seed frames thousands
 * of times, and scanning a seed again for each mutation was about a fifth of the fuzz test's time. Only the
 * frame mutate() was given is kept (what its later mutations make is new each time, and may be megabytes);
 * bounded, cleared when full.
 */
const MATCHES = new Map<RegExp, Map<string, RegExpExecArray[]>>();
const MATCHES_KEPT = 256;
let given: string | undefined;

function matchesOf(text: string, pattern: RegExp): RegExpExecArray[] {
  const scan = () => [...(text.length > SCOPE ? text.slice(0, SCOPE) : text).matchAll(pattern)];
  if (text !== given) return scan();
  let byText = MATCHES.get(pattern);
  if (byText === undefined) MATCHES.set(pattern, (byText = new Map()));
  let all = byText.get(text);
  if (all === undefined) {
    if (byText.size >= MATCHES_KEPT) byText.clear();
    byText.set(text, (all = scan()));
  }
  return all;
}

/** The `n`-th (mod count) match of `pattern` in `text`, or undefined. */
function pick(text: string, pattern: RegExp, n: number): RegExpExecArray | undefined {
  const all = matchesOf(text, pattern);
  return all.length === 0 ? undefined : all[n % all.length];
}

const replaceMatch = (text: string, m: RegExpExecArray | undefined, by: (match: string) => string): string =>
  m === undefined ? text : text.slice(0, m.index) + by(m[0]) + text.slice(m.index + m[0].length);

function hugeString(a: number, b: number): string {
  const length = logScale(a, 1 << 10, 4 << 20);
  const unit = ['x', '7', '\\u0000', '\\ud800', '\\"', 'é'][b % 6]!;
  return `"${unit.repeat(Math.ceil(length / unit.length))}"`;
}

/** Mutation kinds, with how often each is drawn (huge and deep frames cost milliseconds; they are rarer). */
const KINDS: readonly { weight: number; apply: (frame: string, m: Mutation) => string }[] = [
  // A byte of the UTF-8 encoding flipped, then read as a socket would (invalid UTF-8 is marked).
  {
    weight: 6,
    apply: (f, { a, b }) => {
      const bytes = Buffer.from(f);
      const i = a % Math.max(bytes.length, 1);
      if (i < bytes.length) bytes[i] = bytes[i]! ^ (1 << (b % 8));
      return frameText(bytes, false);
    },
  },
  { weight: 4, apply: (f, { a }) => f.slice(0, a % (f.length + 1)) },
  {
    weight: 4,
    apply: (f, { a, b, c }) => {
      const start = a % (f.length + 1);
      const span = f.slice(start, start + (b % 64));
      const at = c % (f.length + 1);
      return f.slice(0, at) + span + f.slice(at);
    },
  },
  {
    weight: 8,
    apply: (f, { a, b }) => {
      const hostile = [...HOSTILE_NUMERIC_STRINGS.map((s) => JSON.stringify(s)), ...HOSTILE_TIME_LITERALS];
      return replaceMatch(f, pick(f, NUMBERISH, a), () => hostile[b % hostile.length]!);
    },
  },
  {
    weight: 1,
    apply: (f, { a, b, c }) => {
      const depth = logScale(b, 2, 100_000);
      return replaceMatch(f, pick(f, SIMPLE_VALUE, a), () => (c % 2 === 0 ? deepArray(depth) : deepObject(depth)));
    },
  },
  { weight: 6, apply: (f, { a, b }) => replaceMatch(f, pick(f, SIMPLE_VALUE, a), () => SWAPS[b % SWAPS.length]!) },
  { weight: 4, apply: (f, { a }) => replaceMatch(f, pick(f, KEY_VALUE, a), () => '') },
  { weight: 1, apply: (f, { a, b, c }) => replaceMatch(f, pick(f, SIMPLE_VALUE, a), () => hugeString(b, c)) },
  { weight: 3, apply: (f, { a, b }) => replaceMatch(f, pick(f, KEY, a), () => PROTO_KEYS[b % PROTO_KEYS.length]!) },
  // Arrays where objects are expected, at the top.
  { weight: 1, apply: (f, { a }) => (a % 2 === 0 ? `[${f}]` : `[${f},${f}]`) },
];
const TOTAL_WEIGHT = KINDS.reduce((s, k) => s + k.weight, 0);

export function mutate(frame: string, mutations: readonly Mutation[]): string {
  given = frame;
  let out = frame;
  for (const m of mutations) {
    let w = m.kind % TOTAL_WEIGHT;
    const kind = KINDS.find((k) => (w -= k.weight) < 0)!;
    out = kind.apply(out, m);
  }
  return out;
}

export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(fc.record({ kind: fc.nat(), a: fc.nat(), b: fc.nat(), c: fc.nat() }), { minLength: 1, maxLength: 3 });

/**
 * Amounts no venue sends: huge (1e20, a $1e40 liquidation once multiplied), past a double (1e308 × a price,
 * 400 digits), negative, NaN and the infinities, each as the frame wrote the value it replaces (quoted or bare).
 */
export const ABSURD_AMOUNTS: readonly string[] = ['100000000000000000000', '1e20', '-100000000000000000000', '1e308', `1${'0'.repeat(400)}`, 'NaN', 'Infinity', '-Infinity', '-1'];

/** Market names no venue uses: markup, a space, a quote, a control character, an emoji, 65 characters. */
export const HOSTILE_SYMBOLS: readonly string[] = ['<img src=x onerror=alert(1)>USDT', '"><script>alert(1)</script>', 'BTC USDT', "BTC'USDT", 'BTC\u0000USDT', '😀USDT', 'X'.repeat(65)];

/** A string value that could be a market name (not a key: no colon follows it). */
const NAME_VALUE = /"[A-Za-z0-9._:/@-]{1,40}"(?!\s*:)/g;

/**
 * Every frame that is `frame` with one value replaced by an absurd one: each number (bare or quoted) by each
 * of ABSURD_AMOUNTS, each name-like string by each of HOSTILE_SYMBOLS. Deterministic, in frame order; which of
 * them a parser must refuse is for the caller to tell (a replaced order id or limit price changes nothing).
 */
export function absurdVariants(frame: string): string[] {
  const out: string[] = [];
  for (const m of frame.slice(0, SCOPE).matchAll(NUMBERISH)) {
    const quoted = m[0].startsWith('"');
    for (const v of ABSURD_AMOUNTS) out.push(replaceMatch(frame, m, () => (quoted ? `"${v}"` : v)));
  }
  for (const m of frame.slice(0, SCOPE).matchAll(NAME_VALUE)) for (const s of HOSTILE_SYMBOLS) out.push(replaceMatch(frame, m, () => JSON.stringify(s)));
  return out;
}
