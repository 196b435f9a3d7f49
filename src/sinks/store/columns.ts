import type { DuckDBDataChunk, DuckDBType } from '@duckdb/node-api';

/**
 * How a buffer column is fed from JS and read back. Rows are gathered column by column in typed
 * arrays (strings in plain arrays) and handed to the writer 16,384 at a time, which gives them to DuckDB
 * as data chunks of 2,048 rows: numbers are copied as typed arrays, only the free-text columns cross
 * into DuckDB one value at a time. Per value through the row appender,
 * a liquidation cost about 4 µs of the replay's thread (14 native calls); this costs about a quarter.
 *
 * - `code`: a string from a small set (venue, kind, side, symbol...), kept as its index in a
 *   dictionary the writer holds, and turned back into the string in SQL at commit;
 * - `text`: any string (ids, JSON);
 * - `double`, `int`, `bool`: as they are;
 * - `ms`: a time in ms since the epoch (an integer, exact in a double), read back as BIGINT;
 * - `units`: USD in 1/10,000 (the aggregator's integer units), read back as DECIMAL(18,4) exactly.
 */
export type ColumnKind = 'code' | 'text' | 'double' | 'int' | 'bool' | 'ms' | 'units';
export type BufferColumn = readonly [name: string, kind: ColumnKind];

const BUFFER_TYPE: Record<ColumnKind, string> = { code: 'INTEGER', text: 'VARCHAR', double: 'DOUBLE', int: 'INTEGER', bool: 'BOOLEAN', ms: 'DOUBLE', units: 'DOUBLE' };
/** The column's type once decoded (what `decodeSql` gives). */
export const LOGICAL_TYPE: Record<ColumnKind, string> = { code: 'VARCHAR', text: 'VARCHAR', double: 'DOUBLE', int: 'INTEGER', bool: 'BOOLEAN', ms: 'BIGINT', units: 'DECIMAL(18,4)' };

export const bufferTableSql = (columns: readonly BufferColumn[]): string => columns.map(([name, kind]) => `${name} ${BUFFER_TYPE[kind]}`).join(', ');

/** A string as a SQL literal (dictionary entries come from validated events; quotes are doubled all the same). */
const literal = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/**
 * The buffer's columns decoded to their logical types, under their own names; `dictionaries[i]` holds
 * the strings of column i's codes. Decimal × decimal is exact in DuckDB: units × 0.0001 is
 * DECIMAL(18,4) with no float step.
 */
export function decodeSql(columns: readonly BufferColumn[], dictionaries: readonly (readonly string[])[]): string {
  return columns
    .map(([name, kind], i) => {
      if (kind === 'code') return `(${listSql(dictionaries[i] ?? [])})[${name} + 1] AS ${name}`;
      if (kind === 'ms') return `CAST(${name} AS BIGINT) AS ${name}`;
      if (kind === 'units') return `CAST(CAST(${name} AS BIGINT) AS DECIMAL(18,0)) * 0.0001 AS ${name}`;
      return name;
    })
    .join(', ');
}

// An empty list literal has no element type: a NULL VARCHAR makes it VARCHAR[] (no code points at it).
const listSql = (values: readonly string[]): string => `[${values.length ? values.map(literal).join(', ') : 'NULL::VARCHAR'}]`;

/** Strings of one column and their codes; a code never changes for the writer's life (buffers not yet committed keep using it). */
export class Dictionary {
  private readonly codes = new Map<string, number>();
  private readonly values: string[] = [];
  /** How many values the writer has been sent (`fresh`). */
  private sent = 0;
  // Consecutive rows mostly carry the same venue, kind, side, source: the last string answers without a lookup.
  private last: string | undefined;
  private lastCode = -1;

  code(value: string): number {
    if (value === this.last) return this.lastCode;
    let c = this.codes.get(value);
    if (c === undefined) {
      c = this.values.length;
      this.codes.set(value, c);
      this.values.push(value);
    }
    this.last = value;
    this.lastCode = c;
    return c;
  }

