/**
 * The column layout of a packed record: a pack of objects with the same keys in the same order, written as the keys
 * once, the values every object shares once, and the rest row by row:
 *
 *   {"count":2,"keys":["type","id","price"],"varying":[1],"numeric":[2],
 *    "head":["liquidation",null,null],"rows":["a","b"],"numbers":"<base64 of 2 float64s>"}
 *
 * Events packed by key share venue, symbol, base, type, fidelity, kind and source, so this carries
 * about a third of the bytes of a JSON array of the objects. Columns of finite numbers (prices,
 * quantities, times) travel as little-endian float64s in base64: turning a double into its shortest
 * decimal text and back was half the cost of the JSON, and the bits read back exactly what
 * JSON would. Anything the layout cannot carry exactly is left to the plain JSON array.
 */
export interface ColumnPack {
  count: number;
  keys: string[];
  /** Indexes into `keys` of the columns that differ between objects and travel in `rows`, ascending. */
  varying: number[];
  /** Indexes into `keys` of the columns that differ and travel in `numbers`, ascending; none is in `varying`. */
  numeric: number[];
  /** Per key, the shared value; null where the column varies. */
  head: unknown[];
  /** `count` rows of `varying.length` values, flattened. */
  rows: unknown[];
  /** Base64 of `count` rows of `numeric.length` little-endian float64s. */
  numbers: string;
}

/**
 * At most this many keys in a pack (events have about 15). Every decoded object gets all of them, so without a bound
 * a small pack could build count × keys properties (1,000 × 1,000 from 10 kB); with it, what a record builds grows
 * with its size, and the checks over the columns stay small. Wider objects travel as a JSON array.
 */
const MAX_COLUMNS = 64;

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

/** A number JSON carries as itself: JSON writes NaN and the infinities as null, and -0 as 0. */
const plainNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0);

/**
 * The column layout of `values` as JSON, or undefined when it cannot carry them exactly: values
 * that are not plain objects with the same keys in the same order, a value that would not read back the same (see
 * `carried`), or a `__proto__` key (assigning it would set a prototype). Each property is read
 * once, as JSON.stringify would.
 */
export function encodeColumns(values: unknown[]): string | undefined {
  const first = values[0];
  if (!isPlainObject(first)) return undefined;
  const keys = Object.keys(first);
  const width = keys.length;
  if (width > MAX_COLUMNS || keys.includes('__proto__')) return undefined;
  const cells = new Array<unknown>(values.length * width);
  for (let i = 0, p = 0; i < values.length; i++) {
    const o = values[i];
    if (!isPlainObject(o)) return undefined;
    // The keys as for-in gives them: the own ones in JSON.stringify's order, then any enumerable inherited one.
    // Each must be the first object's in its place (a key missing, another one, another order or an inherited one
    // leaves the pack to the JSON array, which writes every object as it is). Reading `o[k]` for the key for-in
    // gives is a field load by the object's own layout; reading it by the first object's key was a keyed
    // lookup per value (≈ a third of this function's time on the venue mix).
    let j = 0;
    for (const k in o) {
      if (j === width || k !== keys[j]) return undefined;
      const v = o[k];
      if (!carried(v)) return undefined;
      cells[p++] = v;
      j += 1;
    }
    if (j !== width) return undefined;
  }
  const varying: number[] = [];
  const numeric: number[] = [];
  const head = new Array<unknown>(width);
  for (let j = 0; j < width; j++) {
    let shared = true;
    let numbers = plainNumber(cells[j]);
    // Objects and arrays never compare equal here, so they are written per row.
    for (let p = width + j; p < cells.length && (shared || numbers); p += width) {
      shared &&= cells[p] === cells[j];
      numbers &&= plainNumber(cells[p]);
    }
    head[j] = shared ? cells[j] : null;
    if (!shared) (numbers ? numeric : varying).push(j);
  }
  // Objects all alike: one column is still written row by row, so that the pack's size bounds its count (see
  // wellFormed). Objects without keys go as a JSON array, which bounds it too.
  if (varying.length === 0 && numeric.length === 0) {
    if (width === 0) return undefined;
    varying.push(0);
    head[0] = null;
  }
  const rows = new Array<unknown>(values.length * varying.length);
  const bits = Buffer.allocUnsafe(values.length * numeric.length * 8);
  const view = new DataView(bits.buffer, bits.byteOffset, bits.length);
  for (let i = 0, p = 0, q = 0; i < values.length; i++) {
    const row = i * width;
    for (const j of varying) rows[p++] = cells[row + j];
    for (const j of numeric) {
      view.setFloat64(q, cells[row + j] as number, true);
      q += 8;
    }
  }
  const pack: ColumnPack = { count: values.length, keys, varying, numeric, head, rows, numbers: bits.toString('base64') };
  return JSON.stringify(pack);
}

