/**
 * What /api/history asks of a history store, answered by each store in its own SQL dialect: the
 * embedded Parquet store (DuckDB, src/sinks/store/history.ts) and QuestDB (src/sinks/questdb/history.ts).
 * The HTTP layer (src/web/history-api.ts) validates parameters and shapes answers once for both, so
 * both answer a request with the same JSON (test/questdb/history.questdb.test.ts compares them).
 * Parameters arrive validated; a store binds them, never splicing request text into SQL, and picks
 * identifiers only from the fixed maps below.
 */

export const GROUP_COLUMNS = { venue: 'venue', symbol: 'symbol', base: 'base', side: 'side' } as const;
export type GroupColumn = keyof typeof GROUP_COLUMNS;
export const STEPS = ['1m', '1h', '1d'] as const;
export type Step = (typeof STEPS)[number];

export interface LiquidationFilter {
  venue?: string;
  symbol?: string;
  base?: string;
  side?: string;
  /** USD at or above (1/10,000 USD units compared as the store's DOUBLE). */
  minUsd: number;
  /** Event time, ms since the epoch, [from, to). */
  from: number;
  to: number;
  /** Liquidation kinds to include, 1 to 4 of them. */
  kind: string[];
}

export type Row = Record<string, unknown>;

/**
 * An answer's rows, and the files of the tables it reads that the store left out (not readable as the table's:
 * logged when found). Above 0, the rows are of what could be read: sums and counts are lower bounds.
 */
export interface HistoryRows {
  rows: Row[];
  leftOutFiles: number;
}

/**
 * Rows with the same names, types and order in every store:
 * - liquidations: venue, id, kind, fidelity, symbol, base, side, price, qty, usd, eventTime, receiveTime;
 * - minutes: time, the `by` columns, usd, longUsd, shortUsd, count;
 * - cascades: id, start, end, peakMinute, peakMinuteUsd, totalUsd, lowerBound, longShare, oiDrawdownUsd,
 *   oiDrawdownPct, ledBy, baselineUsd, byVenue (JSON text).
 */
export interface HistoryReader {
  liquidations(q: LiquidationFilter & { sort: 'time' | 'usd'; limit: number }): Promise<HistoryRows>;
  minutes(q: LiquidationFilter & { step: Step; by: GroupColumn[]; limit: number }): Promise<HistoryRows>;
  cascades(q: { from: number; to: number; limit: number }): Promise<HistoryRows>;
  close(): Promise<void> | void;
}

/** A query stopped after its time (the API answers 504). */
export class QueryTimeoutError extends Error {}
/** Too many queries at once (503). */
export class QueryBusyError extends Error {}
