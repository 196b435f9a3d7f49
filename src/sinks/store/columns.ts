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

  code(value: string): number {
    let c = this.codes.get(value);
    if (c === undefined) {
      c = this.values.length;
      this.codes.set(value, c);
      this.values.push(value);
      this.sql = undefined;
    }
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
 */
export class ColumnRows {
  readonly dictionaries: Dictionary[];
  private cols: Value[][];
  private col = 0;
  rows = 0;

  constructor(
    readonly columns: readonly BufferColumn[],
    private readonly types: readonly DuckDBType[],
    private readonly createChunk: (types: readonly DuckDBType[], rows: number) => DuckDBDataChunk,
    private readonly emit: (chunk: DuckDBDataChunk, rows: number) => void,
  ) {
    this.dictionaries = columns.map(() => new Dictionary());
    this.cols = columns.map(() => []);
  }

  put(v: Value | undefined): void {
    this.cols[this.col++]!.push(v ?? null);
  }

  putCode(v: string | null | undefined): void {
    const i = this.col++;
    this.cols[i]!.push(v === null || v === undefined ? null : this.dictionaries[i]!.code(v));
  }

  end(): void {
    if (this.col !== this.columns.length) throw new Error(`store: a row of ${this.col} values for ${this.columns.length} columns`);
    this.col = 0;
    if (++this.rows === CHUNK_ROWS) this.drain();
  }

  /** The rows gathered so far, as one chunk (none when there are none). */
  drain(): void {
    if (this.rows === 0) return;
    const chunk = this.createChunk(this.types, this.rows);
    for (let i = 0; i < this.cols.length; i++) chunk.setColumnValues(i, this.cols[i]!);
    const rows = this.rows;
    this.cols = this.columns.map(() => []);
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