/**
 * The objects of a column-layout pack of `count` messages (its record's header), or undefined when
 * `value` is not a well-formed one. The count is checked before any object is built, so a small
 * record cannot ask for a huge number of them.
 */
export function decodeColumns(value: unknown, count: number): Record<string, unknown>[] | undefined {
  if (!wellFormed(value) || value.count !== count) return undefined;
  const { keys, varying, numeric, head, rows } = value;
  // Buffer skips characters that are not base64: what counts is how many numbers it read.
  const bits = Buffer.from(value.numbers, 'base64');
  if (bits.length !== count * numeric.length * 8) return undefined;
  const view = new DataView(bits.buffer, bits.byteOffset, bits.length);
  // Every object starts as a copy of one template holding all the keys in order (the shared values in place, the
  // others null until set): a spread copy of it is one allocation of the final size with the template's shape, where
  // adding the keys one by one to {} moved the object through a shape per key and grew its property store several
  // times (the consumer's largest allocation on the mix: ≈ 420 bytes an event). Setting an existing key keeps the
  // key order, so the objects are the same, key for key, as before.
  const template: Record<string, unknown> = {};
  for (let j = 0; j < keys.length; j++) template[keys[j]!] = head[j];
  const rowKeys = varying.map((j) => keys[j]!);
  const numberKeys = numeric.map((j) => keys[j]!);
  const out = new Array<Record<string, unknown>>(count);
  for (let i = 0, p = 0, q = 0; i < count; i++) {
    const o: Record<string, unknown> = { ...template };
    for (const k of rowKeys) o[k] = rows[p++];
    for (const k of numberKeys) {
      const v = view.getFloat64(q, true);
      q += 8;
      // A writer never puts these here; a pack that has them is not one of ours.
      if (!plainNumber(v)) return undefined;
      o[k] = v;
    }
    out[i] = o;
  }
  return out;
}

const PACK_FIELDS = ['count', 'keys', 'varying', 'numeric', 'head', 'rows', 'numbers'];

/** Ascending indexes of columns, each below `width` and null in `head`. */
const columnList = (v: unknown, width: number, head: unknown[]): v is number[] =>
  Array.isArray(v) && v.every((j, n) => Number.isSafeInteger(j) && j >= 0 && j < width && (n === 0 || j > v[n - 1]) && head[j] === null);

function wellFormed(v: unknown): v is ColumnPack {
  if (!isPlainObject(v) || Object.keys(v).length !== PACK_FIELDS.length || !PACK_FIELDS.every((f) => Object.hasOwn(v, f))) return false;
  const { count, keys, varying, numeric, head, rows, numbers } = v;
  if (!Number.isSafeInteger(count) || (count as number) < 1) return false;
  if (!Array.isArray(keys) || keys.length > MAX_COLUMNS || !keys.every((k) => typeof k === 'string' && k !== '__proto__') || new Set(keys).size !== keys.length) return false;
  if (!Array.isArray(head) || head.length !== keys.length || !Array.isArray(rows) || typeof numbers !== 'string') return false;
  if (!columnList(varying, keys.length, head) || !columnList(numeric, keys.length, head) || numeric.some((j) => varying.includes(j))) return false;
  // A column that varies, so each message takes a row cell or 8 bytes of numbers: a record's count is bounded by its
  // size (a pack of all-shared columns could claim any count, and 2^53 - 1 of them threw building the array).
  if (varying.length === 0 && numeric.length === 0) return false;
  return rows.length === (count as number) * varying.length;
}
