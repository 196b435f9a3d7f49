/**
 * Hostile values shared by the venue tests and the parser fuzz test: what a broken gateway, a format
 * change or an attacker in the path could put where a venue writes a number, a time or a nested value.
 */

/** Numeric strings that `Number()` reads (or reads as 0 / Infinity / NaN) but no venue writes. */
export const HOSTILE_NUMERIC_STRINGS: readonly string[] = [
  '0x10',
  '+1',
  ' 1e3 ',
  '',
  '1e400',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e3',
  '0b11',
  '0o7',
  '1.',
  '.5',
  '1_000',
  '\u0661', // an Arabic-Indic digit one
  `1${'0'.repeat(400)}`, // a decimal, but Infinity as a double
];

/** JSON number literals that parse but are no trade time (negative, fractional, µs/ns, unsafe, huge). */
export const HOSTILE_TIME_LITERALS: readonly string[] = ['-1', '1.5', '1e300', '9007199254740993', '17000000000000000', '1568014460893000', '-0.0', '1e400'];

/** `{"a":[[[…]]]}`-style nesting `depth` deep, built without recursion. */
export const deepArray = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
export const deepObject = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** The examples: a frame 100,000 levels deep inside the error reply of Binance and Hyperliquid. */
export const DEEP = 100_000;
