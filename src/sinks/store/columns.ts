import type { DuckDBDataChunk, DuckDBType } from '@duckdb/node-api';

/**
 * How a buffer column is fed from JS and read back. Rows are gathered column by column in JS arrays
 * and handed to DuckDB 2,048 at a time as one data chunk: numbers are copied as typed arrays, only
 * the free-text columns cross into DuckDB one value at a time. Per value through the row appender,
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
 * The buffer's columns decoded to their logical types, under their own names. Decimal × decimal is
 * exact in DuckDB: units × 0.0001 is DECIMAL(18,4) with no float step.
 */
export function decodeSql(columns: readonly BufferColumn[], dictionaries: readonly Dictionary[]): string {
  return columns
    .map(([name, kind], i) => {
      if (kind === 'code') return `(${dictionaries[i]!.listSql()})[${name} + 1] AS ${name}`;
      if (kind === 'ms') return `CAST(${name} AS BIGINT) AS ${name}`;
      if (kind === 'units') return `CAST(CAST(${name} AS BIGINT) AS DECIMAL(18,0)) * 0.0001 AS ${name}`;
      return name;
    })
    .join(', ');
}

/** Strings of one column and their codes; a code never changes for the writer's life (buffers not yet committed keep using it). */
export class Dictionary {
  private readonly codes = new Map<string, number>();
  private readonly values: string[] = [];
  private sql: string | undefined;
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
      this.sql = undefined;
    }
    this.last = value;
    this.lastCode = c;
    return c;
  }

  listSql(): string {
    // An empty list literal has no element type: a NULL VARCHAR makes it VARCHAR[] (no code points at it).
    return (this.sql ??= `[${this.values.length ? this.values.map(literal).join(', ') : 'NULL::VARCHAR'}]`);
  }
}

type Value = string | number | boolean | null;
const CHUNK_ROWS = 2048;

/**
 * One table's rows being gathered: `put` each column of a row in order (or `putCode` for a `code`
 * column), then `end`. Every 2,048 rows (and on `drain`) the rows become a data chunk for `emit`.
 *
 * A column's values for the chunk are kept in a typed array allocated once and reused (a JS array of
 * them held every double as a heap object: garbage for each row, on the replay's thread), strings in a
 * plain array. Each kind has its own list of columns, so that every store into one is of one array type.
 */
export class ColumnRows {
  readonly dictionaries: Dictionary[];
  private readonly doubles: (Float64Array | undefined)[];
  private readonly ints: (Int32Array | undefined)[];
  private readonly bools: (Uint8Array | undefined)[];
  private readonly texts: ((string | null)[] | undefined)[];
  /** Per column, the rows of this chunk that are null (rare: a minute without open interest). */
  private nulls: (number[] | undefined)[];
  private col = 0;
  rows = 0;

  constructor(
    readonly columns: readonly BufferColumn[],
    private readonly types: readonly DuckDBType[],
    private readonly createChunk: (types: readonly DuckDBType[], rows: number) => DuckDBDataChunk,
    private readonly emit: (chunk: DuckDBDataChunk, rows: number) => void,
  ) {
    this.dictionaries = columns.map(() => new Dictionary());
    const of = <T>(kinds: ColumnKind[], make: () => T) => columns.map(([, kind]) => (kinds.includes(kind) ? make() : undefined));
    this.doubles = of(['double', 'ms', 'units'], () => new Float64Array(CHUNK_ROWS));
    this.ints = of(['code', 'int'], () => new Int32Array(CHUNK_ROWS));
    this.bools = of(['bool'], () => new Uint8Array(CHUNK_ROWS));
    this.texts = of(['text'], () => []);
    this.nulls = columns.map(() => undefined);
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

  putCode(v: string | null | undefined): void {
    const i = this.col++;
    if (v === null || v === undefined) (this.nulls[i] ??= []).push(this.rows);
    else this.ints[i]![this.rows] = this.dictionaries[i]!.code(v);
  }

  end(): void {
    if (this.col !== this.columns.length) throw new Error(`store: a row of ${this.col} values for ${this.columns.length} columns`);
    this.col = 0;
    if (++this.rows === CHUNK_ROWS) this.drain();
  }

  /** The rows gathered so far, as one chunk (none when there are none). */
  drain(): void {
    const rows = this.rows;
    if (rows === 0) return;
    const chunk = this.createChunk(this.types, rows);
    for (let i = 0; i < this.columns.length; i++) {
      const vector = chunk.getColumnVector(i);
      // Every value first, then the nulls: a vector's validity mask is made (and each later value costs
      // more) only once a value in it is null. A null row's slot holds an older value until then.
      const bools = this.bools[i];
      if (bools) for (let r = 0; r < rows; r++) vector.setItem(r, bools[r] === 1);
      else {
        const data = this.doubles[i] ?? this.ints[i] ?? this.texts[i]!;
        for (let r = 0; r < rows; r++) vector.setItem(r, data[r] ?? null);
      }
      const nulls = this.nulls[i];
      if (nulls) for (const r of nulls) vector.setItem(r, null);
      vector.flush();
    }
    this.nulls = this.columns.map(() => undefined);
    this.rows = 0;
    this.emit(chunk, rows);
  }
}

/** The DuckDB types of the buffer columns (for data chunks). */
export async function chunkTypes(columns: readonly BufferColumn[]): Promise<DuckDBType[]> {
  const { BOOLEAN, DOUBLE, INTEGER, VARCHAR } = await import('@duckdb/node-api');
  const of: Record<ColumnKind, DuckDBType> = { code: INTEGER, text: VARCHAR, double: DOUBLE, int: INTEGER, bool: BOOLEAN, ms: DOUBLE, units: DOUBLE };
  return columns.map(([, kind]) => of[kind]);
}
