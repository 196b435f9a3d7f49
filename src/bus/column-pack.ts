/**
 * The column layout of a packed record: a pack of objects with the same keys, written as the keys
 * once, the values every object shares once, and the rest row by row:
 *
 *   {"count":2,"keys":["type","id","side"],"varying":[1,2],"head":["liquidation",null,null],
 *    "rows":["a","long","b","short"]}
 *
 * Events packed by key share venue, symbol, base, type, fidelity, kind and source, so this carries
 * about a third of the bytes of a JSON array of the objects, and writing and reading it costs about
 * two thirds. Anything the layout cannot carry exactly is left to the plain JSON array.
 */
export interface ColumnPack {
  count: number;
  keys: string[];
  /** Indexes into `keys` of the columns that differ between objects, in row order. */
  varying: number[];
  /** Per key, the shared value; null where the column varies. */
  head: unknown[];
  /** `count` rows of `varying.length` values, flattened. */
  rows: unknown[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

// JSON drops these from an object but writes null for them in an array.
const carried = (v: unknown): boolean => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';

/**
 * The column layout of `values` as JSON, or undefined when it cannot carry them exactly: values
 * that are not plain objects with the same keys, a value JSON omits from objects (undefined, a
 * function), or a `__proto__` key (assigning it would set a prototype).
 */
export function encodeColumns(values: unknown[]): string | undefined {
  const first = values[0];
  if (!isPlainObject(first)) return undefined;
  const keys = Object.keys(first);
  const width = keys.length;
  const shared = new Array<boolean>(width).fill(true);
  for (let j = 0; j < width; j++) if (!carried(first[keys[j]!]) || keys[j] === '__proto__') return undefined;
  for (let i = 1; i < values.length; i++) {
    const o = values[i];
    if (!isPlainObject(o)) return undefined;
    // Counting with for-in allocates nothing; an enumerable inherited key only makes the counts differ.
    let own = 0;
    for (const _ in o) own += 1;
    if (own !== width) return undefined;
    for (let j = 0; j < width; j++) {
      const key = keys[j]!;
      const v = o[key];
      // A key `o` lacks reads undefined or, through Object.prototype, a function.
      if (!carried(v)) return undefined;
      // Objects and arrays never compare equal here, so they are written per row.
      if (shared[j] && v !== first[key]) shared[j] = false;
    }
  }
  const varying: number[] = [];
  const head = new Array<unknown>(width);
  for (let j = 0; j < width; j++) {
    if (shared[j]) head[j] = first[keys[j]!];
    else {
      head[j] = null;
      varying.push(j);
    }
  }
  const rows = new Array<unknown>(values.length * varying.length);
  let p = 0;
  for (const o of values as Record<string, unknown>[]) for (const j of varying) rows[p++] = o[keys[j]!];
  const pack: ColumnPack = { count: values.length, keys, varying, head, rows };
  return JSON.stringify(pack);
}

/** The objects of a column-layout pack, or undefined when `value` is not a well-formed one. */
export function decodeColumns(value: unknown): Record<string, unknown>[] | undefined {
  if (!wellFormed(value)) return undefined;
  const { count, keys, varying, head, rows } = value;
  const isVarying = new Array<boolean>(keys.length).fill(false);
  for (const j of varying) isVarying[j] = true;
  const out = new Array<Record<string, unknown>>(count);
  for (let i = 0, p = 0; i < count; i++) {
    const o: Record<string, unknown> = {};
    for (let j = 0; j < keys.length; j++) o[keys[j]!] = isVarying[j] ? rows[p++] : head[j];
    out[i] = o;
  }
  return out;
}

function wellFormed(v: unknown): v is ColumnPack {
  if (!isPlainObject(v)) return false;
  const { count, keys, varying, head, rows } = v;
  if (!Number.isSafeInteger(count) || (count as number) < 0) return false;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string' && k !== '__proto__') || new Set(keys).size !== keys.length) return false;
  if (!Array.isArray(head) || head.length !== keys.length || !Array.isArray(rows) || !Array.isArray(varying)) return false;
  if (!varying.every((j, n) => Number.isSafeInteger(j) && j >= 0 && j < keys.length && (n === 0 || j > varying[n - 1]))) return false;
  return rows.length === (count as number) * varying.length;
}