  /** The strings coded since the last call, in code order (the writer appends them to its copy). */
  fresh(): string[] | undefined {
    if (this.sent === this.values.length) return undefined;
    const out = this.values.slice(this.sent);
    this.sent = this.values.length;
    return out;
  }
}

type Value = string | number | boolean | null;
/**
 * Rows a chunk gathers before it goes to the writer: eight DuckDB data chunks (2,048 rows each). Each
 * chunk is a message to the store's thread, and a message's cost is mostly its own, not its size's.
 */
const CHUNK_ROWS = 16_384;
/** The rows of a DuckDB data chunk (its vector size). */
const DUCKDB_CHUNK_ROWS = 2048;

/** One column's values of a chunk: numbers (`double`, `ms`, `units`), codes and integers, booleans as 0/1, or strings. */
export type ChunkColumn = Float64Array | Int32Array | Uint8Array | (string | null)[];

/**
 * Up to 16,384 gathered rows of one table, as plain data: what crosses to the writer (in this thread,
 * or posted to the store's thread with the typed arrays' memory transferred, not copied).
 */
export interface ColumnChunk {
  rows: number;
  columns: ChunkColumn[];
  /** Per column, the rows that are null (rare: a minute without open interest). */
  nulls: (number[] | undefined)[];
  /** Per `code` column, the strings coded since the previous chunk (the writer's dictionary grows by them). */
  dictionaries: (string[] | undefined)[];
}

/**
 * One table's rows being gathered: `put` each column of a row in order (or `putCode` for a `code`
 * column), then `end`. Every 16,384 rows (and on `drain`) the rows go to `emit` as one chunk.
 *
 * A column's values are written into a typed array (a JS array of them held every double as a heap
 * object: garbage for each row, on the replay's thread), strings into a plain array. Each kind has its
 * own list of columns, so that every store into one is of one array type. The arrays go with the chunk
 * (transferred to the store's thread) and fresh ones take their place.
 */
export class ColumnRows {
  readonly dictionaries: Dictionary[];
  private doubles: (Float64Array | undefined)[] = [];
  private ints: (Int32Array | undefined)[] = [];
  private bools: (Uint8Array | undefined)[] = [];
  private texts: ((string | null)[] | undefined)[] = [];
  private nulls: (number[] | undefined)[] = [];
  private col = 0;
  /** Rows gathered and not yet emitted. */
  rows = 0;
  /** Rows ended since the start (what the sink has received). */
  ended = 0;
  /** Columns of chunks the writer is done with, to gather into again (`recycle`). */
  private readonly spare: ChunkColumn[][] = [];

  constructor(
    readonly columns: readonly BufferColumn[],
    private readonly emit: (chunk: ColumnChunk) => void,
  ) {
    this.dictionaries = columns.map(() => new Dictionary());
    this.fresh();
  }

  /**
   * A chunk's columns back from the writer, its typed arrays to be written again: new ones every
   * 16,384 rows are memory outside V8's heap, which V8 answers with full collections.
   */
  recycle(columns: ChunkColumn[]): void {
    if (this.spare.length < 4) this.spare.push(columns);
  }

  private fresh(): void {
    const spare = this.spare.pop();
    const of = <T>(kinds: ColumnKind[], make: () => T) => this.columns.map(([, kind], i) => (kinds.includes(kind) ? ((spare?.[i] as T | undefined) ?? make()) : undefined));
    this.doubles = of(['double', 'ms', 'units'], () => new Float64Array(CHUNK_ROWS));
    this.ints = of(['code', 'int'], () => new Int32Array(CHUNK_ROWS));
    this.bools = of(['bool'], () => new Uint8Array(CHUNK_ROWS));
    this.texts = this.columns.map(([, kind]) => (kind === 'text' ? [] : undefined));
    this.nulls = this.columns.map(() => undefined);
  }

