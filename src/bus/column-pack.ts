/**
 * The column layout of a packed record: a pack of objects with the same keys, written as the keys
 * once, the values every object shares once, and the rest row by row:
 *
 *   {"count":2,"keys":["type","id","side"],"varying":[1,2],"head":["liquidation",null,null],
 *    "rows":["a","long","b","short"]}
 *
 * Events packed by key share venue, symbol, base, type, fidelity, kind and source, so this carries
 * about a third of the bytes of a JSON array of the objects, and writing and reading it costs about
 * 60% as much. Anything the layout cannot carry exactly is left to the plain JSON array.
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

/**
 * Whether a property value reads back the same from an array cell as from an object. JSON drops
 * undefined, functions and symbols from an object but writes null for them in an array, and a
 * toJSON may do either or read its key (an index in an array); Date's toJSON is the one known safe.
 */
function carried(v: unknown): boolean {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return false;
  return typeof v !== 'object' || v === null || v instanceof Date || typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * The column layout of `values` as JSON, or undefined when it cannot carry them exactly: values
 * that are not plain objects with the same keys, a value that would not read back the same (see
 * `carried`), or a `__proto__` key (assigning it would set a prototype). Each property is read
 * once, as JSON.stringify would.
 */
export function encodeColumns(values: unknown[]): string | undefined {
  const first = values[0];
  if (!isPlainObject(first)) return undefined;
  const keys = Object.keys(first);
  const width = keys.length;
  if (keys.includes('__proto__')) return undefined;
  const cells = new Array<unknown>(values.length * width);
  for (let i = 0, p = 0; i < values.length; i++) {
    const o = values[i];
    if (!isPlainObject(o)) return undefined;
    // Counting with for-in allocates nothing; an enumerable inherited key only makes the counts differ.
    let own = 0;
    for (const _ in o) own += 1;
    if (own !== width) return undefined;
    for (let j = 0; j < width; j++) {
      // A key `o` lacks reads undefined or, through Object.prototype, a function: not carried.
      const v = o[keys[j]!];
      if (!carried(v)) return undefined;
      cells[p++] = v;
    }
  }
  const varying: number[] = [];
  const head = new Array<unknown>(width);
  for (let j = 0; j < width; j++) {
    let shared = true;
    // Objects and arrays never compare equal here, so they are written per row.
    for (let p = width + j; shared && p < cells.length; p += width) shared = cells[p] === cells[j];
    if (shared) head[j] = cells[j];
    else {
      head[j] = null;
      varying.push(j);
    }
  }
  const rows = new Array<unknown>(values.length * varying.length);
  for (let i = 0, p = 0; i < values.length; i++) for (const j of varying) rows[p++] = cells[i * width + j];
  const pack: ColumnPack = { count: values.length, keys, varying, head, rows };
  return JSON.stringify(pack);
}

/**
 * The objects of a column-layout pack of `count` messages (its record's header), or undefined when
 * `value` is not a well-formed one. The count is checked before any object is built, so a small
 * record cannot ask for a huge number of them.
 */
export function decodeColumns(value: unknown, count: number): Record<string, unknown>[] | undefined {
  if (!wellFormed(value) || value.count !== count) return undefined;
  const { keys, varying, head, rows } = value;
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

const PACK_FIELDS = ['count', 'keys', 'varying', 'head', 'rows'];

function wellFormed(v: unknown): v is ColumnPack {
  if (!isPlainObject(v) || Object.keys(v).length !== PACK_FIELDS.length || !PACK_FIELDS.every((f) => Object.hasOwn(v, f))) return false;
  const { count, keys, varying, head, rows } = v;
  if (!Number.isSafeInteger(count) || (count as number) < 1) return false;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string' && k !== '__proto__') || new Set(keys).size !== keys.length) return false;
  if (!Array.isArray(head) || head.length !== keys.length || !Array.isArray(rows) || !Array.isArray(varying)) return false;
  if (!varying.every((j, n) => Number.isSafeInteger(j) && j >= 0 && j < keys.length && (n === 0 || j > varying[n - 1]) && head[j] === null)) return false;
  return rows.length === (count as number) * varying.length;
}