  put(v: Value | undefined): void {
    const i = this.col++;
    const row = this.rows;
    if (v === null || v === undefined) (this.nulls[i] ??= []).push(row);
    else if (this.doubles[i]) this.doubles[i][row] = v as number;
    else if (this.texts[i]) this.texts[i][row] = v as string;
    else if (this.ints[i]) this.ints[i][row] = v as number;
    else this.bools[i]![row] = v ? 1 : 0;
  }

  // The same for a value that is never null (a liquidation's fields), of the column's own kind: no null check,
  // no look at the kind (the sink alone, 1.42M liquidations in-process: 165 → 138 ns each).
  num(v: number): void {
    this.doubles[this.col++]![this.rows] = v;
  }

  text(v: string): void {
    this.texts[this.col++]![this.rows] = v;
  }

  code(v: string): void {
    const i = this.col++;
    this.ints[i]![this.rows] = this.dictionaries[i]!.code(v);
  }

  putCode(v: string | null | undefined): void {
    const i = this.col++;
    if (v === null || v === undefined) (this.nulls[i] ??= []).push(this.rows);
    else this.ints[i]![this.rows] = this.dictionaries[i]!.code(v);
  }

  end(): void {
    if (this.col !== this.columns.length) throw new Error(`store: a row of ${this.col} values for ${this.columns.length} columns`);
    this.col = 0;
    this.ended += 1;
    if (++this.rows === CHUNK_ROWS) this.drain();
  }

  /** The rows gathered so far, as one chunk (none when there are none). */
  drain(): void {
    const rows = this.rows;
    if (rows === 0) return;
    const columns = this.columns.map((_, i) => this.doubles[i] ?? this.ints[i] ?? this.bools[i] ?? this.texts[i]!);
    const chunk: ColumnChunk = { rows, columns, nulls: this.nulls, dictionaries: this.dictionaries.map((d) => d.fresh()) };
    this.fresh();
    this.rows = 0;
    this.emit(chunk);
  }
}

/** The typed arrays' memory of a chunk (what a postMessage transfers instead of copying). */
export const chunkTransfer = (chunk: ColumnChunk): ArrayBuffer[] => chunk.columns.flatMap((c) => (Array.isArray(c) ? [] : [c.buffer as ArrayBuffer]));

/** A chunk's rows as DuckDB data chunks of up to 2,048 rows (the writer's side; the arrays' space past `rows` is unused). */
export function toDataChunks(chunk: ColumnChunk, types: readonly DuckDBType[], create: (types: readonly DuckDBType[], rows: number) => DuckDBDataChunk): DuckDBDataChunk[] {
  const out: DuckDBDataChunk[] = [];
  for (let from = 0; from < chunk.rows; from += DUCKDB_CHUNK_ROWS) {
    const rows = Math.min(DUCKDB_CHUNK_ROWS, chunk.rows - from);
    const data = create(types, rows);
    chunk.columns.forEach((values, i) => {
      const vector = data.getColumnVector(i);
      // Every value first, then the nulls: a vector's validity mask is made (and each later value costs
      // more) only once a value in it is null. A null row's slot holds a stale value until then.
      if (values instanceof Uint8Array) for (let r = 0; r < rows; r++) vector.setItem(r, values[from + r] === 1);
      else for (let r = 0; r < rows; r++) vector.setItem(r, values[from + r] ?? null);
      for (const r of chunk.nulls[i] ?? []) if (r >= from && r < from + rows) vector.setItem(r - from, null);
      vector.flush();
    });
    out.push(data);
  }
  return out;
}

/** The DuckDB types of the buffer columns (for data chunks). */
export async function chunkTypes(columns: readonly BufferColumn[]): Promise<DuckDBType[]> {
  const { BOOLEAN, DOUBLE, INTEGER, VARCHAR } = await import('@duckdb/node-api');
  const of: Record<ColumnKind, DuckDBType> = { code: INTEGER, text: VARCHAR, double: DOUBLE, int: INTEGER, bool: BOOLEAN, ms: DOUBLE, units: DOUBLE };
  return columns.map(([, kind]) => of[kind]);
}
